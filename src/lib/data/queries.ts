/**
 * What the lists read, as functions for `live()` (see state/live.svelte.ts). They read the
 * materialised tables only, never a room's document.
 */
import type { FikaDb, GroupRow, PersonRow, PostRow, SpaceRow } from './db';

export interface PostListItem extends PostRow {
  authorName: string;
  spaceName: string;
}

// Names sort as people expect in their language (å, ä, ö after z in Swedish), not by code unit.
const byName = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/**
 * The newest posts from every space this device has, newest first, with their author's and
 * space's names ('' while the directory has not arrived yet).
 */
export async function recentPosts(db: FikaDb, limit = 20): Promise<PostListItem[]> {
  const posts = await db.posts.orderBy('createdAt').reverse().limit(limit).toArray();
  const authorIds = [...new Set(posts.map((p) => p.authorId))];
  const spaceIds = [...new Set(posts.map((p) => p.spaceId))];
  const [people, spaces] = await Promise.all([db.people.bulkGet(authorIds), db.spaces.bulkGet(spaceIds)]);
  const authorName = new Map(people.flatMap((p) => (p ? [[p.id, p.name] as const] : [])));
  const spaceName = new Map(spaces.flatMap((s) => (s ? [[s.id, s.name] as const] : [])));
  return posts.map((p) => ({
    ...p,
    authorName: authorName.get(p.authorId) ?? '',
    spaceName: spaceName.get(p.spaceId) ?? ''
  }));
}

/**
 * Everyone in the directory, by name. People whose account was deactivated stay in the table
 * (their names still show on what they wrote) but are not listed.
 */
export async function listPeople(db: FikaDb): Promise<PersonRow[]> {
  const people = await db.people.filter((p) => p.active).toArray();
  return people.sort((a, b) => byName.compare(a.name, b.name));
}

/** The organisation's groups (departments, locations, teams), by name. */
export async function listGroups(db: FikaDb): Promise<GroupRow[]> {
  const groups = await db.groups.toArray();
  return groups.sort((a, b) => byName.compare(a.name, b.name));
}

/** The spaces the person can see, by name. */
export async function listSpaces(db: FikaDb): Promise<SpaceRow[]> {
  const spaces = await db.spaces.toArray();
  return spaces.sort((a, b) => byName.compare(a.name, b.name));
}

export {
  feedPage,
  feedTop,
  postDetail,
  reachFor,
  spacesWithSettings,
  type CommentItem,
  type FeedFilter,
  type FeedItem,
  type FeedPageOptions,
  type SpaceWithSettings
} from './feed-queries';
export {
  notifications,
  unreadNotificationCount,
  type NotificationItem,
  type NotificationKind
} from './notification-queries';
