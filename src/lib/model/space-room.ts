/**
 * Posts and what hangs on them, as kept in two kinds of room with the same shape:
 * - a space's month partition, `space/<id>/<yyyy-mm>`: the posts created in that month (UTC);
 * - a targeted post's room, `post/<spaceId>/<postId>`: one post whose audience is narrower
 *   than its space's (chosen groups), so that it never reaches anyone else's device.
 *
 * Y.Doc shape (version 2):
 *   getMap('posts')      post id → Y.Map {
 *                          id, authorId, createdAt (ms), text: Y.Text (Markdown subset),
 *                          editedAt?: ms,
 *                          important?: true          a "must read" announcement
 *                          targetGroupIds?: string[] the groups it is targeted at (post rooms)
 *                          images?: PostImage[]      uploaded images, in order
 *                          mentions?: string[]       ids of the people mentioned in the text
 *                        }
 *   getMap('comments')   comment id → Y.Map { id, postId, parentId: string | null, authorId,
 *                                          createdAt, text: Y.Text, editedAt?, mentions? }
 *   getMap('reactions')  `<postId>/<userId>/<reaction>` → { postId, userId, reaction, at }
 *   getMap('reads')      `<postId>/<userId>` → { postId, userId, at }   "I have read this"
 *   getMap('reach')      `<postId>/<userId>` → { postId, userId, deliveredAt, openedAt? }
 *                        (important posts only: when it reached the person's device, when they opened it)
 *
 * Every value is written by its owner only (the server's rules enforce it, see
 * space-rules.ts): a post, comment or text by its author; reactions, confirmations and reach
 * entries by the person their key names. Deleting a post or comment removes its entry; editors
 * of the space may remove anyone's. Replies are one level deep: a reply's parent is a comment
 * whose own parent is null.
 */
import * as Y from 'yjs';
import { replaceText } from './text';

export interface PostImage {
  /** The upload's id: the image is at `/api/uploads/<id>`. */
  id: string;
  type: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  width: number;
  height: number;
  /** A description for people who cannot see it ('' when none was given). */
  alt: string;
}

export interface NewPost {
  id: string;
  authorId: string;
  createdAt: number;
  text: string;
  important?: boolean;
  targetGroupIds?: string[];
  images?: PostImage[];
  mentions?: string[];
}

export interface NewComment {
  id: string;
  postId: string;
  parentId: string | null;
  authorId: string;
  createdAt: number;
  text: string;
  mentions?: string[];
}

export const Reactions = ['like', 'heart', 'celebrate', 'insightful', 'laugh'] as const;
export type Reaction = (typeof Reactions)[number];

export interface ReactionEntry {
  postId: string;
  userId: string;
  reaction: Reaction;
  at: number;
}
export interface ReadEntry {
  postId: string;
  userId: string;
  at: number;
}
export interface ReachEntry {
  postId: string;
  userId: string;
  deliveredAt: number;
  openedAt?: number;
}

/** Lengths, shared by the app's forms and the server's rules. */
export const PostLimits = {
  /** Characters in a post's text. */
  postText: 10_000,
  /** Characters in a comment's text. */
  commentText: 4_000,
  /** Images on one post. */
  images: 10,
  /** Characters in an image's description. */
  imageAlt: 500,
  /** Groups one post may be targeted at. */
  targetGroups: 50,
  /** People mentioned in one post or comment. */
  mentions: 50
} as const;

/** Top-level maps of a post room, in the order the rules know them. */
export const POST_ROOM_MAPS = ['posts', 'comments', 'reactions', 'reads', 'reach'] as const;

export const posts = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('posts');
export const comments = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('comments');
export const reactions = (doc: Y.Doc) => doc.getMap<ReactionEntry>('reactions');
export const reads = (doc: Y.Doc) => doc.getMap<ReadEntry>('reads');
export const reach = (doc: Y.Doc) => doc.getMap<ReachEntry>('reach');

export const reactionKey = (postId: string, userId: string, reaction: Reaction): string =>
  `${postId}/${userId}/${reaction}`;
export const personKey = (postId: string, userId: string): string => `${postId}/${userId}`;

function entry(fields: Record<string, unknown>, text: string): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)) map.set(k, v);
  }
  map.set('text', new Y.Text(text));
  return map;
}

export function addPost(doc: Y.Doc, post: NewPost): void {
  const { text, important, ...fields } = post;
  posts(doc).set(post.id, entry({ ...fields, important: important === true ? true : undefined }, text));
}

export function addComment(doc: Y.Doc, comment: NewComment): void {
  const { text, ...fields } = comment;
  comments(doc).set(comment.id, entry(fields, text));
}

/** Changes a post's or comment's text (only the part that differs) and marks it edited. */
function editEntry(map: Y.Map<unknown> | undefined, text: string, at: number, mentions?: string[]): boolean {
  if (!(map instanceof Y.Map)) return false;
  const current = map.get('text');
  if (!(current instanceof Y.Text)) return false;
  const doc = map.doc!;
  doc.transact(() => {
    replaceText(current, text);
    map.set('editedAt', at);
    if (mentions !== undefined) {
      if (mentions.length > 0) map.set('mentions', mentions);
      else if (map.has('mentions')) map.delete('mentions');
    }
  });
  return true;
}

export function editPost(doc: Y.Doc, postId: string, text: string, at: number, mentions?: string[]): boolean {
  return editEntry(posts(doc).get(postId), text, at, mentions);
}

export function editComment(
  doc: Y.Doc,
  commentId: string,
  text: string,
  at: number,
  mentions?: string[]
): boolean {
  return editEntry(comments(doc).get(commentId), text, at, mentions);
}

/** Removes a post (its author's own, or any as an editor of the space). */
export function deletePost(doc: Y.Doc, postId: string): void {
  posts(doc).delete(postId);
}

/** Removes a comment. Its replies stay, under a "comment removed" placeholder. */
export function deleteComment(doc: Y.Doc, commentId: string): void {
  comments(doc).delete(commentId);
}

/** Adds or removes the person's reaction. */
export function setReaction(
  doc: Y.Doc,
  postId: string,
  userId: string,
  reaction: Reaction,
  on: boolean,
  at: number
): void {
  const key = reactionKey(postId, userId, reaction);
  if (on) reactions(doc).set(key, { postId, userId, reaction, at });
  else if (reactions(doc).has(key)) reactions(doc).delete(key);
}

/** Kept for the demo's seeding and older callers: adds a reaction. */
export function react(doc: Y.Doc, postId: string, userId: string, reaction: Reaction, at: number): void {
  setReaction(doc, postId, userId, reaction, true, at);
}

/** "I have read this": the person's confirmation of an important post. */
export function confirmRead(doc: Y.Doc, postId: string, userId: string, at: number): void {
  const key = personKey(postId, userId);
  if (!reads(doc).has(key)) reads(doc).set(key, { postId, userId, at });
}

/**
 * Records that an important post reached the person's device (and, with `opened`, that they
 * opened it). Written once each: an entry that already says so is left alone.
 */
export function markReach(doc: Y.Doc, postId: string, userId: string, at: number, opened: boolean): void {
  const key = personKey(postId, userId);
  const current = reach(doc).get(key);
  if (current && (!opened || current.openedAt !== undefined)) return;
  reach(doc).set(key, {
    postId,
    userId,
    deliveredAt: current?.deliveredAt ?? at,
    ...(opened ? { openedAt: at } : {})
  });
}
