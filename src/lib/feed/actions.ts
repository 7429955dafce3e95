/**
 * What a person does in the feed, as changes to room documents through the sync engine
 * (`engine.change`): written on this device at once, sent when there is a network, refused by the
 * server's rules when not allowed (the room is then loaded afresh, see sync/engine.ts).
 *
 * Each action checks its input first and throws a `FeedInputError` (with a `code` and, for
 * lengths, the `limit`) before anything is written; the server's rules check the same things
 * again. Creating a targeted post needs the server (it creates the post's room and its access):
 * offline that throws the API's `ApiFailure` 'offline'; everything else works offline.
 *
 * Delivery of important posts ("it reached my device") is written by the sync layer itself
 * once a room has synced (sync/room-sync.ts); `markDelivered` is here for pages that want to
 * make sure for the posts they show.
 */
import { api, ApiFailure } from '../api';
import type { PostRow, CommentRow } from '../data/db';
import type { Role } from '../model/org';
import { postRoom, spaceMonthRoom, spaceRoom, userRoom } from '../model/rooms';
import * as space from '../model/space-room';
import { PostLimits, Reactions, type PostImage, type Reaction } from '../model/space-room';
import { pin, unpin } from '../model/space-shared';
import * as user from '../model/user-room';
import type { NotifyLevel, SpaceChoice } from '../model/user-room';
import type { SyncEngine } from '../sync/engine';

export interface Me {
  id: string;
  role: Role;
}

export type FeedInputCode =
  | 'empty'
  | 'too-long'
  | 'too-many-images'
  | 'too-many-groups'
  | 'too-many-mentions'
  | 'bad-image'
  | 'bad-reaction'
  | 'bad-parent'
  | 'not-found'
  | 'not-allowed'
  | 'not-important';

/** Input the feed does not accept; nothing was written. */
export class FeedInputError extends Error {
  constructor(
    readonly code: FeedInputCode,
    message: string,
    /** The limit that was passed (for 'too-long' and the 'too-many-…' codes). */
    readonly limit: number | null = null
  ) {
    super(message);
    this.name = 'FeedInputError';
  }
}

export interface NewPostInput {
  spaceId: string;
  text: string;
  images?: PostImage[];
  important?: boolean;
  /** Non-empty: a targeted post, in its own room, for these groups only. */
  targetGroupIds?: string[];
  mentions?: string[];
}

export interface NewCommentInput {
  text: string;
  /** The comment replied to (a comment on the post, not a reply), or null. */
  parentId?: string | null;
  mentions?: string[];
}

const IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/** A new id: 128 random bits as 22 url-safe characters. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const isEditor = (me: Me): boolean => me.role === 'admin' || me.role === 'editor';

function checkText(text: string, limit: number, allowEmpty = false): void {
  if (!allowEmpty && text.trim().length === 0) throw new FeedInputError('empty', 'The text is empty.');
  if (text.length > limit) {
    throw new FeedInputError('too-long', `The text is longer than ${limit} characters.`, limit);
  }
}

function checkMentions(mentions: readonly string[] | undefined): string[] {
  const distinct = [...new Set(mentions ?? [])];
  if (distinct.length > PostLimits.mentions) {
    throw new FeedInputError(
      'too-many-mentions',
      `At most ${PostLimits.mentions} people can be mentioned.`,
      PostLimits.mentions
    );
  }
  return distinct;
}

function checkImages(images: readonly PostImage[] | undefined): PostImage[] {
  const list = [...(images ?? [])];
  if (list.length > PostLimits.images) {
    throw new FeedInputError('too-many-images', `At most ${PostLimits.images} images.`, PostLimits.images);
  }
  for (const image of list) {
    const sized =
      Number.isFinite(image.width) && Number.isFinite(image.height) && image.width > 0 && image.height > 0;
    if (!image.id || !IMAGE_TYPES.includes(image.type) || !sized) {
      throw new FeedInputError('bad-image', 'An image is not an uploaded PNG, JPEG, WebP or GIF.');
    }
    if (image.alt.length > PostLimits.imageAlt) {
      throw new FeedInputError(
        'too-long',
        `An image description is longer than ${PostLimits.imageAlt} characters.`,
        PostLimits.imageAlt
      );
    }
  }
  return list.map(({ id, type, width, height, alt }) => ({ id, type, width, height, alt }));
}

/** Creates a post; returns its id and the room it lives in. */
export async function createPost(
  engine: SyncEngine,
  me: Me,
  input: NewPostInput
): Promise<{ id: string; room: string }> {
  const images = checkImages(input.images);
  checkText(input.text, PostLimits.postText, images.length > 0);
  const mentions = checkMentions(input.mentions);
  const targetGroupIds = [...new Set(input.targetGroupIds ?? [])];
  if (targetGroupIds.length > PostLimits.targetGroups) {
    throw new FeedInputError(
      'too-many-groups',
      `A post can be targeted at ${PostLimits.targetGroups} groups at most.`,
      PostLimits.targetGroups
    );
  }
  const now = new Date();
  let id: string;
  let room: string;
  if (targetGroupIds.length > 0) {
    if (engine.status.state === 'offline') {
      throw new ApiFailure(0, 'offline', 'The server could not be reached.');
    }
    ({ id, room } = await api<{ id: string; room: string }>(
      `/spaces/${encodeURIComponent(input.spaceId)}/targeted-posts`,
      // Its images become readable by the post's audience only.
      { body: { groupIds: targetGroupIds, imageIds: (input.images ?? []).map((image) => image.id) } }
    ));
    if (room !== postRoom(input.spaceId, id)) {
      throw new ApiFailure(502, 'bad-answer', 'The server answered with an unexpected room.');
    }
  } else {
    id = newId();
    room = spaceMonthRoom(input.spaceId, now);
  }
  await engine.change(room, (doc) =>
    space.addPost(doc, {
      id,
      authorId: me.id,
      createdAt: now.getTime(),
      text: input.text,
      important: input.important === true,
      targetGroupIds,
      images,
      mentions
    })
  );
  return { id, room };
}

