/**
 * The local store on a real (in-memory) IndexedDB: one database per person, the lists read with
 * liveQuery, the union of the two sources of spaces, deletion, and several views of one
 * database (the pages' plain view and y-dexie views, as in several tabs) staying consistent.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import Dexie, { liveQuery } from 'dexie';
import yDexie, { DexieYProvider } from 'y-dexie';
import * as Y from 'yjs';
import { dbName, deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { materialise } from '../../src/lib/data/materialise';
import { getMeta, saveMe } from '../../src/lib/data/meta';
import { listPeople, listSpaces, recentPosts } from '../../src/lib/data/queries';
import { readNote, writeNote } from '../../src/lib/model/user-room';
import { buildMe, buildPerson, buildSpace, orgDoc, writePosts } from './client-factories';

const opened: FikaDb[] = [];
function open(userId: string, options: Parameters<typeof openUserDb>[1] = {}): FikaDb {
  const db = openUserDb(userId, options);
  opened.push(db);
  return db;
}
const uniqueId = () => `u${Math.random().toString(36).slice(2)}`;

afterEach(async () => {
  const ids = new Set(opened.map((db) => db.userId));
  for (const db of opened.splice(0)) db.close();
  for (const id of ids) await deleteUserDb(id);
});

/** Resolves with the first value of a live query that passes `accept`. */
function nextValue<T>(query: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('live query never matched')), 3000);
    const subscription = liveQuery(query).subscribe({
      next: (value) => {
        if (!accept(value)) return;
        clearTimeout(timer);
        queueMicrotask(() => subscription.unsubscribe());
        resolve(value);
      },
      error: reject
    });
  });
}

async function loaded(db: FikaDb, room: string): Promise<Y.Doc> {
  await db.transaction('rw', db.rooms, async () => {
    if (!(await db.rooms.get(room))) await db.rooms.add({ name: room } as never);
  });
  const doc = (await db.rooms.get(room))!.doc;
  await DexieYProvider.load(doc).whenLoaded;
  return doc;
}

describe('the store', () => {
  it('keeps one database per person', async () => {
    const a = open(uniqueId());
    const b = open(uniqueId());
    await a.meta.put({ key: 'lastSyncedAt', value: 1 });
    expect(a.name).toBe(dbName(a.userId));
    expect(await b.meta.count()).toBe(0);
    expect(a.verno).toBe(4);
  });

  it('answers the lists from materialised rows, live', async () => {
    const db = open(uniqueId());
    const news = buildSpace({ id: 'news', name: 'News' });
    const people = [buildPerson({ id: 'sara', name: 'Sara' }), buildPerson({ id: 'erik', name: 'Erik' })];

    const first = nextValue(
      () => recentPosts(db),
      (posts) => posts.length === 2
    );
    const month = new Y.Doc();
    writePosts(month, [
      { id: 'older', authorId: 'erik', createdAt: 1000 },
      { id: 'newer', authorId: 'nobody', createdAt: 2000 }
    ]);
    await materialise(db, 'space/news/2026-11', month);
    // Before the directory arrives the names are empty, never missing.
    expect((await first).map((p) => [p.id, p.authorName, p.spaceName])).toEqual([
      ['newer', '', ''],
      ['older', '', '']
    ]);

    const named = nextValue(
      () => recentPosts(db, 1),
      (posts) => posts[0]?.spaceName === 'News'
    );
    await materialise(db, 'org', orgDoc(people, [news]));
    expect((await named).map((p) => [p.id, p.authorName, p.spaceName])).toEqual([['newer', '', 'News']]);
    expect((await recentPosts(db)).map((p) => p.authorName)).toEqual(['', 'Erik']);
  });

  it('lists active people and spaces by name, as people sort them', async () => {
    const db = open(uniqueId());
    await materialise(
      db,
      'org',
      orgDoc(
        [
          buildPerson({ name: 'Örjan' }),
          buildPerson({ name: 'anna' }),
          buildPerson({ name: 'Bo' }),
          buildPerson({ name: 'Gone', active: false })
        ],
        [buildSpace({ name: 'Zeta' }), buildSpace({ name: 'alpha' })]
      )
    );
    expect((await listPeople(db)).map((p) => p.name)).toEqual(['anna', 'Bo', 'Örjan']);
    expect((await listSpaces(db)).map((s) => s.name)).toEqual(['alpha', 'Zeta']);
  });

  it('holds the spaces of both the directory and /api/me, replacing each source on its own', async () => {
    const db = open(uniqueId());
    const open1 = buildSpace({ id: 'open1', name: 'Open' });
    const team = buildSpace({ id: 'team', name: 'Team', audience: 'groups', audienceGroupIds: ['g'] });
    await saveMe(db, buildMe({ spaces: [open1, team] }));
    expect((await getMeta(db, 'me'))?.organisation.name).toBe('Test AB');
    await materialise(db, 'org', orgDoc([], [open1]));
    expect((await listSpaces(db)).map((s) => s.id)).toEqual(['open1', 'team']);

    // The person left the team: /api/me no longer lists it; the directory still lists open1.
    await saveMe(db, buildMe({ spaces: [] }));
    expect((await listSpaces(db)).map((s) => s.id)).toEqual(['open1']);
    // The directory drops open1 too.
    await materialise(db, 'org', orgDoc([], []));
    expect(await db.spaces.count()).toBe(0);
  });

  it('deletes a person’s database', async () => {
    const userId = uniqueId();
    const db = open(userId);
    await db.meta.put({ key: 'lastSyncedAt', value: 1 });
    db.close();
    await deleteUserDb(userId);
    expect(await Dexie.exists(dbName(userId))).toBe(false);
  });
});

describe('several views of one database', () => {
  it('keeps documents in step between two y-dexie instances (two tabs)', async () => {
    const userId = uniqueId();
    const tab1 = open(userId, { yDexie });
    const tab2 = open(userId, { yDexie });
    const doc1 = await loaded(tab1, `user/${userId}`);
    const doc2 = await loaded(tab2, `user/${userId}`);
    expect(doc1).not.toBe(doc2);

    writeNote(doc1, 'from tab one');
    await expect.poll(() => readNote(doc2)).toBe('from tab one');
    writeNote(doc2, 'from tab one, and two');
    await expect.poll(() => readNote(doc1)).toBe('from tab one, and two');

    // A third tab opened later loads the same document from the store.
    const tab3 = open(userId, { yDexie });
    expect(readNote(await loaded(tab3, `user/${userId}`))).toBe('from tab one, and two');
  });

  it('lets the plain view read what the y-dexie view writes, without an upgrade either way', async () => {
    const userId = uniqueId();
    const plain = open(userId);
    await plain.open(); // the plain view creates the database
    const withDocs = open(userId, { yDexie });
    const doc = await loaded(withDocs, 'org');
    expect(withDocs.verno).toBe(4);
    expect(new Set(withDocs.tables.map((t) => t.name))).toEqual(new Set(plain.tables.map((t) => t.name)));

    const people = nextValue(
      () => listPeople(plain),
      (list) => list.length === 1
    );
    doc.transact(() => doc.getMap('people').set('sara', buildPerson({ id: 'sara', name: 'Sara' })));
    await materialise(withDocs, 'org', doc);
    expect((await people).map((p) => p.name)).toEqual(['Sara']);
    // The document's updates are stored where the plain view can count (and delete) them.
    await expect.poll(() => plain.roomUpdates.where('k').equals('org').count()).toBeGreaterThan(0);
  });
});
