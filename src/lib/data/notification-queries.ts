/**
 * The notification centre, derived on the device from the materialised rows (nothing is sent
 * to anyone): mentions of the person in posts and comments, replies to their posts and to their
 * comments, new important posts for them, and every new post in spaces whose level is 'all'.
 * Nothing from the person themself; a space at level 'off' gives only important posts.
 *
 * One item per post or comment, with a stable id naming its kind and source
 * (`important:<postId>`, `mention:<postId or commentId>`, `reply:<commentId>`, `post:<postId>`):
 * an important post is 'important' even when it also mentions the person; a comment that
 * mentions them and replies to them is a 'mention'. An item is read when marked so in the
 * person's own room, or when it is not newer than their "mark all as read".
 *
 * The rows are found through indexes (mentions, authors, parents, importance, and each
 * 'all' space's newest posts), never by reading every post.
 */
import type { NotifyLevel } from '../model/user-room';
import type { CommentRow, FikaDb, PostRow } from './db';
import { getMeta } from './meta';

export type NotificationKind = 'mention' | 'reply' | 'important' | 'post';

export interface NotificationItem {
  id: string;
  kind: NotificationKind;
  postId: string;
  commentId: string | null;
  /** The room the post lives in. */
  room: string;
  spaceId: string;
  spaceName: string;
  actorId: string;
  actorName: string;
  at: number;
  read: boolean;
  excerpt: string;
}

/** Characters of text shown in a notification. */
const EXCERPT_LENGTH = 140;
/** Posts per 'all' space looked at for new posts. */
const NEW_POSTS_PER_SPACE = 50;

function excerpt(text: string): string {
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain.length <= EXCERPT_LENGTH ? plain : `${plain.slice(0, EXCERPT_LENGTH - 1)}…`;
}

type Draft = Omit<NotificationItem, 'spaceName' | 'actorName' | 'read' | 'spaceId'> & { spaceId: string };

/** Every notification for `userId`, unsorted and without names or read state. */
async function drafts(db: FikaDb, userId: string): Promise<Draft[]> {
  const [settings, spaces] = await Promise.all([
    db.spaceSettings.toArray(),
    db.spaces.toCollection().primaryKeys()
  ]);
  const level = new Map<string, NotifyLevel>(settings.map((s) => [s.spaceId, s.notify]));
  const levelOf = (spaceId: string): NotifyLevel => level.get(spaceId) ?? 'mentions';
  const allSpaces = (spaces as string[]).filter((id) => levelOf(id) === 'all');

  const [important, mentionedIn, mentionedInComments, myPostIds, myCommentIds, newPosts] = await Promise.all([
    db.posts.where('importantAt').above(-Infinity).toArray(),
    db.posts.where('mentions').equals(userId).toArray(),
    db.comments.where('mentions').equals(userId).toArray(),
    db.posts.where('authorId').equals(userId).primaryKeys(),
    db.comments.where('authorId').equals(userId).primaryKeys(),
    Promise.all(
      allSpaces.map((spaceId) =>
        db.posts
          .where('[spaceId+createdAt]')
          .between([spaceId, -Infinity], [spaceId, Infinity])
          .reverse()
          .limit(NEW_POSTS_PER_SPACE)
          .toArray()
      )
    )
  ]);
  const [onMyPosts, repliesToMe] = await Promise.all([
    db.comments.where('postId').anyOf(myPostIds).toArray(),
    db.comments.where('parentId').anyOf(myCommentIds).toArray()
  ]);
  const commentPosts = await db.posts.bulkGet([
    ...new Set([...mentionedInComments, ...onMyPosts, ...repliesToMe].map((c) => c.postId))
  ]);
  const postOf = new Map(commentPosts.flatMap((p) => (p ? [[p.id, p] as const] : [])));

  const items = new Map<string, Draft>();
  const fromPost = (kind: NotificationKind, p: PostRow): void => {
    if (p.authorId === userId || items.has(`post-source:${p.id}`)) return;
    if (kind !== 'important' && levelOf(p.spaceId) === 'off') return;
    items.set(`post-source:${p.id}`, {
      id: `${kind}:${p.id}`,
      kind,
      postId: p.id,
      commentId: null,
      room: p.room,
      spaceId: p.spaceId,
      actorId: p.authorId,
      at: p.createdAt,
      excerpt: excerpt(p.text)
    });
  };
  const fromComment = (kind: NotificationKind, c: CommentRow): void => {
    const post = postOf.get(c.postId);
    if (!post || c.authorId === userId || items.has(`comment-source:${c.id}`)) return;
    if (levelOf(post.spaceId) === 'off') return;
    items.set(`comment-source:${c.id}`, {
      id: `${kind}:${c.id}`,
      kind,
      postId: c.postId,
      commentId: c.id,
      room: c.room,
      spaceId: post.spaceId,
      actorId: c.authorId,
      at: c.createdAt,
      excerpt: excerpt(c.text)
    });
  };
  // In order of precedence: the first kind given to a post or comment stays.
  for (const p of important) fromPost('important', p);
  for (const p of mentionedIn) fromPost('mention', p);
  for (const p of newPosts.flat()) fromPost('post', p);
  for (const c of mentionedInComments) fromComment('mention', c);
  for (const c of [...onMyPosts, ...repliesToMe]) fromComment('reply', c);
  return [...items.values()];
}

/** Adds names and read state, newest first. */
async function complete(db: FikaDb, items: Draft[]): Promise<NotificationItem[]> {
  const [people, spaces, marks, until] = await Promise.all([
    db.people.bulkGet([...new Set(items.map((n) => n.actorId))]),
    db.spaces.bulkGet([...new Set(items.map((n) => n.spaceId))]),
    db.notificationReads.bulkGet(items.map((n) => n.id)),
    getMeta(db, 'notificationsReadUntil')
  ]);
  const actorName = new Map(people.flatMap((p) => (p ? [[p.id, p.name] as const] : [])));
  const spaceName = new Map(spaces.flatMap((s) => (s ? [[s.id, s.name] as const] : [])));
  const readUntil = until ?? 0;
  return items
    .map((n, i) => ({
      ...n,
      spaceName: spaceName.get(n.spaceId) ?? '',
      actorName: actorName.get(n.actorId) ?? '',
      read: marks[i] !== undefined || n.at <= readUntil
    }))
    .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
}

/** The person's notifications, newest first. */
export async function notifications(db: FikaDb, userId: string, limit = 50): Promise<NotificationItem[]> {
  const all = (await drafts(db, userId)).sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1));
  return complete(db, all.slice(0, Math.max(0, limit)));
}

/** How many of the person's notifications are unread. */
export async function unreadNotificationCount(db: FikaDb, userId: string): Promise<number> {
  const [items, until] = await Promise.all([drafts(db, userId), getMeta(db, 'notificationsReadUntil')]);
  const recent = items.filter((n) => n.at > (until ?? 0));
  const marks = await db.notificationReads.bulkGet(recent.map((n) => n.id));
  return marks.filter((m) => m === undefined).length;
}
