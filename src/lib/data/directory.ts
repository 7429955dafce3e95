/**
 * The `people` and `spaces` tables.
 *
 * People come from one source, the `org` room's directory. Spaces come from two: the directory
 * lists only spaces open to everyone (and updates live), while `/api/me` lists every space the
 * person may read, including those targeted at their groups (and is fetched now and then). The
 * table holds the union, and remembers in `meta` which ids each source gave, so that one source
 * can be replaced (a space dropped from it) without forgetting what the other still lists.
 */
import type { EntityTable, IDType } from 'dexie';
import type { FikaDb, GroupRow, PersonRow, SpaceRow } from './db';

type SpaceSource = 'directory' | 'me';

const sameRow = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Makes `table` hold `rows` instead of `existing` (the rows one source owns), writing only
 * what differs, so that unchanged data does not wake every live query reading the table.
 */
export async function replaceRows<T extends { id: string }>(
  table: EntityTable<T, 'id'>,
  existing: readonly T[],
  rows: readonly T[]
): Promise<void> {
  const wanted = new Map(rows.map((r) => [r.id, r]));
  const before = new Map(existing.map((r) => [r.id, r]));
  const vanished = existing.filter((r) => !wanted.has(r.id)).map((r) => r.id as IDType<T, 'id'>);
  const changed = rows.filter((r) => !sameRow(before.get(r.id), r));
  if (vanished.length > 0) await table.bulkDelete(vanished);
  if (changed.length > 0) await table.bulkPut(changed);
}

/** Replaces the directory's people. */
export async function replacePeople(db: FikaDb, people: readonly PersonRow[]): Promise<void> {
  await db.transaction('rw', db.people, async () => {
    await replaceRows(db.people, await db.people.toArray(), people);
  });
}

/** Replaces the directory's groups (departments, locations, teams). */
export async function replaceGroups(db: FikaDb, groups: readonly GroupRow[]): Promise<void> {
  await db.transaction('rw', db.groups, async () => {
    await replaceRows(db.groups, await db.groups.toArray(), groups);
  });
}

/** Replaces what one source says about spaces, keeping what the other source lists. */
export async function replaceSpaces(
  db: FikaDb,
  source: SpaceSource,
  spaces: readonly SpaceRow[]
): Promise<void> {
  const key = source === 'me' ? 'spaces.me' : 'spaces.directory';
  const otherKey = source === 'me' ? 'spaces.directory' : 'spaces.me';
  await db.transaction('rw', db.spaces, db.meta, async () => {
    const other = new Set(((await db.meta.get(otherKey))?.value as string[] | undefined) ?? []);
    await db.meta.put({ key, value: spaces.map((s) => s.id) });
    const existing = await db.spaces.toArray();
    const mine = new Set(spaces.map((s) => s.id));
    // What only the other source lists stays as it is.
    const kept = existing.filter((s) => other.has(s.id) && !mine.has(s.id));
    await replaceRows(db.spaces, existing, [...kept, ...spaces]);
  });
}
