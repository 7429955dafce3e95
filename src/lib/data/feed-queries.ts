/**
 * The feed's queries, for `live()`: the top of the feed (unread important posts and pinned
 * posts), pages of the rest newest first, a post with its comments, reach, spaces with the
 * person's settings. They read the materialised tables only, through indexes: a page reads about
 * `limit` rows per space from `[spaceId+createdAt]`, never the whole table.
 *
 * Exported from queries.ts; notifications are in notification-queries.ts.
 */
import { Reactions, type Reaction } from '../model/space-room';
import { inFeed, type NotifyLevel, type SpaceChoice } from '../model/user-room';
import type { CommentRow, FikaDb, PostRow, SpaceRow } from './db';

export type FeedItem = PostRow & {
  authorName: string;
  spaceName: string;
  /** When the person first read it (null: unread). */
  readAt: number | null;
  pinned: boolean;
  /** When the person confirmed "I have read this" (null: not yet). */
  confirmedAt: number | null;
  myReactions: Reaction[];
  reactionCounts: Partial<Record<Reaction, number>>;
};

export type CommentItem = CommentRow & {
  authorName: string;
  replies: CommentItem[];
  /** A placeholder for a deleted comment that still has replies. */
  removed?: boolean;
};

export type SpaceWithSettings = SpaceRow & {
  choice: SpaceChoice | null;
  notify: NotifyLevel;
  inFeed: boolean;
};

export interface FeedFilter {
  /** One space only (whether or not it is in the feed); otherwise the spaces in the feed. */
  spaceId?: string;
}

export interface FeedPageOptions extends FeedFilter {
  /** Only posts the person has not read (nor written). */
  unreadOnly?: boolean;
  /** The last item of the previous page: the page starts after it. */
  before?: { createdAt: number; id: string };
  /** 20 by default. */
  limit?: number;
}

/** The most posts one call returns (the home page asks for more as the person scrolls). */
export const MAX_FEED_ROWS = 5000;

/** Newest first; equal times by id, descending, as the `[spaceId+createdAt]` index reads backwards. */
const newestFirst = (a: PostRow, b: PostRow): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Every space with the person's choice and notification level and whether it is in the feed. */
export async function spacesWithSettings(db: FikaDb): Promise<SpaceWithSettings[]> {
  const [spaces, settings] = await Promise.all([db.spaces.toArray(), db.spaceSettings.toArray()]);
  const setting = new Map(settings.map((s) => [s.spaceId, s]));
  return spaces
    .map((space) => {
      const s = setting.get(space.id);
      const choice = s?.choice ?? null;
      return {
        ...space,
        choice,
        notify: s?.notify ?? 'mentions',
        inFeed: inFeed(space, choice ?? undefined)
      };
    })
    .sort((a, b) => byName.compare(a.name, b.name));
}

/** The ids of the spaces the feed shows: the given one, or those in the feed. */
async function feedSpaceIds(db: FikaDb, filter: FeedFilter): Promise<string[]> {
  if (filter.spaceId !== undefined) return [filter.spaceId];
  return (await spacesWithSettings(db)).filter((s) => s.inFeed).map((s) => s.id);
}

/** The posts feedTop shows, in its order. */
async function topPosts(db: FikaDb, userId: string, spaceIds: readonly string[]): Promise<PostRow[]> {
  const spaces = new Set(spaceIds);
  const [important, pins] = await Promise.all([
    db.posts.where('importantAt').above(-Infinity).toArray(),
    db.pins
      .where('spaceId')
      .anyOf([...spaces])
      .toArray()
  ]);
  const candidates = important.filter((p) => spaces.has(p.spaceId) && p.authorId !== userId);
  const confirmations =
    candidates.length > 0 ? await db.reach.bulkGet(candidates.map((p) => `${p.id}/${userId}`)) : [];
  const unconfirmed = candidates.filter((_, i) => confirmations[i]?.confirmedAt == null).sort(newestFirst);
  pins.sort((a, b) => b.at - a.at);
  const pinnedPosts = (pins.length > 0 ? await db.posts.bulkGet(pins.map((p) => p.postId)) : []).filter(
    (p): p is PostRow => p !== undefined && spaces.has(p.spaceId)
  );
  const shown = new Set(unconfirmed.map((p) => p.id));
  return [...unconfirmed, ...pinnedPosts.filter((p) => !shown.has(p.id))];
}

