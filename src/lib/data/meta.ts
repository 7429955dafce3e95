/**
 * Small values kept in the `meta` table, each under one named key with its type.
 */
import type { Me } from '../api';
import type { FikaDb } from './db';
import { replaceSpaces } from './directory';
import { refreshDocumentRows } from './doc-rows';

export interface MetaValues {
  /** The latest `/api/me`, for starts without a network. */
  me: Me;
  /** When everything was last in step with the server (ms). */
  lastSyncedAt: number;
  /** Ids of the spaces each source contributed to the `spaces` table (see directory.ts). */
  'spaces.directory': string[];
  'spaces.me': string[];
  /** From the person's own room: notifications up to this time (ms) count as read. */
  notificationsReadUntil: number;
  /** Of each room kept closed, the server's mark when it last caught up (room-budget.ts). */
  'rooms.caughtUp': Record<string, string>;
}

export async function getMeta<K extends keyof MetaValues>(db: FikaDb, key: K): Promise<MetaValues[K] | null> {
  const row = await db.meta.get(key);
  return row ? (row.value as MetaValues[K]) : null;
}

export async function setMeta<K extends keyof MetaValues>(
  db: FikaDb,
  key: K,
  value: MetaValues[K]
): Promise<void> {
  await db.meta.put({ key, value });
}

/**
 * Caches `/api/me`, the spaces it lists (every space the person may read), and what it says of
 * each document (owner, access).
 */
export async function saveMe(db: FikaDb, me: Me): Promise<void> {
  await db.transaction('rw', db.meta, db.spaces, db.documents, async () => {
    await setMeta(db, 'me', me);
    await replaceSpaces(db, 'me', me.spaces);
    await refreshDocumentRows(db, me);
  });
}
