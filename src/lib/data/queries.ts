/**
 * What the lists read, as functions for `live()` (see state/live.svelte.ts).
 *
 * SKELETON: implemented with the local store.
 */
import type { FikaDb, PersonRow, PostRow, SpaceRow } from './db';

export interface PostListItem extends PostRow {
  authorName: string;
  spaceName: string;
}

/** The newest posts from every space this device has, newest first. */
export async function recentPosts(_db: FikaDb, _limit = 20): Promise<PostListItem[]> {
  throw new Error('not implemented');
}

/** Everyone in the directory, by name. */
export async function listPeople(_db: FikaDb): Promise<PersonRow[]> {
  throw new Error('not implemented');
}

/** The spaces the person can see, by name. */
export async function listSpaces(_db: FikaDb): Promise<SpaceRow[]> {
  throw new Error('not implemented');
}
