/**
 * Merging the device's stored updates (compress.ts) on a real (in-memory) IndexedDB: a document
 * room keeps the deleted content its versions need, other rooms drop it, and a reloaded copy
 * equals the one that was stored.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import yDexie, { DexieYProvider } from 'y-dexie';
import * as Y from 'yjs';
import { deleteUserDb, openUserDb, type DexieAddon, type FikaDb, type RoomRow } from '../../src/lib/data/db';
import { body } from '../../src/lib/model/doc-room';
import { publishVersion, readVersions, versionDoc } from '../../src/lib/model/doc-versions';
import { compressRooms, keepsHistory } from '../../src/lib/sync/compress';

const opened: FikaDb[] = [];
const addon = yDexie({ gc: false }) as DexieAddon;
function open(userId: string): FikaDb {
  const db = openUserDb(userId, { yDexie: addon });
  opened.push(db);
  return db;
}

afterEach(async () => {
  const ids = new Set(opened.map((db) => db.userId));
  for (const db of opened.splice(0)) db.close();
  for (const id of ids) await deleteUserDb(id);
});

async function load(
  db: FikaDb,
  room: string,
  history: boolean
): Promise<{ doc: Y.Doc; provider: DexieYProvider }> {
  if (!(await db.rooms.get(room))) await db.rooms.add({ name: room } as RoomRow);
  const doc = (await db.rooms.get(room))!.doc;
  if (history) doc.gc = false;
  const provider = DexieYProvider.load(doc);
  await provider.whenLoaded;
  return { doc, provider };
}

const paragraph = (text: string) => {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
};

/** Waits until y-dexie has written the document's updates. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('merging stored updates', () => {
  it('keeps the history of a document room, so its versions still show after a reload', async () => {
    const userId = `u${Math.random().toString(36).slice(2)}`;
    const db = open(userId);
    const room = 'doc/policy';
    expect(keepsHistory(room)).toBe(true);
    expect(keepsHistory('space/news/2026-11')).toBe(false);
    const { doc, provider } = await load(db, room, true);
    body(doc).insert(0, [paragraph('First text.')]);
    publishVersion(doc, { name: 'v1', requiresConfirmation: false }, 'astrid', 1);
    body(doc).delete(0, 1);
    body(doc).insert(0, [paragraph('Second text.')]);

    // A feed room on the same device: its deleted content may go.
    const feed = await load(db, 'space/news/2026-11', false);
    feed.doc.getMap('posts').set('p1', 'x'.repeat(1000));
    feed.doc.getMap('posts').delete('p1');
    await settle();

    const updates = db.table('$rooms.doc_updates');
    const before = await updates.where('k').equals(room).count();
    expect(before).toBeGreaterThan(1);
    await compressRooms(db);
    expect(await updates.where('k').equals(room).count()).toBe(1);
    const feedRows = await updates.where('k').equals('space/news/2026-11').toArray();
    expect(feedRows).toHaveLength(1);
    const feedCopy = new Y.Doc();
    Y.applyUpdateV2(feedCopy, (feedRows[0] as { u: Uint8Array }).u);
    expect(feedCopy.getMap('posts').size).toBe(0);
    provider.destroy();
    feed.provider.destroy();

    // Another tab (a new view of the same database) loads the merged document.
    const again = open(userId);
    const reloaded = await load(again, room, true);
    const [version] = readVersions(reloaded.doc);
    expect(body(versionDoc(reloaded.doc, version!)).toString()).toContain('First text.');
    expect(body(reloaded.doc).toString()).toContain('Second text.');
    expect(body(reloaded.doc).toString()).not.toContain('First text.');
    reloaded.provider.destroy();

    // A second run with nothing new, or one too soon, changes nothing.
    await compressRooms(again);
    await compressRooms(again, 60_000);
    expect(await again.table('$rooms.doc_updates').where('k').equals(room).count()).toBe(1);
  });
});
