/**
 * Kiosk screens against the real server: pairing (one-time, expiring, throttled), what a kiosk
 * token may read over `/sync` and `/api`, its updates dropped, and revocation.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../src/lib/model/close-codes';
import { postRoom, spaceMonthRoom, spaceRoom, userRoom } from '../../src/lib/model/rooms';
import { metric, sleep, synced, waitFor, withTimeout, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { makePng } from '../support/images';

const scope = testScope();
const { client } = scope;

interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

async function call<T = Record<string, unknown>>(
  s: TestServer,
  path: string,
  opts: { token?: string; method?: string; body?: unknown } = {}
): Promise<Reply<T>> {
  const response = await fetch(`${s.url}/api${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' })
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body)
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

interface Created {
  kiosk: { id: string; paired: boolean };
  pairing: { code: string; link: string; expiresAt: string };
}

/** An organisation with Göteborg and Malmö, a news space for all, one per office, one hidden. */
function organisation(s: TestServer) {
  const gbg = s.org.createGroup({ kind: 'location', name: 'Göteborg' });
  const malmo = s.org.createGroup({ kind: 'location', name: 'Malmö' });
  const all = s.org.createSpace({
    name: 'All staff',
    kind: 'news',
    audience: 'everyone',
    postingPolicy: 'editors',
    kioskVisible: true
  });
  const gbgOffice = s.org.createSpace({
    name: 'Göteborg office',
    kind: 'news',
    audience: 'groups',
    audienceGroupIds: [gbg.id],
    postingPolicy: 'editors',
    kioskVisible: true
  });
  const malmoOffice = s.org.createSpace({
    name: 'Malmö office',
    kind: 'news',
    audience: 'groups',
    audienceGroupIds: [malmo.id],
    postingPolicy: 'editors',
    kioskVisible: true
  });
  const hidden = s.org.createSpace({
    name: 'Projects',
    kind: 'project',
    audience: 'everyone',
    postingPolicy: 'members'
  });
  const admin = s.addUser('ada', { role: 'admin' });
  const editor = s.addUser('erik', { role: 'editor' });
  return { gbg, malmo, all, gbgOffice, malmoOffice, hidden, admin, editor };
}

async function register(s: TestServer, adminToken: string, body: Record<string, unknown>): Promise<Created> {
  const reply = await call<Created>(s, '/admin/kiosks', { token: adminToken, body });
  expect(reply.status).toBe(201);
  return reply.body;
}

async function pair(s: TestServer, body: Record<string, string>): Promise<Reply<{ token: string }>> {
  return call<{ token: string }>(s, '/kiosk/pair', { body });
}

