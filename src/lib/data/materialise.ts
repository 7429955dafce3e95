/**
 * Materialisation: from a room's Y.Doc to the rows the lists read.
 *
 * The lists (feed, people, spaces) must never need a document in memory, so each room's
 * document is turned into plain rows whenever it changes, and the rows are what `liveQuery`
 * reads. Each room owns a definite set of rows: a room holding posts (a space month room or a
 * targeted post's room) owns the posts, comments, reactions and reach rows whose `room` is its
 * name; a space's shared room `space/<id>` owns that space's pins; the person's own room owns
 * their reads, space settings, notification marks and `meta.notificationsReadUntil`; the `org`
 * room owns the people, and the spaces it lists (see directory.ts); a document's room `doc/<id>`
 * owns its row in `documents` (see doc-rows.ts). A
 * room's rows are replaced as a whole in one transaction — every current row written, every row
 * that vanished from the document deleted — so the rows never show half of a change, and
 * running it twice is harmless.
 *
 * The functions that read documents are pure and defensive (post-rows.ts, personal-rows.ts): a
 * room's content came from other people's devices, so an entry of the wrong shape is skipped
 * rather than trusted. Writes are bulk operations that touch only rows that differ, so a month
 * of a few thousand posts materialises in one short transaction and unchanged rows do not wake
 * the live queries reading them.
 */
import type { EntityTable, IDType } from 'dexie';
import type * as Y from 'yjs';
import { readDirectory } from '../model/org-room';
import { parseRoomName } from '../model/rooms';
import type { FikaDb, GroupRow, PersonRow, PostRow, SpaceRow } from './db';
import { replaceGroups, replacePeople, replaceSpaces } from './directory';
import { pinRows, personalRows } from './personal-rows';
import { postRoomRows } from './post-rows';
import { documentRow } from './doc-rows';
import { getMeta } from './meta';