/** Changes one's own post's text (and who it mentions). */
export async function editPost(
  engine: SyncEngine,
  me: Me,
  post: PostRow,
  text: string,
  mentions: string[]
): Promise<void> {
  if (post.authorId !== me.id) throw new FeedInputError('not-allowed', 'Only the author edits a post.');
  checkText(text, PostLimits.postText, post.images.length > 0);
  const list = checkMentions(mentions);
  let found = false;
  await engine.change(post.room, (doc) => {
    found = space.editPost(doc, post.id, text, Date.now(), list);
  });
  if (!found) throw new FeedInputError('not-found', 'The post is gone.');
}

/** Deletes a post: one's own, or any as an editor (who also unpins it). */
export async function deletePost(engine: SyncEngine, me: Me, post: PostRow): Promise<void> {
  if (post.authorId !== me.id && !isEditor(me)) {
    throw new FeedInputError('not-allowed', 'Only the author or an editor deletes a post.');
  }
  await engine.change(post.room, (doc) => space.deletePost(doc, post.id));
  if (isEditor(me)) await engine.change(spaceRoom(post.spaceId), (doc) => unpin(doc, post.id));
}

/** Comments on a post, or replies to a comment on it; returns the comment's id. */
export async function addComment(
  engine: SyncEngine,
  me: Me,
  post: PostRow,
  input: NewCommentInput
): Promise<{ id: string }> {
  checkText(input.text, PostLimits.commentText);
  const mentions = checkMentions(input.mentions);
  const parentId = input.parentId ?? null;
  const id = newId();
  let problem: FeedInputError | null = null;
  await engine.change(post.room, (doc) => {
    if (!space.posts(doc).has(post.id)) {
      problem = new FeedInputError('not-found', 'The post is gone.');
      return;
    }
    if (parentId !== null) {
      const parent = space.comments(doc).get(parentId);
      if (parent?.get('postId') !== post.id || (parent.get('parentId') ?? null) !== null) {
        problem = new FeedInputError('bad-parent', 'Replies go to a comment on the same post.');
        return;
      }
    }
    space.addComment(doc, {
      id,
      postId: post.id,
      parentId,
      authorId: me.id,
      createdAt: Date.now(),
      text: input.text,
      mentions
    });
  });
  if (problem) throw problem;
  return { id };
}

/** Changes one's own comment's text. */
export async function editComment(
  engine: SyncEngine,
  me: Me,
  comment: CommentRow,
  text: string,
  mentions: string[]
): Promise<void> {
  if (comment.authorId !== me.id) throw new FeedInputError('not-allowed', 'Only the author edits a comment.');
  checkText(text, PostLimits.commentText);
  const list = checkMentions(mentions);
  let found = false;
  await engine.change(comment.room, (doc) => {
    found = space.editComment(doc, comment.id, text, Date.now(), list);
  });
  if (!found) throw new FeedInputError('not-found', 'The comment is gone.');
}

/** Deletes a comment: one's own, or any as an editor. */
export async function deleteComment(engine: SyncEngine, me: Me, comment: CommentRow): Promise<void> {
  if (comment.authorId !== me.id && !isEditor(me)) {
    throw new FeedInputError('not-allowed', 'Only the author or an editor deletes a comment.');
  }
  await engine.change(comment.room, (doc) => space.deleteComment(doc, comment.id));
}