describe('kiosk pairing', () => {
  it('pairs once with the code or the link secret, never twice, and lists last seen', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const created = await register(s, o.admin.token, {
      name: 'Break room',
      locationGroupId: o.gbg.id,
      spaceIds: [o.all.id],
      language: 'sv'
    });
    expect(created.pairing.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(created.pairing.link).toMatch(/^\/kiosk\?pair=[A-Za-z0-9_-]{43}$/);

    // The code as someone types it: lower case, no dash.
    const typed = created.pairing.code.replace('-', '').toLowerCase();
    const first = await pair(s, { code: typed });
    expect(first.status).toBe(200);
    expect(first.body.token).toMatch(/^fk1_[A-Za-z0-9_-]{43}$/);
    expect(first.headers.get('set-cookie')).toMatch(/fika_kiosk=fk1_/);
    // One-time: neither the code nor the link works again.
    expect((await pair(s, { code: created.pairing.code })).status).toBe(401);
    const secret = created.pairing.link.split('=')[1]!;
    expect((await pair(s, { secret })).status).toBe(401);

    // Only the hash is stored.
    const row = s.db.prepare('SELECT * FROM kiosks').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(first.body.token);

    const list = await call<{ kiosks: { id: string; paired: boolean; lastSeenAt: string | null }[] }>(
      s,
      '/admin/kiosks',
      { token: o.admin.token }
    );
    expect(list.body.kiosks).toEqual([
      expect.objectContaining({ id: created.kiosk.id, paired: true, lastSeenAt: expect.any(String) })
    ]);
    // Not for anyone but an admin, and never for the kiosk itself.
    expect((await call(s, '/admin/kiosks', { token: o.editor.token })).status).toBe(403);
    expect((await call(s, '/admin/kiosks', { token: first.body.token })).status).toBe(401);

    // A new pairing link for the same kiosk replaces the device's token.
    const again = await call<{ link: string }>(s, `/admin/kiosks/${created.kiosk.id}/pairing`, {
      token: o.admin.token,
      body: {}
    });
    const second = await pair(s, { secret: again.body.link.split('=')[1]! });
    expect(second.status).toBe(200);
    expect((await call(s, '/kiosk/me', { token: first.body.token })).status).toBe(401);
    expect((await call(s, '/kiosk/me', { token: second.body.token })).status).toBe(200);
  });

  it('refuses an expired code, and throttles guessing like sign-in', async () => {
    const s = await scope.server({ kioskPairingTtlMs: 300, loginMaxFailures: 3 });
    const o = organisation(s);
    const created = await register(s, o.admin.token, {
      name: 'Late',
      spaceIds: [o.all.id],
      language: 'en'
    });
    await sleep(400);
    const late = await pair(s, { code: created.pairing.code });
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error: 'invalid-pairing' });
    for (let i = 0; i < 2; i++) expect((await pair(s, { code: 'AAAA-AAAA' })).status).toBe(401);
    const throttled = await pair(s, { code: 'AAAA-AAAA' });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('accepts only kiosk-visible spaces and a location group', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const bad = await call(s, '/admin/kiosks', {
      token: o.admin.token,
      body: { name: 'X', spaceIds: [o.hidden.id], language: 'sv' }
    });
    expect(bad.status).toBe(400);
    const team = s.org.createGroup({ kind: 'team', name: 'Team' });
    const notLocation = await call(s, '/admin/kiosks', {
      token: o.admin.token,
      body: { name: 'X', locationGroupId: team.id, spaceIds: [o.all.id], language: 'sv' }
    });
    expect(notLocation.status).toBe(400);
  });
});