export { postRoomRows } from './post-rows';
export { pinRows, personalRows } from './personal-rows';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The posts of a space month room (or a targeted post's room), with comment and reaction counts. */
export function postRows(doc: Y.Doc, roomName: string): PostRow[] {
  return postRoomRows(doc, roomName).posts;
}

/** The people and spaces of the `org` room. */
export function directoryRows(doc: Y.Doc): { people: PersonRow[]; groups: GroupRow[]; spaces: SpaceRow[] } {
  const { people, groups, spaces } = readDirectory(doc);
  return {
    people: people.filter((p) => isObject(p) && typeof p.id === 'string' && typeof p.name === 'string'),
    groups: groups.filter((g) => isObject(g) && typeof g.id === 'string' && typeof g.name === 'string'),
    spaces: spaces.filter((s) => isObject(s) && typeof s.id === 'string' && typeof s.name === 'string')
  };
}

const sameRow = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Makes `table` hold `rows` instead of `existing` (the rows one room owns), writing only what
 * differs: one bulk delete and one bulk put.
 */
async function replaceOwned<T, K extends keyof T & string>(
  table: EntityTable<T, K>,
  key: K,
  existing: readonly T[],
  rows: readonly T[]
): Promise<void> {
  const keyOf = (row: T) => row[key] as IDType<T, K>;
  const wanted = new Set(rows.map(keyOf));
  const before = new Map(existing.map((r) => [keyOf(r), r]));
  const vanished = existing.map(keyOf).filter((k) => !wanted.has(k));
  const changed = rows.filter((r) => !sameRow(before.get(keyOf(r)), r));
  if (vanished.length > 0) await table.bulkDelete(vanished);
  if (changed.length > 0) await table.bulkPut(changed);
}

/** Replaces exactly the rows `roomName` owns with what `doc` holds now. */
export async function materialise(db: FikaDb, roomName: string, doc: Y.Doc): Promise<void> {
  const room = parseRoomName(roomName);
  if (room === null) return;
  if (room.kind === 'org') {
    const { people, groups, spaces } = directoryRows(doc);
    await db.transaction('rw', db.people, db.groups, db.spaces, db.meta, async () => {
      await replacePeople(db, people);
      await replaceGroups(db, groups);
      await replaceSpaces(db, 'directory', spaces);
    });
  } else if (room.kind === 'post' || (room.kind === 'space' && room.month !== null)) {
    const rows = postRoomRows(doc, roomName);
    await db.transaction('rw', db.posts, db.comments, db.reactions, db.reach, async () => {
      const [posts, comments, reactions, reach] = await Promise.all([
        db.posts.where('room').equals(roomName).toArray(),
        db.comments.where('room').equals(roomName).toArray(),
        db.reactions.where('room').equals(roomName).toArray(),
        db.reach.where('room').equals(roomName).toArray()
      ]);
      await Promise.all([
        replaceOwned(db.posts, 'id', posts, rows.posts),
        replaceOwned(db.comments, 'id', comments, rows.comments),
        replaceOwned(db.reactions, 'key', reactions, rows.reactions),
        replaceOwned(db.reach, 'key', reach, rows.reach)
      ]);
    });
  } else if (room.kind === 'space') {
    const pins = pinRows(doc, roomName);
    await db.transaction('rw', db.pins, async () => {
      const existing = await db.pins.where('spaceId').equals(room.spaceId).toArray();
      await replaceOwned(db.pins, 'postId', existing, pins);
    });
  } else if (room.kind === 'user' && room.userId === db.userId) {
    const rows = personalRows(doc);
    await db.transaction('rw', [db.reads, db.spaceSettings, db.notificationReads, db.meta], async () => {
      const [reads, settings, marks, until] = await Promise.all([
        db.reads.toArray(),
        db.spaceSettings.toArray(),
        db.notificationReads.toArray(),
        db.meta.get('notificationsReadUntil')
      ]);
      await Promise.all([
        replaceOwned(db.reads, 'postId', reads, rows.reads),
        replaceOwned(db.spaceSettings, 'spaceId', settings, rows.spaceSettings),
        replaceOwned(db.notificationReads, 'id', marks, rows.notificationReads),
        until?.value === rows.notificationsReadUntil
          ? Promise.resolve()
          : db.meta.put({ key: 'notificationsReadUntil', value: rows.notificationsReadUntil })
      ]);
    });
  } else if (room.kind === 'doc') {
    await db.transaction('rw', db.documents, db.meta, async () => {
      const [existing, me] = await Promise.all([db.documents.get(room.docId), getMeta(db, 'me')]);
      const row = documentRow(doc, roomName, me, existing);
      if (row && !sameRow(existing, row)) await db.documents.put(row);
    });
  }
}

/** Deletes every row a room owns (it is no longer readable, or is being loaded afresh). */
export async function forgetRoomRows(db: FikaDb, roomName: string): Promise<void> {
  const room = parseRoomName(roomName);
  const tables = [
    db.posts,
    db.comments,
    db.reactions,
    db.reach,
    db.pins,
    db.reads,
    db.spaceSettings,
    db.notificationReads,
    db.documents,
    db.meta,
    db.outbox,
    db.roomUpdates,
    db.rooms
  ];
  await db.transaction('rw', tables, async () => {
    await Promise.all([
      db.posts.where('room').equals(roomName).delete(),
      db.comments.where('room').equals(roomName).delete(),
      db.reactions.where('room').equals(roomName).delete(),
      db.reach.where('room').equals(roomName).delete()
    ]);
    if (room?.kind === 'space' && room.month === null) {
      await db.pins.where('spaceId').equals(room.spaceId).delete();
    }
    if (room?.kind === 'doc') await db.documents.delete(room.docId);
    if (room?.kind === 'user' && room.userId === db.userId) {
      await Promise.all([
        db.reads.clear(),
        db.spaceSettings.clear(),
        db.notificationReads.clear(),
        db.meta.delete('notificationsReadUntil')
      ]);
    }
    await db.outbox.where('room').equals(roomName).delete();
    await db.roomUpdates.where('k').equals(roomName).delete();
    await db.rooms.delete(roomName);
  });
}
