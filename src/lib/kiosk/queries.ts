/**
 * What a kiosk screen shows, read from its own local store (only its spaces' rooms are in it):
 * the announcements that rotate (pinned posts and recent important ones) and the latest posts.
 * Index reads only, like the feed's queries, so re-running them on every change is cheap.
 */
import type { FikaDb, PostRow } from '../data/db';

/** Important posts older than this leave the rotation (pinned ones stay while pinned). */
export const ANNOUNCEMENT_DAYS = 14;
/** At most this many announcements rotate. */
export const MAX_ANNOUNCEMENTS = 12;
/** The latest posts listed beside the rotation. */
export const LATEST_COUNT = 6;

export type Announcement = PostRow & { pinned: boolean };

/** Pinned posts first (newest pin first), then important posts, newest first. */
export async function announcements(db: FikaDb, now = Date.now()): Promise<Announcement[]> {
  const since = now - ANNOUNCEMENT_DAYS * 24 * 3600 * 1000;
  const [pins, important] = await Promise.all([
    db.pins.toArray(),
    db.posts.where('importantAt').above(since).reverse().limit(MAX_ANNOUNCEMENTS).toArray()
  ]);
  pins.sort((a, b) => b.at - a.at);
  const pinnedPosts = (await db.posts.bulkGet(pins.map((p) => p.postId))).filter(
    (p): p is PostRow => p !== undefined
  );
  const seen = new Set<string>();
  const list: Announcement[] = [];
  for (const post of pinnedPosts) {
    if (seen.has(post.id)) continue;
    seen.add(post.id);
    list.push({ ...post, pinned: true });
  }
  for (const post of important) {
    if (seen.has(post.id)) continue;
    seen.add(post.id);
    list.push({ ...post, pinned: false });
  }
  return list.slice(0, MAX_ANNOUNCEMENTS);
}

/** The newest posts of the kiosk's spaces. */
export function latestPosts(db: FikaDb, count = LATEST_COUNT): Promise<PostRow[]> {
  return db.posts.orderBy('createdAt').reverse().limit(count).toArray();
}