/** Adds names, the person's read, confirmation and reactions, counts by reaction, and pinned. */
async function feedItems(db: FikaDb, userId: string, posts: PostRow[]): Promise<FeedItem[]> {
  if (posts.length === 0) return [];
  const ids = posts.map((p) => p.id);
  const [people, spaces, reads, reach, reactions, pins] = await Promise.all([
    db.people.bulkGet([...new Set(posts.map((p) => p.authorId))]),
    db.spaces.bulkGet([...new Set(posts.map((p) => p.spaceId))]),
    db.reads.bulkGet(ids),
    db.reach.bulkGet(ids.map((id) => `${id}/${userId}`)),
    db.reactions.where('postId').anyOf(ids).toArray(),
    db.pins.bulkGet(ids)
  ]);
  const authorName = new Map(people.flatMap((p) => (p ? [[p.id, p.name] as const] : [])));
  const spaceName = new Map(spaces.flatMap((s) => (s ? [[s.id, s.name] as const] : [])));
  const counts = new Map<string, Partial<Record<Reaction, number>>>();
  const mine = new Map<string, Reaction[]>();
  for (const r of reactions) {
    const c = counts.get(r.postId) ?? {};
    c[r.reaction] = (c[r.reaction] ?? 0) + 1;
    counts.set(r.postId, c);
    if (r.userId === userId) mine.set(r.postId, [...(mine.get(r.postId) ?? []), r.reaction]);
  }
  return posts.map((p, i) => ({
    ...p,
    authorName: authorName.get(p.authorId) ?? '',
    spaceName: spaceName.get(p.spaceId) ?? '',
    readAt: reads[i]?.at ?? null,
    pinned: pins[i]?.spaceId === p.spaceId,
    confirmedAt: reach[i]?.confirmedAt ?? null,
    myReactions: Reactions.filter((r) => mine.get(p.id)?.includes(r)),
    reactionCounts: counts.get(p.id) ?? {}
  }));
}

/**
 * The top of the feed: important posts for the person that they have not confirmed (newest
 * first), then pinned posts (latest pinned first), in the feed's spaces or the given one.
 */
export async function feedTop(db: FikaDb, userId: string, filter: FeedFilter = {}): Promise<FeedItem[]> {
  const spaceIds = await feedSpaceIds(db, filter);
  return feedItems(db, userId, await topPosts(db, userId, spaceIds));
}

/**
 * One page of the feed, newest first, without what `feedTop` shows. Reads each space's posts
 * backwards through `[spaceId+createdAt]`, at most `limit` matching rows per space, and merges.
 */
export async function feedPage(
  db: FikaDb,
  userId: string,
  options: FeedPageOptions = {}
): Promise<FeedItem[]> {
  // The home page grows one page as the person scrolls; a bound keeps a runaway caller cheap.
  const limit = Math.max(1, Math.min(options.limit ?? 20, MAX_FEED_ROWS));
  const spaceIds = await feedSpaceIds(db, options);
  const [top, readIds] = await Promise.all([
    topPosts(db, userId, spaceIds),
    options.unreadOnly ? db.reads.toCollection().primaryKeys() : Promise.resolve([])
  ]);
  const excluded = new Set(top.map((p) => p.id));
  const read = new Set(readIds);
  const before = options.before;
  const wanted = (p: PostRow): boolean => {
    if (excluded.has(p.id)) return false;
    if (before && p.createdAt === before.createdAt && p.id >= before.id) return false;
    return !options.unreadOnly || (!read.has(p.id) && p.authorId !== userId);
  };
  const pages = await Promise.all(
    spaceIds.map((spaceId) =>
      db.posts
        .where('[spaceId+createdAt]')
        .between([spaceId, -Infinity], [spaceId, before ? before.createdAt : Infinity], true, true)
        .reverse()
        .filter(wanted)
        .limit(limit)
        .toArray()
    )
  );
  return feedItems(db, userId, pages.flat().sort(newestFirst).slice(0, limit));
}