/** Adds the person's reaction, or takes it back if they had given it. */
export async function toggleReaction(
  engine: SyncEngine,
  me: Me,
  post: PostRow,
  reaction: Reaction
): Promise<void> {
  if (!Reactions.includes(reaction))
    throw new FeedInputError('bad-reaction', `Unknown reaction ${String(reaction)}.`);
  await engine.change(post.room, (doc) => {
    const on = !space.reactions(doc).has(space.reactionKey(post.id, me.id, reaction));
    space.setReaction(doc, post.id, me.id, reaction, on, Date.now());
  });
}

/** "I have read this" on an important post (which also counts as opened). */
export async function confirmRead(engine: SyncEngine, me: Me, post: PostRow): Promise<void> {
  if (!post.important) throw new FeedInputError('not-important', 'Only important posts are confirmed.');
  await engine.change(post.room, (doc) => {
    const at = Date.now();
    space.markReach(doc, post.id, me.id, at, true);
    space.confirmRead(doc, post.id, me.id, at);
  });
}

/** Records that important posts from others reached this device (once each). */
export async function markDelivered(engine: SyncEngine, me: Me, posts: PostRow[]): Promise<void> {
  const byRoom = new Map<string, string[]>();
  for (const p of posts) {
    if (!p.important || p.authorId === me.id) continue;
    byRoom.set(p.room, [...(byRoom.get(p.room) ?? []), p.id]);
  }
  await Promise.all(
    [...byRoom].map(([room, ids]) =>
      engine.change(room, (doc) => {
        const at = Date.now();
        for (const id of ids) {
          if (space.posts(doc).has(id)) space.markReach(doc, id, me.id, at, false);
        }
      })
    )
  );
}

/** Records that the person opened an important post from someone else (once). */
export async function markOpened(engine: SyncEngine, me: Me, post: PostRow): Promise<void> {
  if (!post.important || post.authorId === me.id) return;
  await engine.change(post.room, (doc) => {
    if (space.posts(doc).has(post.id)) space.markReach(doc, post.id, me.id, Date.now(), true);
  });
}

/** Marks posts read (the first time counts). */
export async function markRead(engine: SyncEngine, me: Me, postIds: string[]): Promise<void> {
  if (postIds.length === 0) return;
  await engine.change(userRoom(me.id), (doc) => user.markRead(doc, postIds, Date.now()));
}

/** Follows, mutes, joins or leaves a space (null: back to the default). */
export async function setSpaceChoice(
  engine: SyncEngine,
  me: Me,
  spaceId: string,
  choice: SpaceChoice | null
): Promise<void> {
  await engine.change(userRoom(me.id), (doc) => user.setSpaceChoice(doc, spaceId, choice));
}

export async function setNotifyLevel(
  engine: SyncEngine,
  me: Me,
  spaceId: string,
  level: NotifyLevel
): Promise<void> {
  await engine.change(userRoom(me.id), (doc) => user.setNotifyLevel(doc, spaceId, level));
}

/** Pins a post to the top of its space's feed (editors). */
export async function pinPost(engine: SyncEngine, me: Me, post: PostRow): Promise<void> {
  if (!isEditor(me)) throw new FeedInputError('not-allowed', 'Only editors pin posts.');
  await engine.change(spaceRoom(post.spaceId), (doc) =>
    pin(doc, { postId: post.id, room: post.room, by: me.id, at: Date.now() })
  );
}

export async function unpinPost(engine: SyncEngine, me: Me, post: PostRow): Promise<void> {
  if (!isEditor(me)) throw new FeedInputError('not-allowed', 'Only editors unpin posts.');
  await engine.change(spaceRoom(post.spaceId), (doc) => unpin(doc, post.id));
}

export async function markNotificationRead(engine: SyncEngine, me: Me, id: string): Promise<void> {
  await engine.change(userRoom(me.id), (doc) => user.markNotificationRead(doc, id, Date.now()));
}

export async function markAllNotificationsRead(engine: SyncEngine, me: Me): Promise<void> {
  await engine.change(userRoom(me.id), (doc) => user.markAllNotificationsRead(doc, Date.now()));
}

/**
 * Uploads an image for a post in `spaceId` (the server checks its type and size and stores it);
 * the description (`alt`) starts empty. Throws `ApiFailure`: 'unsupported-image-type' before sending
 * anything when the file is not a PNG, JPEG, WebP or GIF, else the server's reason.
 */
export async function uploadImage(spaceId: string, file: Blob): Promise<PostImage> {
  if (!IMAGE_TYPES.includes(file.type)) {
    throw new ApiFailure(
      415,
      'unsupported-image-type',
      'Only PNG, JPEG, WebP and GIF images can be uploaded.'
    );
  }
  if (file.size === 0) throw new ApiFailure(422, 'invalid-image', 'The file is empty.');
  const image = await api<{
    id: string;
    type: PostImage['type'];
    width: number;
    height: number;
    bytes: number;
  }>(`/spaces/${encodeURIComponent(spaceId)}/images`, { raw: file });
  return { id: image.id, type: image.type, width: image.width, height: image.height, alt: '' };
}
