/**
 * `POST /api/sync/versions`, the marks a device compares to learn which of the rooms it keeps
 * closed changed: the real server, a real SQLite file, stock y-websocket clients writing.
 */
import { describe, expect, it } from 'vitest';
import { docRoom, spaceMonthRoom, spaceRoom, userRoom } from '../../src/lib/model/rooms';
import { setMeta } from '../../src/lib/model/doc-room';
import { synced, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { buildSpace, buildTeamSpace } from '../factories';

const scope = testScope();
const { server, client } = scope;

async function versions(
  s: TestServer,
  token: string | null,
  body: unknown
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/api/sync/versions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` })
    },
    body: JSON.stringify(body)
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function marks(s: TestServer, token: string, rooms: string[]): Promise<Record<string, string>> {
  const answer = await versions(s, token, { rooms });
  expect(answer.status).toBe(200);
  return answer.body.versions as Record<string, string>;
}

describe('room versions', () => {
  it("gives a mark for each room the person may read, and nothing of anyone else's", async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const erik = s.addUser('erik', { role: 'editor' });
    const open = buildSpace(s.org);
    const { space: closed } = buildTeamSpace(s.org);
    const doc = s.org.createDocument({ spaceId: open.id, ownerId: erik.user.id });
    const hidden = s.org.createDocument({ spaceId: closed.id, ownerId: erik.user.id });
    const month = spaceMonthRoom(open.id, new Date());
    const readable = ['org', userRoom(sara.user.id), spaceRoom(open.id), month, docRoom(doc.id)];
    const unreadable = [
      userRoom(erik.user.id),
      spaceRoom(closed.id),
      spaceMonthRoom(closed.id, new Date()),
      docRoom(hidden.id),
      docRoom('no-such-doc'),
      'post/no-such-space/p1'
    ];
    const got = await marks(s, sara.token, [...unreadable, ...readable]);
    expect(Object.keys(got).sort()).toEqual([...readable].sort());
    for (const mark of Object.values(got)) expect(mark).toMatch(/^\S+$/);
  });

  it('moves the mark of a room when something is committed to it, and only of that room', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const erik = s.addUser('erik', { role: 'editor' });
    const space = buildSpace(s.org);
    const doc = s.org.createDocument({ spaceId: space.id, ownerId: erik.user.id });
    const rooms = [docRoom(doc.id), spaceRoom(space.id), userRoom(sara.user.id)];
    const before = await marks(s, sara.token, rooms);
    // Asking again changes nothing.
    expect(await marks(s, sara.token, rooms)).toEqual(before);

    const writer = client(s, docRoom(doc.id), erik.token);
    await synced(writer);
    setMeta(writer.doc, { title: 'Vacation policy' }, erik.user.id, 1000);
    const markOf = async (room: string) => (await marks(s, sara.token, [room]))[room];
    await expect.poll(() => markOf(docRoom(doc.id)), { timeout: 5000 }).not.toBe(before[docRoom(doc.id)]);
    const after = await marks(s, sara.token, rooms);
    expect(after[spaceRoom(space.id)]).toBe(before[spaceRoom(space.id)]);
    expect(after[userRoom(sara.user.id)]).toBe(before[userRoom(sara.user.id)]);
    // Each further commit moves it again.
    setMeta(writer.doc, { title: 'Semesterpolicy' }, erik.user.id, 2000);
    await expect.poll(() => markOf(docRoom(doc.id)), { timeout: 5000 }).not.toBe(after[docRoom(doc.id)]);
  });

  it('gives every room a new mark after a restart', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const space = buildSpace(s.org);
    const rooms = ['org', spaceRoom(space.id), userRoom(sara.user.id)];
    const before = await marks(s, sara.token, rooms);
    const dataDir = s.config.dataDir;
    await s.stop();
    const again = await server({ dataDir });
    const after = await marks(again, sara.token, rooms);
    for (const room of rooms) expect(after[room]).not.toBe(before[room]);
  });

  it('refuses requests without a session or with a malformed list, saying why', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    expect((await versions(s, null, { rooms: ['org'] })).status).toBe(401);
    const bad: [unknown, RegExp][] = [
      [{}, /rooms/],
      [{ rooms: 'org' }, /array/],
      [{ rooms: [7] }, /string/],
      [{ rooms: ['org', 'org'] }, /duplicate|identical/],
      [{ rooms: Array.from({ length: 1001 }, (_, i) => `doc/d${i}`) }, /1000/],
      [{ rooms: ['org'], more: 1 }, /additional/],
      [{ rooms: ['space/a/b/c'] }, /Not a room name: space\/a\/b\/c/],
      [{ rooms: ['x'.repeat(200)] }, /longer|characters/]
    ];
    for (const [body, message] of bad) {
      const answer = await versions(s, sara.token, body);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.body.message, JSON.stringify(body).slice(0, 60)).toMatch(message);
    }
  });
});