/** Comments as a thread: comments oldest first, each with its replies oldest first. */
function thread(comments: CommentRow[], names: ReadonlyMap<string, string>): CommentItem[] {
  const byId = new Map(comments.map((c) => [c.id, c]));
  const item = (c: CommentRow): CommentItem => ({
    ...c,
    authorName: names.get(c.authorId) ?? '',
    replies: []
  });
  const top = new Map<string, CommentItem>();
  const sorted = [...comments].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const c of sorted) if (c.parentId === null) top.set(c.id, item(c));
  for (const c of sorted) {
    if (c.parentId === null) continue;
    // Replies are one level deep: a reply to a reply goes under the comment it belongs to.
    const parent = byId.get(c.parentId);
    const rootId = parent && parent.parentId !== null ? parent.parentId : c.parentId;
    let root = top.get(rootId);
    if (!root) {
      root = {
        id: rootId,
        room: c.room,
        postId: c.postId,
        parentId: null,
        authorId: '',
        text: '',
        createdAt: c.createdAt,
        editedAt: null,
        mentions: [],
        authorName: '',
        replies: [],
        removed: true
      };
      top.set(rootId, root);
    }
    root.replies.push(item(c));
  }
  return [...top.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** A post with its comments (threaded) and who reacted how; null when it is not on the device. */
export async function postDetail(
  db: FikaDb,
  userId: string,
  postId: string
): Promise<{
  post: FeedItem;
  comments: CommentItem[];
  reactions: { reaction: Reaction; userIds: string[]; names: string[] }[];
} | null> {
  const row = await db.posts.get(postId);
  if (!row) return null;
  const [[post], comments, reactions] = await Promise.all([
    feedItems(db, userId, [row]),
    db.comments.where('postId').equals(postId).toArray(),
    db.reactions.where('postId').equals(postId).toArray()
  ]);
  const personIds = [...new Set([...comments.map((c) => c.authorId), ...reactions.map((r) => r.userId)])];
  const people = await db.people.bulkGet(personIds);
  const names = new Map(people.flatMap((p) => (p ? [[p.id, p.name] as const] : [])));
  reactions.sort((a, b) => a.at - b.at);
  return {
    post: post!,
    comments: thread(comments, names),
    reactions: Reactions.flatMap((reaction) => {
      const userIds = reactions.filter((r) => r.reaction === reaction).map((r) => r.userId);
      return userIds.length === 0
        ? []
        : [{ reaction, userIds, names: userIds.map((id) => names.get(id) ?? '') }];
    })
  };
}

/**
 * How far an important post has reached its audience (`audienceIds`, from the server; the
 * author is left out): how many it reached, opened and confirmed, and who has not confirmed.
 */
export async function reachFor(
  db: FikaDb,
  postId: string,
  audienceIds: string[]
): Promise<{
  reached: number;
  opened: number;
  confirmed: number;
  audience: number;
  notConfirmed: { id: string; name: string }[];
}> {
  const [post, rows] = await Promise.all([
    db.posts.get(postId),
    db.reach.where('postId').equals(postId).toArray()
  ]);
  const audience = [...new Set(audienceIds)].filter((id) => id !== post?.authorId);
  const byUser = new Map(rows.map((r) => [r.userId, r]));
  let reached = 0;
  let opened = 0;
  let confirmed = 0;
  const missing: string[] = [];
  for (const id of audience) {
    const r = byUser.get(id);
    // Opening implies delivery, confirming implies both, whichever device wrote what.
    if (r?.confirmedAt != null) confirmed++;
    else missing.push(id);
    if (r?.openedAt != null || r?.confirmedAt != null) opened++;
    if (r?.deliveredAt != null || r?.openedAt != null || r?.confirmedAt != null) reached++;
  }
  const people = await db.people.bulkGet(missing);
  const notConfirmed = missing
    .map((id, i) => ({ id, name: people[i]?.name ?? '' }))
    .sort((a, b) => byName.compare(a.name, b.name));
  return { reached, opened, confirmed, audience: audience.length, notConfirmed };
}