describe('a kiosk token', () => {
  async function pairedKiosk(s: TestServer, o: ReturnType<typeof organisation>) {
    const created = await register(s, o.admin.token, {
      name: 'Göteborg break room',
      locationGroupId: o.gbg.id,
      spaceIds: [o.all.id, o.gbgOffice.id, o.malmoOffice.id],
      language: 'sv'
    });
    const { body } = await pair(s, { code: created.pairing.code });
    return { id: created.kiosk.id, token: body.token };
  }

  it('learns which of its rooms changed, and nothing of any other room', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const post = (groupId: string) =>
      s.org.createTargetedPost({ spaceId: o.all.id, authorId: o.editor.user.id, groupIds: [groupId] });
    const forGbg = post(o.gbg.id);
    const forMalmo = post(o.malmo.id);
    const kiosk = await pairedKiosk(s, o);
    const month = (id: string) => spaceMonthRoom(id, new Date());
    const readable = [
      spaceRoom(o.all.id),
      month(o.all.id),
      month(o.gbgOffice.id),
      postRoom(o.all.id, forGbg.id)
    ];
    const others = [
      'org',
      userRoom(o.editor.user.id),
      spaceRoom(o.malmoOffice.id),
      month(o.hidden.id),
      postRoom(o.all.id, forMalmo.id)
    ];
    const reply = await call<{ versions: Record<string, string> }>(s, '/sync/versions', {
      token: kiosk.token,
      body: { rooms: [...others, ...readable] }
    });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.versions).sort()).toEqual(readable.sort());
  });

  it('lists and opens only its spaces and posts targeted at its location, read-only', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const forGbg = s.org.createTargetedPost({
      spaceId: o.all.id,
      authorId: o.editor.user.id,
      groupIds: [o.gbg.id]
    });
    const forMalmo = s.org.createTargetedPost({
      spaceId: o.all.id,
      authorId: o.editor.user.id,
      groupIds: [o.malmo.id]
    });
    const kiosk = await pairedKiosk(s, o);

    const me = await call<{ rooms: { room: string; access: string }[]; spaces: { id: string }[] }>(
      s,
      '/kiosk/me',
      { token: kiosk.token }
    );
    expect(me.status).toBe(200);
    // Malmö office was chosen, but its audience does not include the kiosk's location.
    expect(me.body.spaces.map((sp) => sp.id).sort()).toEqual([o.all.id, o.gbgOffice.id].sort());
    expect(me.body.rooms.map((r) => r.room).sort()).toEqual(
      [spaceRoom(o.all.id), spaceRoom(o.gbgOffice.id), postRoom(o.all.id, forGbg.id)].sort()
    );
    expect(me.body.rooms.every((r) => r.access === 'read')).toBe(true);
    expect(JSON.stringify(me.body)).not.toContain('@test.example');

    const month = spaceMonthRoom(o.all.id, new Date());
    const readable = client(s, month, kiosk.token);
    await synced(readable);
    const targeted = client(s, postRoom(o.all.id, forGbg.id), kiosk.token);
    await synced(targeted);

    for (const room of [
      postRoom(o.all.id, forMalmo.id),
      spaceRoom(o.malmoOffice.id),
      spaceRoom(o.hidden.id),
      'org',
      userRoom(o.editor.user.id),
      userRoom(`kiosk:${kiosk.id}`)
    ]) {
      const refused = client(s, room, kiosk.token);
      const closed = await withTimeout(refused.closed, 3000, room);
      // `user/kiosk:…` is not even a room name.
      expect([CloseCodes.Forbidden.code, CloseCodes.UnknownRoom.code]).toContain(closed.code);
      if (room !== userRoom(`kiosk:${kiosk.id}`)) expect(closed.code).toBe(CloseCodes.Forbidden.code);
    }
  });

  it("is told in its spaces' shared rooms when a targeted post may have given it a room", async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const shown = client(s, spaceRoom(o.all.id), kiosk.token);
    await synced(shown);
    // A space that is not on kiosks gets no such signal.
    const notShown = client(s, spaceRoom(o.hidden.id), o.editor.token);
    await synced(notShown);
    const signals = (c: typeof shown) => c.doc.getMap<number>('signals');
    expect(signals(shown).get('roomsChangedAt')).toBeUndefined();

    const before = Date.now();
    s.org.createTargetedPost({ spaceId: o.all.id, authorId: o.editor.user.id, groupIds: [o.gbg.id] });
    await waitFor(() => (signals(shown).get('roomsChangedAt') ?? 0) >= before, 3000, 'the signal');
    expect(signals(notShown).get('roomsChangedAt')).toBeUndefined();
  });

  it('has its crafted updates dropped: not relayed, not stored after a restart', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const room = spaceRoom(o.all.id);
    const reader = client(s, room, o.editor.token);
    const k = client(s, room, kiosk.token);
    await Promise.all([synced(reader), synced(k)]);
    const before = await metric(s, 'fika_sync_updates_refused_total', 'reason="read-only"');
    k.doc.getMap('pins').set('forged', { postId: 'x' });
    await expect
      .poll(() => metric(s, 'fika_sync_updates_refused_total', 'reason="read-only"'), { timeout: 5000 })
      .toBeGreaterThan(before);
    // Nor does its presence reach anyone.
    k.provider.awareness.setLocalState({ name: 'Not a person' });
    await sleep(300);
    expect(reader.doc.getMap('pins').has('forged')).toBe(false);
    expect([...reader.provider.awareness.getStates().values()]).not.toContainEqual({ name: 'Not a person' });

    const dataDir = s.config.dataDir;
    k.destroy();
    reader.destroy();
    await s.stop();
    const restarted = await scope.server({ dataDir });
    const fresh = client(restarted, room, o.editor.token);
    await synced(fresh);
    expect(fresh.doc.getMap('pins').has('forged')).toBe(false);
    expect(Y.encodeStateVector(fresh.doc).length).toBeLessThanOrEqual(1);
  });

  it('is refused everywhere once revoked, its open connections closed within seconds', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const a = client(s, spaceRoom(o.all.id), kiosk.token);
    const b = client(s, spaceMonthRoom(o.gbgOffice.id, new Date()), kiosk.token);
    await Promise.all([synced(a), synced(b)]);
    const revoked = await call<{ revokedAt: string }>(s, `/admin/kiosks/${kiosk.id}/revoke`, {
      token: o.admin.token,
      body: {}
    });
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await withTimeout(a.closed, 3000, 'revoked close')).code).toBe(CloseCodes.Unauthorized.code);
    expect((await withTimeout(b.closed, 3000, 'revoked close')).code).toBe(CloseCodes.Unauthorized.code);
    expect((await call(s, '/kiosk/me', { token: kiosk.token })).status).toBe(401);
    const again = client(s, spaceRoom(o.all.id), kiosk.token);
    expect((await withTimeout(again.closed, 3000, 'refused')).code).toBe(CloseCodes.Unauthorized.code);
  });

  it('paired again, ends the connections made with its old token', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const old = client(s, spaceRoom(o.all.id), kiosk.token);
    await synced(old);
    const again = await call<{ code: string }>(s, `/admin/kiosks/${kiosk.id}/pairing`, {
      token: o.admin.token,
      body: {}
    });
    const paired = await pair(s, { code: again.body.code });
    const fresh = client(s, spaceRoom(o.all.id), paired.body.token);
    await synced(fresh);
    expect((await withTimeout(old.closed, 3000, 'old token')).code).toBe(CloseCodes.Unauthorized.code);
    await sleep(300);
    expect(fresh.provider.wsconnected).toBe(true);
  });

  it('loses a space at once when the admin takes it off the kiosk, and everything when removed', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const all = client(s, spaceRoom(o.all.id), kiosk.token);
    const office = client(s, spaceRoom(o.gbgOffice.id), kiosk.token);
    await Promise.all([synced(all), synced(office)]);
    const changed = await call<{ spaceIds: string[] }>(s, `/admin/kiosks/${kiosk.id}`, {
      token: o.admin.token,
      method: 'PATCH',
      body: { spaceIds: [o.all.id] }
    });
    expect(changed.body.spaceIds).toEqual([o.all.id]);
    expect((await withTimeout(office.closed, 3000, 'space removed')).code).toBe(CloseCodes.Forbidden.code);
    const removed = await call(s, `/admin/kiosks/${kiosk.id}`, { token: o.admin.token, method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await withTimeout(all.closed, 3000, 'kiosk removed')).code).toBe(CloseCodes.Unauthorized.code);
    expect(
      (await call(s, `/admin/kiosks/${kiosk.id}`, { token: o.admin.token, method: 'DELETE' })).status
    ).toBe(404);
  });

  it('loses a space at once when the space is no longer shown on kiosks', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const kiosk = await pairedKiosk(s, o);
    const a = client(s, spaceRoom(o.gbgOffice.id), kiosk.token);
    await synced(a);
    s.org.updateSpace(o.gbgOffice.id, { kioskVisible: false });
    expect((await withTimeout(a.closed, 3000, 'lost access')).code).toBe(CloseCodes.Forbidden.code);
    // Renaming the kiosk meanwhile is not refused for it, and the space comes back with the flag.
    const renamed = await call<{ name: string }>(s, `/admin/kiosks/${kiosk.id}`, {
      token: o.admin.token,
      method: 'PATCH',
      body: { name: 'Lunch room' }
    });
    expect(renamed.status).toBe(200);
    s.org.updateSpace(o.gbgOffice.id, { kioskVisible: true });
    await synced(client(s, spaceRoom(o.gbgOffice.id), kiosk.token));
  });

  it('gets the images of its spaces, by token or by the cookie pairing set, and no others', async () => {
    const s = await scope.server();
    const o = organisation(s);
    const upload = async (spaceId: string) => {
      const response = await fetch(`${s.url}/api/spaces/${spaceId}/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.admin.token}`, 'content-type': 'image/png' },
        body: new Uint8Array(makePng(4, 4))
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { id: string }).id;
    };
    // The admin sees every space for everyone; the Malmö office only as a member.
    s.org.addMember(o.malmo.id, o.admin.user.id);
    const shown = await upload(o.all.id);
    const other = await upload(o.malmoOffice.id);
    const created = await register(s, o.admin.token, {
      name: 'Göteborg break room',
      locationGroupId: o.gbg.id,
      spaceIds: [o.all.id, o.malmoOffice.id],
      language: 'sv'
    });
    const paired = await pair(s, { code: created.pairing.code });
    const cookie = paired.headers.get('set-cookie')!.split(';')[0]!;
    const get = (id: string, headers: Record<string, string>) =>
      fetch(`${s.url}/api/uploads/${id}`, { headers }).then((r) => r.status);
    expect(await get(shown, { authorization: `Bearer ${paired.body.token}` })).toBe(200);
    expect(await get(shown, { cookie })).toBe(200);
    expect(await get(other, { authorization: `Bearer ${paired.body.token}` })).toBe(404);
    expect(await get(other, { cookie })).toBe(404);
    await call(s, `/admin/kiosks/${created.kiosk.id}/revoke`, { token: o.admin.token, body: {} });
    expect(await get(shown, { cookie })).toBe(401);
  });
});
