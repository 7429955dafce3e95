/**
 * Merging each room's stored Yjs updates on this device, in place of y-dexie's own periodic
 * merge (turned off in the engine: `yDexie({ gc: false })`).
 *
 * Why: y-dexie merges through a `Y.Doc` with garbage collection on, which throws away deleted
 * content. A document room's named versions are snapshots that need that content, so after
 * such a merge this device could no longer show or restore an older version (and the server,
 * whose state vector says the device has everything, would never send it again). This is the
 * same merge, bookkeeping included (row 0 of the updates table holds how far it got), with
 * garbage collection off for document rooms and on for the rest.
 *
 * The merged row takes the id of the last update merged into it, as y-dexie's does, so that a
 * provider watching the table (by id) neither misses nor re-applies anything that matters: Yjs
 * ignores updates it already has.
 */
import * as Y from 'yjs';
import { cmp } from 'dexie';
import type { FikaDb } from '../data/db';
import { parseRoomName } from '../model/rooms';

/** The table y-dexie keeps the `rooms.doc` updates in. */
const UPDATES_TABLE = '$rooms.doc_updates';

interface UpdateRow {
  i: number;
  k: string;
  u: Uint8Array;
  f?: number;
}
interface Stamp {
  i: 0;
  lastCompressed: number;
  lastRun?: Date;
}

/** Whether a room's merged copy keeps deleted content. */
export const keepsHistory = (room: string): boolean => parseRoomName(room)?.kind === 'doc';

/**
 * Merges the updates stored since the last merge into each room's first row. Skipped when a
 * merge ran less than `skipIfRanWithinMs` ago (another tab, or this one).
 */
export async function compressRooms(ydb: FikaDb, skipIfRanWithinMs = 0): Promise<void> {
  const table = ydb.table<UpdateRow | Stamp, number>(UPDATES_TABLE);
  const stamp = await ydb.transaction('rw', table, async () => {
    const current = (await table.get(0)) as Stamp | undefined;
    if (
      skipIfRanWithinMs > 0 &&
      current?.lastRun &&
      current.lastRun.getTime() > Date.now() - skipIfRanWithinMs
    ) {
      return null;
    }
    const next: Stamp = { i: 0, lastCompressed: current?.lastCompressed ?? 0, lastRun: new Date() };
    await table.put(next);
    return next;
  });
  if (!stamp) return;
  const added = (await table.where('i').above(stamp.lastCompressed).toArray()) as UpdateRow[];
  if (added.length === 0) return;
  const byRoom = new Map<string, UpdateRow[]>();
  for (const row of added) {
    const list = byRoom.get(row.k);
    if (list) list.push(row);
    else byRoom.set(row.k, [row]);
  }
  const last = added[added.length - 1]!.i;
  for (const [room, rows] of byRoom) {
    await ydb.transaction('rw', table, async () => {
      const main = (await table.where('k').equals(room).first()) as UpdateRow | undefined;
      if (!main) return;
      const merged = [main, ...rows.filter((r) => r.i !== main.i)];
      if (merged.length < 2) return;
      const doc = new Y.Doc({ gc: !keepsHistory(room) });
      for (const row of merged) Y.applyUpdateV2(doc, row.u);
      const newest = merged[merged.length - 1]!;
      await table.put({ i: newest.i, k: room, u: Y.encodeStateAsUpdateV2(doc) });
      await table.bulkDelete(merged.slice(0, -1).map((r) => r.i));
      doc.destroy();
    });
  }
  await ydb.transaction('rw', table, async () => {
    const current = (await table.get(0)) as Stamp | undefined;
    if (current && cmp(last, current.lastCompressed) <= 0) return;
    await table.put({ ...(current ?? { i: 0 }), lastCompressed: last } as Stamp);
  });
}
