/**
 * The sync layer against the real server: a real server on an ephemeral port with a real SQLite
 * file, the engine with its y-dexie store on an in-memory IndexedDB, and stock y-websocket
 * clients as the person's other device and as other people.
 */
import 'fake-indexeddb/auto';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { type FikaDb } from '../../src/lib/data/db';
import { recentPosts } from '../../src/lib/data/queries';
import { spaceMonthRoom, userRoom } from '../../src/lib/model/rooms';
import { addPost } from '../../src/lib/model/space-room';
import { readNote, writeNote } from '../../src/lib/model/user-room';
import { setMeta as setDocMeta } from '../../src/lib/model/doc-room';
import { saveMe } from '../../src/lib/data/meta';
import type { FikaSyncEngine } from '../../src/lib/sync/engine';
import { previousMonth, wantedRooms } from '../../src/lib/sync/wanted-rooms';
import { connect, metric, sleep, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { meOf, startEngine, userDatabase } from './client-sync';
import { buildMe, buildSpace } from './client-factories';
import { buildTeamSpace } from '../factories';

const scope = testScope();
const { server } = scope;

const database = (userId: string): FikaDb => userDatabase(scope, userId);

const engine = (
  s: TestServer,
  db: FikaDb,
  token: string,
  opts: { url?: string; onSessionEnded?: () => void; onAccessLost?: (rooms: string[]) => void } = {}
): Promise<FikaSyncEngine> => startEngine(scope, s, db, token, opts);

function otherDevice(s: TestServer, room: string, token: string) {
  const c = connect(s, room, token);
  scope.defer(() => c.destroy());
  return c;
}

describe('wantedRooms', () => {
  it('keeps the directory, the own room, targeted posts and each readable space with two months', () => {
    const now = new Date(Date.UTC(2027, 0, 15));
    const me = buildMe({ spaces: [buildSpace({ id: 'news' })] });
    me.rooms.push({ room: 'post/news/p1', access: 'write', kind: 'post', spaceId: 'news', postId: 'p1' });
    expect([...wantedRooms('sara', me, now)]).toEqual([
      ['org', 'read'],
      ['user/sara', 'write'],
      ['space/news', 'write'],
      ['space/news/2027-01', 'write'],
      ['space/news/2026-12', 'write'],
      ['post/news/p1', 'write']
    ]);
    expect([...wantedRooms('sara', null, now).keys()]).toEqual(['org', 'user/sara']);
    expect(
      previousMonth(new Date(Date.UTC(2027, 2, 31)))
        .toISOString()
        .slice(0, 7)
    ).toBe('2027-02');
  });

  it('keeps an older month open while it holds unsaved changes, if the space is still readable', () => {
    const now = new Date(Date.UTC(2027, 0, 15));
    const me = buildMe({ spaces: [buildSpace({ id: 'news' })] });
    const pending = ['space/news/2026-11', 'space/gone/2026-11', 'user/sara'];
    expect([...wantedRooms('sara', me, now, pending).keys()]).toEqual([
      'org',
      'user/sara',
      'space/news',
      'space/news/2027-01',
      'space/news/2026-12',
      'space/news/2026-11'
    ]);
    expect([...wantedRooms('sara', null, now, pending).keys()]).toEqual([
      'org',
      'user/sara',
      'space/news/2026-11',
      'space/gone/2026-11'
    ]);
  });
});

describe('the sync engine', () => {
  it('sends the note, counts it until stored, and confirms insertions and deletions', async () => {
    const s = await server();
    const { user, token } = s.addUser('sara');
    const db = database(user.id);
    // Against a local server a change can be stored before the count is read again: watch the rows.
    let recorded = 0;
    const confirmed = new Set<number>();
    db.outbox.hook('creating', () => {
      recorded++;
    });
    db.outbox.hook('deleting', (id) => {
      if (id !== undefined) confirmed.add(id);
    });
    const e = await engine(s, db, token);
    const doc = await e.userDoc();
    await waitFor(() => e.status.state === 'synced', 5000, 'first sync');
    const firstSynced = e.status.lastSyncedAt;
    expect(firstSynced).not.toBeNull();

    writeNote(doc, 'buy oat milk');
    await waitFor(() => recorded === 1 && confirmed.size === 1, 5000, 'the change recorded and confirmed');
    await waitFor(() => e.status.pending === 0 && e.status.state === 'synced', 5000, 'synced again');

    const phone = otherDevice(s, userRoom(user.id), token);
    await synced(phone);
    expect(readNote(phone.doc)).toBe('buy oat milk');

    // Only a deletion: the clock does not move, the round trip confirms it.
    writeNote(doc, 'buy milk');
    await waitFor(() => readNote(phone.doc) === 'buy milk', 3000, 'the deletion relayed');
    await waitFor(() => recorded === 2 && confirmed.size === 2, 5000, 'the deletion recorded and confirmed');
    expect(await db.outbox.count()).toBe(0);

    // And back: the other device's edit reaches this one.
    writeNote(phone.doc, 'buy milk and cake');
    await waitFor(() => readNote(doc) === 'buy milk and cake', 3000, 'the other device’s edit');
    expect(await db.outbox.count()).toBe(0);
  });

  it('keeps changes made without a connection and sends them after a restart', async () => {
    const s = await server();
    const { user, token } = s.addUser('sara');
    const db = database(user.id);
    // Nothing listens there: the device is offline.
    const offline = await engine(s, db, token, { url: 'ws://127.0.0.1:9/sync' });
    writeNote(await offline.userDoc(), 'written on the train');
    await waitFor(() => offline.status.pending === 1, 2000, 'a pending change');
    writeNote(await offline.userDoc(), 'written on the');
    await waitFor(() => offline.status.pending === 2, 2000, 'a pending deletion');
    offline.stop(); // the browser closes

    const online = await engine(s, db, token);
    expect(readNote(await online.userDoc())).toBe('written on the');
    await waitFor(() => online.status.pending === 0 && online.status.state === 'synced', 5000, 'sent');
    const phone = otherDevice(s, userRoom(user.id), token);
    await synced(phone);
    expect(readNote(phone.doc)).toBe('written on the');
  });

  it('tells the server what the device holds, and gets only what it lacks, before asking', async () => {
    const s = await server();
    const { user, token } = s.addUser('sara');
    const db = database(user.id);
    const long = 'milk, '.repeat(4000);
    const first = await engine(s, db, token);
    writeNote(await first.userDoc(), long);
    await waitFor(() => first.status.pending === 0 && first.status.state === 'synced', 5000, 'stored');
    first.stop();

    // The phone adds a word while the browser is closed.
    const phone = otherDevice(s, userRoom(user.id), token);
    await synced(phone);
    writeNote(phone.doc, `cake, ${long}`);
    await waitFor(() => readNote(s.rooms.get(userRoom(user.id))!.doc) === `cake, ${long}`, 3000, 'stored');

    const sockets: Array<{ url: string; received: Uint8Array[] }> = [];
    class Recording extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        const socket = { url: String(args[0]), received: [] as Uint8Array[] };
        sockets.push(socket);
        this.on('message', (data: ArrayBuffer | Buffer) => socket.received.push(new Uint8Array(data)));
      }
    }
    const second = await startEngine(scope, s, db, token, {
      WebSocket: Recording as unknown as typeof globalThis.WebSocket
    });
    const doc = await second.userDoc();
    await waitFor(() => readNote(doc) === `cake, ${long}`, 5000, 'the new word');
    await waitFor(() => second.status.state === 'synced', 5000, 'synced');
    const socket = sockets.find((c) => c.url.includes(`/${userRoom(user.id)}?`));
    expect(socket?.url).toMatch(/[?&]sv=[A-Za-z0-9_-]+(&|$)/);
    // The first sync message is the server's step 2, carrying only the new word.
    const syncs = socket!.received.filter((m) => m[0] === 0);
    expect(syncs[0]![1]).toBe(1);
    expect(syncs[0]!.byteLength).toBeLessThan(500);
    expect(syncs.filter((m) => m[1] === 1)).toHaveLength(1);

    // Deletions are still confirmed by their own round trip.
    writeNote(doc, long);
    await waitFor(() => readNote(phone.doc) === long, 3000, 'the deletion relayed');
    await waitFor(() => second.status.pending === 0, 5000, 'the deletion confirmed');
    expect(await db.outbox.count()).toBe(0);
  });

  it('materialises the posts of this month and last, as others write them', async () => {
    const s = await server();
    const space = s.org.createSpace({
      name: 'News',
      kind: 'news',
      audience: 'everyone',
      postingPolicy: 'members'
    });
    const sara = s.addUser('sara');
    const erik = s.addUser('erik');
    const db = database(sara.user.id);
    const e = await engine(s, db, sara.token);
    await waitFor(() => e.status.state === 'synced', 5000, 'first sync');

    const now = new Date();
    for (const [date, id] of [
      [now, 'this-month'],
      [previousMonth(now), 'last-month']
    ] as const) {
      const c = otherDevice(s, spaceMonthRoom(space.id, date), erik.token);
      await synced(c);
      c.doc.transact(() =>
        addPost(c.doc, { id, authorId: erik.user.id, createdAt: date.getTime(), text: `Hello from ${id}` })
      );
    }
    await expect
      .poll(async () => (await recentPosts(db)).map((p) => [p.id, p.authorName, p.spaceName]), {
        timeout: 5000
      })
      .toEqual([
        ['this-month', 'erik', 'News'],
        ['last-month', 'erik', 'News']
      ]);
  });

  it('keeps every readable document synced and lists it, as its writers change it', async () => {
    const s = await server();
    const space = s.org.createSpace({
      name: 'All',
      kind: 'news',
      audience: 'everyone',
      postingPolicy: 'editors'
    });
    const sara = s.addUser('sara');
    const erik = s.addUser('erik', { role: 'editor' });
    const doc = s.org.createDocument({ spaceId: space.id, ownerId: erik.user.id });
    const writer = otherDevice(s, `doc/${doc.id}`, erik.token);
    await synced(writer);
    setDocMeta(writer.doc, { title: 'Vacation policy', status: 'published' }, erik.user.id, 1000);

    const db = database(sara.user.id);
    await saveMe(db, meOf(s, sara.user.id));
    await engine(s, db, sara.token);
    await expect
      .poll(() => db.documents.get(doc.id), { timeout: 5000 })
      .toMatchObject({
        title: 'Vacation policy',
        status: 'published',
        ownerId: erik.user.id,
        access: 'read'
      });

    setDocMeta(writer.doc, { title: 'Semesterpolicy' }, erik.user.id, 2000);
    await expect
      .poll(async () => (await db.documents.get(doc.id))?.title, { timeout: 5000 })
      .toBe('Semesterpolicy');
  });

  it('forgets a room whose access was lost, rows and stored document', async () => {
    const s = await server({ sessionCheckMs: 200 });
    const { team, space } = buildTeamSpace(s.org);
    const sara = s.addUser('sara', { groupIds: [team.id] });
    const room = spaceMonthRoom(space.id, new Date());
    const writer = otherDevice(s, room, sara.token);
    await synced(writer);
    writer.doc.transact(() =>
      addPost(writer.doc, { id: 'secret', authorId: sara.user.id, createdAt: Date.now(), text: 'Team only' })
    );

    const db = database(sara.user.id);
    const lost: string[] = [];
    const e = await engine(s, db, sara.token, { onAccessLost: (rooms) => lost.push(...rooms) });
    await expect.poll(() => db.posts.count(), { timeout: 5000 }).toBe(1);
    expect(lost).toEqual([]);

    s.org.removeMember(team.id, sara.user.id);
    await expect.poll(() => db.posts.count(), { timeout: 5000 }).toBe(0);
    // Told, so that the search index and cached images let go of it too.
    await expect.poll(() => lost.includes(room), { timeout: 5000 }).toBe(true);
    await expect.poll(() => db.roomUpdates.where('k').equals(room).count(), { timeout: 5000 }).toBe(0);
    expect(await db.rooms.get(room)).toBeUndefined();
    // The rest keeps syncing.
    await waitFor(() => e.status.state === 'synced', 5000, 'the other rooms synced');
  });

  it('tells when the server ended the session, keeping the data', async () => {
    const s = await server({ sessionCheckMs: 200 });
    const sara = s.addUser('sara');
    const db = database(sara.user.id);
    let ended = 0;
    const e = await engine(s, db, sara.token, { onSessionEnded: () => ended++ });
    writeNote(await e.userDoc(), 'keep me');
    await waitFor(() => e.status.state === 'synced', 5000, 'first sync');

    s.auth.revokeSession(s.auth.authenticate(sara.token)!.session.id);
    await waitFor(() => ended > 0, 5000, 'the session to end');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ended).toBe(1);
    expect(e.status.state).not.toBe('synced');
    expect(await db.roomUpdates.where('k').equals(userRoom(sara.user.id)).count()).toBeGreaterThan(0);
  });
  it('connects again later when the person had too many connections open elsewhere', async () => {
    const s = await server({ maxConnectionsPerPerson: 2 });
    const sara = s.addUser('sara');
    const laptop = s.auth.createSession(sara.user.id, 'laptop').token;
    const phone = otherDevice(s, userRoom(sara.user.id), laptop);
    const directory = otherDevice(s, 'org', laptop);
    await Promise.all([synced(phone), synced(directory)]);
    writeNote(phone.doc, 'written on the laptop');

    const refusals = () => metric(s, 'fika_sync_connections_closed_total', 'code="4430"');
    const e = await engine(s, database(sara.user.id), sara.token);
    const doc = await e.userDoc();
    for (let waited = 0; (await refusals()) < 2 && waited < 3000; waited += 50) await sleep(50);
    await sleep(1500);
    // Refused once per room, with no retries in between.
    expect(await refusals()).toBe(2);
    expect(e.status.state).toBe('connecting');
    expect(readNote(doc)).toBe('');

    phone.destroy();
    directory.destroy();
    await waitFor(() => readNote(doc) === 'written on the laptop', 15_000, 'the note after the retry');
    await waitFor(() => e.status.state === 'synced', 5000, 'synced');
    expect(await refusals()).toBe(2);
  });
});
