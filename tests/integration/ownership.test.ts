/**
 * The ownership rules through the real server: stock y-websocket clients, a real SQLite file,
 * the default rule set. A refused update closes its connection with 4409 and is neither relayed
 * nor stored; client-id ownership survives a restart.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../src/lib/model/close-codes';
import * as encoding from 'lib0/encoding';
import {
  addComment,
  addPost,
  deleteComment,
  editPost,
  posts,
  setReaction
} from '../../src/lib/model/space-room';
import { damage, random } from '../support/damage';
import {
  rawConnect,
  sleep,
  synced,
  waitFor,
  withTimeout,
  type RawClient,
  type TestServer
} from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();
const { server, client } = scope;

const textOf = (doc: Y.Doc, postId: string): string | undefined =>
  (posts(doc).get(postId)?.get('text') as Y.Text | undefined)?.toString();

/**
 * Writes with another Yjs client id, then restores the document's own (the provider's
 * awareness is keyed by it).
 */
function writeAs(doc: Y.Doc, clientID: number, write: () => void): void {
  const own = doc.clientID;
  doc.clientID = clientID;
  try {
    write();
  } finally {
    doc.clientID = own;
  }
}

function monthRoom(s: TestServer): string {
  const space = s.org.createSpace({
    name: 'News',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  return `space/${space.id}/2026-11`;
}

/**
 * A month partition with Anna and Bo connected and synced, and Anna's post `p1` relayed to Bo.
 */
async function annasPost(s: TestServer, text: string) {
  const room = monthRoom(s);
  const anna = s.addUser('anna');
  const bo = s.addUser('bo');
  const a = client(s, room, anna.token);
  const b = client(s, room, bo.token);
  await Promise.all([synced(a), synced(b)]);
  addPost(a.doc, { id: 'p1', authorId: anna.user.id, createdAt: 1, text });
  await waitFor(() => textOf(b.doc, 'p1') === text, 3000, 'post relayed');
  return { room, anna, bo, a, b };
}

describe('ownership in a month partition', () => {
  it("refuses an edit of someone else's post with 4409, stores nothing of it, and keeps serving the room", async () => {
    const s = await server();
    const { room, anna, a, b } = await annasPost(s, 'Lunch at noon');

    editPost(b.doc, 'p1', 'Lunch cancelled', 2);
    const closed = await withTimeout(b.closed, 3000, 'refusal');
    expect(closed.code).toBe(CloseCodes.UpdateRefused.code);

    // Others keep working, and never see the refused change.
    setReaction(a.doc, 'p1', anna.user.id, 'like', true, 3);
    const c = client(s, room, s.addUser('cecilia').token);
    await synced(c);
    await waitFor(() => posts(c.doc).has('p1'), 3000, 'late joiner');
    expect(textOf(c.doc, 'p1')).toBe('Lunch at noon');
    editPost(a.doc, 'p1', 'Lunch at one', 4);
    await waitFor(() => textOf(c.doc, 'p1') === 'Lunch at one', 3000, 'author edits still relayed');
    await sleep(100);
    expect(textOf(a.doc, 'p1')).toBe('Lunch at one');

    // Nothing of the refused update was stored.
    const dataDir = s.config.dataDir;
    a.destroy();
    c.destroy();
    await s.stop();
    const again = await server({ dataDir });
    const fresh = client(again, room, anna.token);
    await synced(fresh);
    await waitFor(() => posts(fresh.doc).has('p1'), 3000, 'reloaded');
    expect(textOf(fresh.doc, 'p1')).toBe('Lunch at one');
  });

  it('keeps a client id its first writer’s across a restart', async () => {
    const s = await server();
    const room = monthRoom(s);
    const anna = s.addUser('anna');
    const bo = s.addUser('bo');
    const a = client(s, room, anna.token);
    await synced(a);
    const annasId = a.doc.clientID;
    addPost(a.doc, { id: 'p1', authorId: anna.user.id, createdAt: 1, text: 'Mine' });
    await waitFor(() => s.rooms.get(room)?.pending === 0 && posts(s.rooms.get(room)!.doc).has('p1'));
    expect(
      s.db.prepare('SELECT user_id FROM room_clients WHERE room = ? AND client = ?').get(room, annasId)
    ).toEqual({ user_id: anna.user.id });

    const dataDir = s.config.dataDir;
    a.destroy();
    await s.stop();
    const again = await server({ dataDir });

    // Bo writes his own post, but with Anna's client id.
    const b = client(again, room, bo.token);
    await synced(b);
    await waitFor(() => posts(b.doc).has('p1'), 3000, 'synced content');
    writeAs(b.doc, annasId, () =>
      addPost(b.doc, { id: 'p2', authorId: bo.user.id, createdAt: 2, text: 'As Anna' })
    );
    expect((await withTimeout(b.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);

    // Anna, on a new device that reuses her client id, still may.
    const a2 = client(again, room, anna.token);
    await synced(a2);
    await waitFor(() => posts(a2.doc).has('p1'), 3000, 'synced content');
    writeAs(a2.doc, annasId, () => editPost(a2.doc, 'p1', 'Still mine', 3));
    const watcher = client(again, room, again.addUser('cecilia').token);
    await synced(watcher);
    await waitFor(() => textOf(watcher.doc, 'p1') === 'Still mine', 3000, 'accepted edit');
    expect(posts(watcher.doc).has('p2')).toBe(false);
  });
});

describe('ownership in a sleeping room', () => {
  it('judges updates that wake a room by the ownership it had before it slept', async () => {
    const s = await server({ roomIdleMs: 200 });
    const { room, bo, a, b } = await annasPost(s, 'Mine');
    const annasId = a.doc.clientID;
    const loaded = s.rooms.get(room)!;
    await waitFor(() => loaded.docInMemory === null, 3000, 'the room to sleep');
    expect(loaded.owners).toBeNull();

    // Bo's edit of Anna's post, then his post under her client id: both wake the room, both refused.
    editPost(b.doc, 'p1', 'Not yours', 2);
    expect((await withTimeout(b.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);
    await waitFor(() => loaded.docInMemory === null, 3000, 'the room to sleep again');
    const b2 = client(s, room, bo.token);
    await synced(b2);
    await waitFor(() => posts(b2.doc).has('p1'), 3000, 'synced content');
    await waitFor(() => loaded.docInMemory === null, 3000, 'the room to sleep once more');
    writeAs(b2.doc, annasId, () =>
      addPost(b2.doc, { id: 'p2', authorId: bo.user.id, createdAt: 3, text: 'As Anna' })
    );
    expect((await withTimeout(b2.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);

    // Anna's own edit is accepted and reaches others.
    editPost(a.doc, 'p1', 'Still mine', 4);
    const watcher = client(s, room, s.addUser('cecilia').token);
    await synced(watcher);
    await waitFor(() => textOf(watcher.doc, 'p1') === 'Still mine', 3000, 'accepted edit');
    expect(posts(watcher.doc).has('p2')).toBe(false);
  });
});

describe('posting policy on an open connection', () => {
  it('applies a changed posting policy to the next post on an open connection', async () => {
    const s = await server();
    const room = monthRoom(s);
    const spaceId = room.split('/')[1]!;
    const anna = s.addUser('anna');
    const a = client(s, room, anna.token);
    const watcher = client(s, room, s.addUser('bo').token);
    await Promise.all([synced(a), synced(watcher)]);
    addPost(a.doc, { id: 'p1', authorId: anna.user.id, createdAt: 1, text: 'Open to all' });
    await waitFor(() => posts(watcher.doc).has('p1'), 3000, 'first post relayed');

    s.org.updateSpace(spaceId, { postingPolicy: 'editors' });
    addPost(a.doc, { id: 'p2', authorId: anna.user.id, createdAt: 2, text: 'Too late' });
    expect((await withTimeout(a.closed, 3000, 'refusal')).code).toBe(CloseCodes.UpdateRefused.code);
    await sleep(100);
    expect(posts(watcher.doc).has('p2')).toBe(false);

    // And back: a new connection of hers may post again once members may.
    s.org.updateSpace(spaceId, { postingPolicy: 'members' });
    const again = client(s, room, anna.token);
    await synced(again);
    addPost(again.doc, { id: 'p3', authorId: anna.user.id, createdAt: 3, text: 'Open again' });
    await waitFor(() => posts(watcher.doc).has('p3'), 3000, 'post after the change back');
  });
});

describe('damaged copies of real updates', () => {
  it('leave the room as its writers made it, live and after a restart', async () => {
    const s = await server();
    const room = monthRoom(s);
    const anna = s.addUser('anna');
    const a = client(s, room, anna.token);
    const b = client(s, room, s.addUser('bo').token);
    await Promise.all([synced(a), synced(b)]);
    const sent: Uint8Array[] = [];
    a.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== a.provider) sent.push(u);
    });
    for (let i = 0; i < 6; i++) {
      addPost(a.doc, { id: `p${i}`, authorId: anna.user.id, createdAt: i, text: `Post **${i}**` });
    }
    editPost(a.doc, 'p1', 'Edited', 10);
    addComment(a.doc, {
      id: 'c1',
      postId: 'p0',
      parentId: null,
      authorId: anna.user.id,
      createdAt: 11,
      text: 'Hi'
    });
    setReaction(a.doc, 'p0', anna.user.id, 'like', true, 12);
    deleteComment(a.doc, 'c1');
    await waitFor(() => posts(b.doc).size === 6, 3000, 'posts relayed');

    // Another member of the space sends 300 damaged copies of what Anna sent, as updates and as
    // sync answers, on a new connection whenever the last one was closed.
    const donors = [...sent, Y.encodeStateAsUpdate(a.doc)];
    const pick = random(1);
    const mallory = s.addUser('mallory').token;
    let raw: RawClient | null = null;
    for (let i = 0; i < 300; i++) {
      if (raw === null || raw.ws.readyState !== raw.ws.OPEN) {
        raw = rawConnect(s, room, mallory);
        await raw.opened;
      }
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, pick(2) === 0 ? 1 : 2);
      encoding.writeVarUint8Array(e, damage(donors[pick(donors.length)]!, donors, pick));
      raw.ws.send(encoding.toUint8Array(e));
      await sleep(5);
    }

    // Anna and Bo were never disturbed, and everyone gets the room as Anna has it.
    addPost(a.doc, { id: 'last', authorId: anna.user.id, createdAt: 99, text: 'Still here' });
    await waitFor(() => posts(b.doc).has('last'), 3000, 'still syncing');
    expect([a.provider.wsconnected, b.provider.wsconnected]).toEqual([true, true]);
    const late = client(s, room, s.addUser('late').token);
    await synced(late);
    await waitFor(() => posts(late.doc).has('last'), 3000, 'late joiner');
    expect(posts(late.doc).toJSON()).toEqual(posts(a.doc).toJSON());
    const dataDir = s.config.dataDir;
    for (const c of [a, b, late]) c.destroy();
    await s.stop();
    const again = await server({ dataDir });
    const fresh = client(again, room, again.addUser('fresh').token);
    await synced(fresh);
    await waitFor(() => posts(fresh.doc).has('last'), 3000, 'after a restart');
    expect(posts(fresh.doc).toJSON()).toEqual(posts(late.doc).toJSON());
  });
});
