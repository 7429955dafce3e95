/**
 * A person who reads more rooms than a tab keeps connected: the split into rooms kept open and
 * rooms caught up now and then, and the engine doing it against the real server (real SQLite,
 * stock y-websocket clients as the writers, the engine's store on an in-memory IndexedDB).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Access } from '../../src/lib/model/rooms';
import { docRoom } from '../../src/lib/model/rooms';
import { meta, setMeta } from '../../src/lib/model/doc-room';
import { getMeta, saveMe } from '../../src/lib/data/meta';
import { catchUpSlots, splitRooms, type RoomVersions } from '../../src/lib/sync/room-budget';
import { metric, sleep, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { meOf, startEngine, userDatabase } from './client-sync';
import { buildSpace } from '../factories';

const scope = testScope();
const { server, client } = scope;

const rooms = (...names: string[]) => new Map<string, Access>(names.map((n) => [n, 'write']));

describe('splitRooms', () => {
  const wanted = rooms(
    'org',
    'user/sara',
    'space/a',
    'space/a/2027-01',
    'space/a/2026-12',
    'post/a/p1',
    'doc/d1',
    'doc/d2',
    'space/b',
    'space/b/2027-01',
    'space/b/2026-12'
  );

  it('keeps every room open while they fit', () => {
    const { open, closed } = splitRooms(wanted, new Set(), '2027-01', wanted.size);
    expect([...open.keys()]).toEqual([...wanted.keys()]);
    expect(closed.size).toBe(0);
  });

  it('keeps the most immediate rooms open and leaves room for catching up', () => {
    expect(catchUpSlots(80)).toBe(8);
    expect(catchUpSlots(10)).toBe(1);
    const { open, closed } = splitRooms(wanted, new Set(), '2027-01', 10);
    // 10 connections, 1 of them for catching up: the directory and own room, this month's
    // posts, the shared rooms, the targeted post, then last month's posts; documents wait.
    expect([...open.keys()]).toEqual([
      'org',
      'user/sara',
      'space/a/2027-01',
      'space/b/2027-01',
      'space/a',
      'space/b',
      'post/a/p1',
      'space/a/2026-12',
      'space/b/2026-12'
    ]);
    expect([...closed.keys()]).toEqual(['doc/d1', 'doc/d2']);
  });

  it('always keeps open the rooms held or holding unsaved changes, closing no other for them', () => {
    // 5 connections, 1 of them for catching up, which the held document takes.
    const { open, closed } = splitRooms(wanted, new Set(['doc/d2', 'doc/unknown']), '2027-01', 5);
    expect([...open.keys()]).toEqual(['org', 'user/sara', 'space/a/2027-01', 'space/b/2027-01', 'doc/d2']);
    expect(closed.has('doc/d2')).toBe(false);
    expect(open.has('doc/unknown')).toBe(false);
    expect(open.size + closed.size).toBe(wanted.size);
  });
});

/** The versions of `names` as the engine in a browser fetches them, with a token instead. */
const versionsFrom =
  (s: TestServer, token: string, asked: string[][]) =>
  async (names: string[]): Promise<RoomVersions> => {
    asked.push(names);
    const res = await fetch(`${s.url}/api/sync/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ rooms: names })
    });
    if (!res.ok) throw new Error(`versions: ${res.status}`);
    return ((await res.json()) as { versions: RoomVersions }).versions;
  };

/**
 * A space for everyone with `count` documents that the editor erik owns and has titled
 * "Guideline n" from his own device (one stock client per document), and sara, who reads them.
 */
async function guidelines(count: number) {
  const s = await server();
  const sara = s.addUser('sara');
  const erik = s.addUser('erik', { role: 'editor' });
  const space = buildSpace(s.org);
  const docs = Array.from({ length: count }, () =>
    s.org.createDocument({ spaceId: space.id, ownerId: erik.user.id })
  );
  const writers = docs.map((d) => client(s, docRoom(d.id), erik.token));
  await Promise.all(writers.map((w) => synced(w)));
  writers.forEach((w, i) => setMeta(w.doc, { title: `Guideline ${i}` }, erik.user.id, 1000));
  return { s, sara, erik, docs, writers };
}

describe('rooms past the connection limit', () => {
  it('syncs every room with at most the limit connected, and catches up with closed ones as they change', async () => {
    // The directory, the own room and the space's three rooms, and 14 documents: 19 rooms.
    const { s, sara, erik, docs, writers } = await guidelines(14);
    const connections = () => metric(s, 'fika_sync_connections');
    const writerConnections = await connections();

    const db = userDatabase(scope, sara.user.id);
    await saveMe(db, meOf(s, sara.user.id));
    const asked: string[][] = [];
    const max = 10;
    const e = await startEngine(scope, s, db, sara.token, {
      maxOpenRooms: max,
      catchUpMs: 300,
      versions: versionsFrom(s, sara.token, asked)
    });
    let most = 0;
    let mostOnServer = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, e.openRooms.length);
      void connections().then((n) => (mostOnServer = Math.max(mostOnServer, n - writerConnections)));
    }, 5);
    scope.defer(() => clearInterval(sampler));

    // Every document reaches the device, though no more than 10 rooms are ever connected.
    await expect
      .poll(async () => (await db.documents.toArray()).map((d) => d.title).sort(), { timeout: 20_000 })
      .toEqual(docs.map((_, i) => `Guideline ${i}`).sort());
    // Once caught up, the closed rooms are let go: 9 open, one connection left for catching up.
    await waitFor(() => e.openRooms.length === max - 1, 5000, 'the caught-up rooms to close');
    const closed = docs.filter((d) => !e.openRooms.includes(docRoom(d.id)));
    expect(closed.length).toBe(19 - (max - 1));
    // Only closed rooms were asked about.
    expect(asked.length).toBeGreaterThan(0);
    for (const names of asked) for (const name of names) expect(e.openRooms).not.toContain(name);

    // A change to a closed room reaches the device at the next catch-up.
    const last = closed.at(-1)!;
    const writer = writers[docs.indexOf(last)]!;
    setMeta(writer.doc, { title: 'Semesterpolicy' }, erik.user.id, 2000);
    await expect
      .poll(async () => (await db.documents.get(last.id))?.title, { timeout: 5000 })
      .toBe('Semesterpolicy');
    await waitFor(() => e.openRooms.length === max - 1, 5000, 'the room to close again');

    // Opening a closed document for editing keeps it open until it is released.
    const open = await e.openDoc(docRoom(closed[0]!.id));
    expect(e.openRooms).toContain(docRoom(closed[0]!.id));
    open.release();
    await waitFor(() => !e.openRooms.includes(docRoom(closed[0]!.id)), 5000, 'the released room to close');

    // A change to a closed room (sara is made an editor of it) opens it until the server has
    // stored the change, then lets it go.
    const edited = closed[1]!;
    s.org.setDocumentEditors(edited.id, [sara.user.id]);
    e.update(meOf(s, sara.user.id));
    await e.change(docRoom(edited.id), (doc) =>
      setMeta(doc, { title: 'Edited by Sara' }, sara.user.id, 3000)
    );
    const editedWriter = writers[docs.indexOf(edited)]!;
    await waitFor(() => meta(editedWriter.doc).get('title') === 'Edited by Sara', 5000, 'the change');
    await waitFor(() => e.status.pending === 0, 5000, 'the change to be stored');
    await waitFor(() => !e.openRooms.includes(docRoom(edited.id)), 5000, 'the changed room to close');

    clearInterval(sampler);
    expect(most).toBeLessThanOrEqual(max);
    expect(mostOnServer).toBeLessThanOrEqual(max);
    expect(mostOnServer).toBeGreaterThan(0);
  });

  it('asks about closed rooms only while online, and catches up with what changed meanwhile once back', async () => {
    const { s, sara, erik, docs, writers } = await guidelines(8);
    const db = userDatabase(scope, sara.user.id);
    await saveMe(db, meOf(s, sara.user.id));
    const asked: string[][] = [];
    const e = await startEngine(scope, s, db, sara.token, {
      maxOpenRooms: 6,
      catchUpMs: 200,
      versions: versionsFrom(s, sara.token, asked)
    });
    await expect.poll(async () => await db.documents.count(), { timeout: 15_000 }).toBe(8);

    // What the browser's offline event sets (there is no window here).
    e.status.setOnline(false);
    await sleep(300);
    const askedOffline = asked.length;
    const closed = docs.filter((d) => !e.openRooms.includes(docRoom(d.id)));
    const target = closed[0]!;
    setMeta(writers[docs.indexOf(target)]!.doc, { title: 'Changed offline' }, erik.user.id, 2000);
    await sleep(800);
    expect(asked.length).toBe(askedOffline);
    expect((await db.documents.get(target.id))?.title).not.toBe('Changed offline');

    e.status.setOnline(true);
    await expect
      .poll(async () => (await db.documents.get(target.id))?.title, { timeout: 5000 })
      .toBe('Changed offline');
  });

  it('opens after a new start only the closed rooms that changed since', async () => {
    const { s, sara, erik, docs, writers } = await guidelines(10);
    const db = userDatabase(scope, sara.user.id);
    await saveMe(db, meOf(s, sara.user.id));
    const options = { maxOpenRooms: 8, catchUpMs: 60_000, versions: versionsFrom(s, sara.token, []) };
    const first = await startEngine(scope, s, db, sara.token, options);
    await expect
      .poll(async () => (await db.documents.toArray()).filter((d) => d.title).length, { timeout: 10_000 })
      .toBe(10);
    const closed = docs.filter((d) => !first.openRooms.includes(docRoom(d.id)));
    // 15 rooms, 7 kept open (one connection for catching up): 8 documents closed.
    expect(closed.length).toBe(8);
    const kept = async () => Object.keys((await getMeta(db, 'rooms.caughtUp')) ?? {}).sort();
    await expect.poll(kept, { timeout: 5000 }).toEqual(closed.map((d) => docRoom(d.id)).sort());
    first.stop();

    const changed = closed[3]!;
    const room = docRoom(changed.id);
    const mark = (await getMeta(db, 'rooms.caughtUp'))![room];
    setMeta(writers[docs.indexOf(changed)]!.doc, { title: 'Changed meanwhile' }, erik.user.id, 2000);
    const current = async () => (await versionsFrom(s, sara.token, [])([room]))[room];
    await expect.poll(current, { timeout: 5000 }).not.toBe(mark);

    const again = await startEngine(scope, s, db, sara.token, options);
    const opened = new Set<string>();
    const sampler = setInterval(() => again.openRooms.forEach((r) => opened.add(r)), 2);
    scope.defer(() => clearInterval(sampler));
    await expect
      .poll(async () => (await db.documents.get(changed.id))?.title, { timeout: 5000 })
      .toBe('Changed meanwhile');
    await sleep(1500);
    clearInterval(sampler);
    // Of the closed documents, only the changed one was opened.
    expect(closed.filter((d) => opened.has(docRoom(d.id))).map((d) => d.id)).toEqual([changed.id]);
  });
});
