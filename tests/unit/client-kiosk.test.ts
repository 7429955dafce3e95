/**
 * The sync engine as a kiosk screen runs it (`personal: false`, a kiosk device token) against
 * the real server: only the kiosk's rooms open, its posts reach its own store, the screen's
 * queries find them, and a revocation ends it like a session.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openUserDb, deleteUserDb } from '../../src/lib/data/db';
import { engineMe, kioskDbOwner, type KioskMe } from '../../src/lib/kiosk/device';
import { announcements, latestPosts } from '../../src/lib/kiosk/queries';
import { orgRoom, spaceMonthRoom, spaceRoom, userRoom } from '../../src/lib/model/rooms';
import { addPost } from '../../src/lib/model/space-room';
import { tokenProtocols } from '../../src/lib/model/protocol';
import WebSocket from 'ws';
import type { FikaDb } from '../../src/lib/data/db';
import { createSyncEngine } from '../../src/lib/sync/engine';
import { connect, synced, type TestServer } from '../support/server';
import { testScope } from '../support/scope';

const scope = testScope();

/** The engine as the kiosk screen starts it (screen.svelte.ts), stopped after the test. */
async function kioskEngine(s: TestServer, db: FikaDb, token: string, me: KioskMe, onSessionEnded = () => {}) {
  const engine = await createSyncEngine({
    db,
    me: engineMe(me),
    personal: false,
    onSessionEnded,
    url: s.wsUrl,
    protocols: tokenProtocols(token),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
  });
  scope.defer(() => engine.stop());
  return engine;
}

async function kioskOf(s: TestServer) {
  const gbg = s.org.createGroup({ kind: 'location', name: 'Göteborg' });
  const space = s.org.createSpace({
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors',
    kioskVisible: true
  });
  const { kiosk, pairing } = s.kiosks.create({
    name: 'Break room',
    locationGroupId: gbg.id,
    spaceIds: [space.id],
    language: 'sv'
  });
  const { token } = s.kiosks.pair(pairing.code)!;
  const me: KioskMe = {
    kiosk: { id: kiosk.id, name: kiosk.name, language: 'sv', location: 'Göteborg' },
    organisation: { name: 'Test AB' },
    spaces: s.kiosks.readableSpaces(kiosk.id),
    rooms: s.kiosks.readableRooms(kiosk.id),
    people: s.kiosks.names()
  };
  const owner = kioskDbOwner(kiosk.id);
  const db = openUserDb(owner);
  scope.defer(async () => {
    db.close();
    await deleteUserDb(owner);
  });
  return { kiosk, token, me, db, space };
}

describe('the engine on a kiosk screen', () => {
  it('opens only its spaces, read-only, and finds their announcements', async () => {
    const s = await scope.server();
    const { token, me, db, space } = await kioskOf(s);
    const erik = s.addUser('erik', { role: 'editor' });
    const month = spaceMonthRoom(space.id, new Date());
    const author = connect(s, month, erik.token);
    scope.defer(() => author.destroy());
    await synced(author);
    addPost(author.doc, {
      id: 'drill',
      authorId: erik.user.id,
      createdAt: Date.now(),
      text: 'Fire drill on Friday',
      important: true
    });
    addPost(author.doc, { id: 'lunch', authorId: erik.user.id, createdAt: Date.now() + 1, text: 'Lunch' });

    const engine = await kioskEngine(s, db, token, me);
    await expect
      .poll(() => latestPosts(db).then((p) => p.map((x) => x.id)), { timeout: 5000 })
      .toEqual(['lunch', 'drill']);
    expect((await announcements(db)).map((a) => a.id)).toEqual(['drill']);
    // The shared room and this and last month's partitions of its one space; nothing else.
    expect(engine.openRooms).toEqual(expect.arrayContaining([spaceRoom(space.id), month]));
    expect(engine.openRooms.every((r) => r.startsWith(spaceRoom(space.id)))).toBe(true);
    expect(engine.openRooms).not.toContain(orgRoom());
    expect(engine.openRooms.some((r) => r.startsWith('user/'))).toBe(false);
    expect(engine.openRooms).not.toContain(userRoom(me.kiosk.id));
    await expect.poll(() => engine.status.state, { timeout: 5000 }).toBe('synced');
    // Nothing it writes is its own: no outbox, no reach entry for the kiosk.
    expect(await db.outbox.count()).toBe(0);
    expect(await db.reach.count()).toBe(0);
  });

  it('ends like a session when the kiosk is revoked', async () => {
    const s = await scope.server();
    const { kiosk, token, me, db } = await kioskOf(s);
    let ended = 0;
    const engine = await kioskEngine(s, db, token, me, () => ended++);
    await expect.poll(() => engine.status.state, { timeout: 5000 }).toBe('synced');
    s.kiosks.revoke(kiosk.id);
    await expect.poll(() => ended, { timeout: 5000 }).toBe(1);
  });
});

describe("the kiosk screen's queries", () => {
  it('rotate pinned posts first, then recent must-reads, each once; list the newest posts', async () => {
    const owner = kioskDbOwner(`queries-${Date.now()}`);
    const db = openUserDb(owner);
    scope.defer(async () => {
      db.close();
      await deleteUserDb(owner);
    });
    const now = Date.UTC(2026, 10, 27, 12);
    const day = 24 * 3600 * 1000;
    const row = (id: string, createdAt: number, important: boolean) => ({
      id,
      room: 'space/news/2026-11',
      spaceId: 'news',
      authorId: 'erik',
      text: id,
      createdAt,
      editedAt: null,
      commentCount: 0,
      reactionCount: 0,
      important,
      targetGroupIds: [],
      images: [],
      mentions: [],
      ...(important ? { importantAt: createdAt } : {})
    });
    await db.posts.bulkPut([
      row('old-must-read', now - 30 * day, true),
      row('must-read', now - 2 * day, true),
      row('newer-must-read', now - day, true),
      row('pinned-plain', now - 40 * day, false),
      row('pinned-must-read', now - 3 * day, true),
      row('plain', now - 1000, false)
    ]);
    await db.pins.bulkPut([
      { postId: 'pinned-plain', spaceId: 'news', room: 'space/news', by: 'erik', at: now - 5 * day },
      { postId: 'pinned-must-read', spaceId: 'news', room: 'space/news', by: 'erik', at: now - 4 * day },
      // A pin whose post this screen does not have (yet) is skipped.
      { postId: 'elsewhere', spaceId: 'news', room: 'space/news', by: 'erik', at: now }
    ]);
    const list = await announcements(db, now);
    expect(list.map((a) => [a.id, a.pinned])).toEqual([
      ['pinned-must-read', true],
      ['pinned-plain', true],
      ['newer-must-read', false],
      ['must-read', false]
    ]);
    expect((await latestPosts(db, 3)).map((p) => p.id)).toEqual(['plain', 'newer-must-read', 'must-read']);
  });
});
