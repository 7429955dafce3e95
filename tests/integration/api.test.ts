import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerApi } from '../../sync-server/src/api';
import type { Config } from '../../sync-server/src/config';
import type { User } from '../../sync-server/src/org';
import { SqliteUpdateStore } from '../../sync-server/src/persistence';
import { Uploads } from '../../sync-server/src/uploads';
import {
  TEST_PASSWORD,
  buildGroup,
  buildSpace,
  buildUser,
  createTestOrg,
  testPasswordHash,
  type TestOrg
} from '../factories';

interface Api {
  t: TestOrg;
  app: FastifyInstance;
  url: string;
}

async function startApi(overrides: Partial<Config> = {}): Promise<Api> {
  const t = createTestOrg(overrides);
  const app = Fastify();
  const uploads = new Uploads(t.db, t.config.dataDir, t.config.maxImageBytes);
  const rooms = new SqliteUpdateStore(t.db);
  await registerApi(app, {
    org: t.org,
    auth: t.auth,
    config: t.config,
    events: t.events,
    uploads,
    // No live rooms here: nothing is committed, so every room keeps its first mark.
    rooms: { storedRooms: (prefix) => rooms.roomsWithPrefix(prefix), version: () => 'none.0' }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { t, app, url: `http://127.0.0.1:${address.port}` };
}

async function stopApi(api: Api): Promise<void> {
  await api.app.close();
  api.t.close();
}

interface CallOptions {
  body?: unknown;
  raw?: string;
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

async function call(api: Api, method: string, path: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] ??= 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(api.url + path, {
    method,
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body))
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected loosely
  const json: any = text ? JSON.parse(text) : null;
  return { status: res.status, headers: res.headers, json };
}

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await testPasswordHash();
});

describe('set-up', () => {
  let api: Api;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => stopApi(api));

  it('creates the first admin once and signs them in', async () => {
    expect((await call(api, 'GET', '/api/setup')).json).toEqual({ needed: true });
    const body = {
      organisation: 'Norrsken Logistik AB',
      name: 'Astrid',
      email: 'astrid@example.com',
      password: 'a long password'
    };
    const first = await call(api, 'POST', '/api/setup', { body });
    expect(first.status).toBe(200);
    expect(first.json.user).toMatchObject({ email: 'astrid@example.com', role: 'admin', active: true });
    expect(first.headers.getSetCookie()[0]).toMatch(/^fika_session=/);
    expect((await call(api, 'GET', '/api/setup')).json).toEqual({ needed: false });

    const me = await call(api, 'GET', '/api/me', { token: first.json.token });
    expect(me.json.organisation).toEqual({ name: 'Norrsken Logistik AB' });

    const second = await call(api, 'POST', '/api/setup', { body: { ...body, email: 'mallory@example.com' } });
    expect(second.status).toBe(409);
    expect(second.json.error).toBe('already-set-up');
  });

  it('refuses a short password or a bad email before anything is created', async () => {
    const base = { organisation: 'Org', name: 'Ada', email: 'ada@example.com', password: 'a long password' };
    for (const body of [
      { ...base, password: 'short' },
      { ...base, email: 'not-an-email' },
      { ...base, extra: 1 }
    ]) {
      const res = await call(api, 'POST', '/api/setup', { body });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid-request');
    }
    expect((await call(api, 'GET', '/api/setup')).json).toEqual({ needed: true });
  });
});

describe('API', () => {
  let api: Api;
  let admin: User;
  let sara: User;

  const login = async (email: string, password = TEST_PASSWORD) =>
    call(api, 'POST', '/api/auth/login', { body: { email, password } });
  const tokenOf = async (email: string): Promise<string> => {
    const res = await login(email);
    expect(res.status).toBe(200);
    return res.json.token as string;
  };

  beforeEach(async () => {
    api = await startApi();
    const { org } = api.t;
    admin = buildUser(org, { id: 'astrid', email: 'astrid@test.example', role: 'admin', passwordHash });
    sara = buildUser(org, { id: 'sara', email: 'sara@test.example', passwordHash });
    buildUser(org, { id: 'lina', email: 'lina@test.example', passwordHash });
    const logistics = buildGroup(org, { id: 'logistics', kind: 'department', name: 'Logistics' });
    org.addMember(logistics.id, sara.id);
    buildSpace(org, { id: 'all-staff', name: 'All staff' });
    buildSpace(org, {
      id: 'warehouse',
      name: 'Warehouse',
      audience: 'groups',
      audienceGroupIds: ['logistics']
    });
    org.createDocument({ id: 'policy', spaceId: 'all-staff', ownerId: admin.id });
  });
  afterEach(() => stopApi(api));

  describe('sign-in', () => {
    it('returns a token and sets a HttpOnly, SameSite=Lax session cookie', async () => {
      const res = await login('Sara@Test.example');
      expect(res.status).toBe(200);
      expect(res.json.user).toEqual(api.t.org.getUser('sara'));
      expect(res.json.token.length).toBeGreaterThanOrEqual(22);
      expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(Date.now());
      const cookie = res.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(new RegExp(`^fika_session=${res.json.token};`));
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(new RegExp(`; Max-Age=${30 * 24 * 3600}`));
      expect(cookie).not.toMatch(/Secure/); // plain http with cookieSecure 'auto'
    });

    it('marks the cookie Secure when configured to', async () => {
      const secure = await startApi({ cookieSecure: 'always' });
      try {
        buildUser(secure.t.org, { email: 'x@test.example', passwordHash });
        const res = await call(secure, 'POST', '/api/auth/login', {
          body: { email: 'x@test.example', password: TEST_PASSWORD }
        });
        expect(res.headers.getSetCookie()[0]).toMatch(/; Secure/);
      } finally {
        await stopApi(secure);
      }
    });

    it('answers a wrong email and a wrong password identically', async () => {
      const wrongEmail = await login('nobody@test.example');
      const wrongPassword = await login('sara@test.example', 'not the password');
      expect(wrongEmail.status).toBe(401);
      expect(wrongPassword.status).toBe(401);
      expect(wrongEmail.json).toEqual({ error: 'invalid-credentials', message: 'Wrong email or password.' });
      expect(wrongPassword.json).toEqual(wrongEmail.json);
      expect(wrongEmail.headers.getSetCookie()).toEqual([]);
    });

    it('answers 429 with Retry-After after 10 failures, even for the right password', async () => {
      for (let i = 0; i < 10; i++)
        expect((await login('sara@test.example', 'wrong password')).status).toBe(401);
      const refused = await login('sara@test.example');
      expect(refused.status).toBe(429);
      expect(refused.json.error).toBe('too-many-attempts');
      expect(typeof refused.json.message).toBe('string');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    });

    it('signs out: the token stops working and the cookie is cleared', async () => {
      const token = await tokenOf('sara@test.example');
      expect((await call(api, 'GET', '/api/me', { token })).status).toBe(200);
      const out = await call(api, 'POST', '/api/auth/logout', { token });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie()[0]).toMatch(/^fika_session=;/);
      const after = await call(api, 'GET', '/api/me', { token });
      expect(after.status).toBe(401);
      expect(after.json.error).toBe('unauthorized');
      expect((await call(api, 'POST', '/api/auth/logout')).status).toBe(401);
    });
  });

  describe('me', () => {
    it('lists the person’s rooms with read or write, by cookie and by Bearer', async () => {
      const token = await tokenOf('sara@test.example');
      const byBearer = await call(api, 'GET', '/api/me', { token });
      const byCookie = await call(api, 'GET', '/api/me', { cookie: `fika_session=${token}` });
      expect(byCookie.json).toEqual(byBearer.json);
      expect(byBearer.json.user.id).toBe('sara');
      expect(byBearer.json.groups.map((g: { id: string }) => g.id)).toEqual(['logistics']);
      expect(byBearer.json.spaces.map((s: { id: string }) => s.id)).toEqual(['all-staff', 'warehouse']);
      expect(byBearer.json.rooms.map((r: { room: string; access: string }) => [r.room, r.access])).toEqual([
        ['org', 'read'],
        ['user/sara', 'write'],
        ['space/all-staff', 'write'],
        ['space/warehouse', 'write'],
        ['doc/policy', 'read']
      ]);
      const linaMe = await call(api, 'GET', '/api/me', { token: await tokenOf('lina@test.example') });
      expect(linaMe.json.rooms.map((r: { room: string }) => r.room)).not.toContain('space/warehouse');
      expect((await call(api, 'GET', '/api/me', { token: 'made-up-token' })).status).toBe(401);
      expect((await call(api, 'GET', '/api/me')).json).toMatchObject({ error: 'unauthorized' });
    });

    it('lists and revokes only the person’s own sessions', async () => {
      const a = await tokenOf('sara@test.example');
      const b = await tokenOf('sara@test.example');
      const other = await tokenOf('lina@test.example');
      const list = await call(api, 'GET', '/api/sessions', { token: a });
      expect(list.json.sessions).toHaveLength(2);
      expect(JSON.stringify(list.json)).not.toMatch(/token|hash/i);
      const current = list.json.sessions.find((s: { current: boolean }) => s.current);
      const otherSession = list.json.sessions.find((s: { current: boolean }) => !s.current);
      expect((await call(api, 'DELETE', `/api/sessions/${otherSession.id}`, { token: other })).status).toBe(
        404
      );
      expect((await call(api, 'DELETE', `/api/sessions/${otherSession.id}`, { token: a })).status).toBe(204);
      expect((await call(api, 'GET', '/api/me', { token: b })).status).toBe(401);
      expect((await call(api, 'DELETE', `/api/sessions/${current.id}`, { token: a })).status).toBe(204);
      expect((await call(api, 'GET', '/api/me', { token: a })).status).toBe(401);
    });

    it('changes the password and ends the other sessions', async () => {
      const a = await tokenOf('sara@test.example');
      const b = await tokenOf('sara@test.example');
      const wrong = await call(api, 'POST', '/api/me/password', {
        token: a,
        body: { currentPassword: 'not my password', newPassword: 'a brand new password' }
      });
      expect(wrong.status).toBe(403);
      const ok = await call(api, 'POST', '/api/me/password', {
        token: a,
        body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' }
      });
      expect(ok.json).toEqual({ revokedSessions: 1 });
      expect((await call(api, 'GET', '/api/me', { token: a })).status).toBe(200);
      expect((await call(api, 'GET', '/api/me', { token: b })).status).toBe(401);
      expect((await login('sara@test.example', 'a brand new password')).status).toBe(200);
    });

    it('refuses a cookie-authenticated change from another origin', async () => {
      const token = await tokenOf('sara@test.example');
      const res = await call(api, 'POST', '/api/auth/logout', {
        cookie: `fika_session=${token}`,
        headers: { origin: 'https://evil.example' }
      });
      expect(res.status).toBe(403);
      expect((await call(api, 'GET', '/api/me', { token })).status).toBe(200);
    });
  });

  describe('admin', () => {
    it('is forbidden to staff and to the signed-out', async () => {
      const token = await tokenOf('sara@test.example');
      const routes: [string, string, unknown?][] = [
        ['GET', '/api/admin/users'],
        [
          'POST',
          '/api/admin/users',
          { email: 'n@test.example', name: 'N', role: 'admin', password: 'long enough pw' }
        ],
        ['PATCH', '/api/admin/users/sara', { role: 'admin' }],
        ['POST', '/api/admin/users/lina/revoke-sessions'],
        ['GET', '/api/admin/groups'],
        ['POST', '/api/admin/groups', { kind: 'team', name: 'T' }],
        ['DELETE', '/api/admin/groups/logistics'],
        ['PUT', '/api/admin/groups/logistics/members/lina'],
        ['DELETE', '/api/admin/groups/logistics/members/sara'],
        ['GET', '/api/admin/spaces'],
        [
          'POST',
          '/api/admin/spaces',
          { name: 'S', kind: 'news', audience: 'everyone', postingPolicy: 'members' }
        ],
        ['PATCH', '/api/admin/spaces/warehouse', { audience: 'everyone' }]
      ];
      for (const [method, path, body] of routes) {
        const res = await call(api, method, path, { token, body });
        expect([method, path, res.status, res.json]).toEqual([
          method,
          path,
          403,
          { error: 'forbidden', message: expect.any(String) }
        ]);
        expect((await call(api, method, path, { body })).status).toBe(401);
      }
      expect(api.t.org.getUser('sara')?.role).toBe('staff');
      expect(api.t.org.groupsOf('sara')).toHaveLength(1);
    });

    it('manages people: create, duplicate email, deactivate (signs out), last admin', async () => {
      const token = await tokenOf('astrid@test.example');
      const created = await call(api, 'POST', '/api/admin/users', {
        token,
        body: {
          email: 'Oskar@Test.example',
          name: 'Oskar Lund',
          title: 'Truckförare',
          role: 'staff',
          password: 'a long password'
        }
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ email: 'oskar@test.example', role: 'staff', active: true });
      const dup = await call(api, 'POST', '/api/admin/users', {
        token,
        body: { email: 'oskar@test.example', name: 'Other', role: 'staff', password: 'a long password' }
      });
      expect([dup.status, dup.json.error]).toEqual([409, 'email-taken']);

      const saraToken = await tokenOf('sara@test.example');
      const off = await call(api, 'PATCH', '/api/admin/users/sara', { token, body: { active: false } });
      expect(off.json).toMatchObject({ id: 'sara', active: false });
      expect((await call(api, 'GET', '/api/me', { token: saraToken })).status).toBe(401);
      expect(api.t.auth.listSessions('sara')).toEqual([]);

      const self = await call(api, 'PATCH', '/api/admin/users/astrid', { token, body: { role: 'staff' } });
      expect([self.status, self.json.error]).toEqual([409, 'last-admin']);
      expect(
        (await call(api, 'PATCH', '/api/admin/users/nobody', { token, body: { name: 'X' } })).status
      ).toBe(404);
      const list = await call(api, 'GET', '/api/admin/users', { token });
      expect(list.json.users.map((u: { id: string }) => u.id)).toContain(created.json.id);
      expect(JSON.stringify(list.json)).not.toContain('scrypt');
    });

    it('manages groups, memberships and spaces', async () => {
      const token = await tokenOf('astrid@test.example');
      const group = await call(api, 'POST', '/api/admin/groups', {
        token,
        body: { kind: 'location', name: 'Malmö' }
      });
      expect(group.status).toBe(201);
      const again = await call(api, 'POST', '/api/admin/groups', {
        token,
        body: { kind: 'location', name: 'Malmö' }
      });
      expect(again.status).toBe(409);
      expect(
        (await call(api, 'PUT', `/api/admin/groups/${group.json.id}/members/lina`, { token })).status
      ).toBe(204);
      expect(api.t.org.groupsOf('lina').map((g) => g.name)).toEqual(['Malmö']);
      expect(
        (await call(api, 'PUT', `/api/admin/groups/${group.json.id}/members/nobody`, { token })).status
      ).toBe(404);

      const noGroups = await call(api, 'POST', '/api/admin/spaces', {
        token,
        body: { name: 'Malmö office', kind: 'community', audience: 'groups', postingPolicy: 'members' }
      });
      expect([noGroups.status, noGroups.json.error]).toEqual([400, 'invalid-audience']);
      const space = await call(api, 'POST', '/api/admin/spaces', {
        token,
        body: {
          name: 'Malmö office',
          kind: 'community',
          audience: 'groups',
          audienceGroupIds: [group.json.id],
          postingPolicy: 'members',
          kioskVisible: true
        }
      });
      expect(space.status).toBe(201);
      const linaMe = await call(api, 'GET', '/api/me', { token: await tokenOf('lina@test.example') });
      expect(linaMe.json.rooms.map((r: { room: string }) => r.room)).toContain(`space/${space.json.id}`);

      const patched = await call(api, 'PATCH', `/api/admin/spaces/${space.json.id}`, {
        token,
        body: { audience: 'groups', audienceGroupIds: ['missing'] }
      });
      expect(patched.status).toBe(400);
      const renamed = await call(api, 'PATCH', `/api/admin/spaces/${space.json.id}`, {
        token,
        body: { name: 'Malmö' }
      });
      expect(renamed.json).toMatchObject({ name: 'Malmö', audienceGroupIds: [group.json.id] });
      expect((await call(api, 'DELETE', `/api/admin/groups/${group.json.id}`, { token })).status).toBe(204);
      expect((await call(api, 'DELETE', `/api/admin/groups/${group.json.id}`, { token })).status).toBe(404);
      expect((await call(api, 'GET', '/api/admin/spaces', { token })).json.spaces).toHaveLength(3);
    });
  });

  describe('invalid requests', () => {
    it('answer 400 invalid-request with a sentence', async () => {
      const token = await tokenOf('astrid@test.example');
      const bad: [string, string, CallOptions][] = [
        ['POST', '/api/auth/login', { body: { email: 'sara@test.example' } }],
        ['POST', '/api/auth/login', { body: { email: 'sara@test.example', password: 'x', admin: true } }],
        ['POST', '/api/auth/login', { body: { email: 42, password: 'a long password' } }],
        ['POST', '/api/auth/login', { body: { email: 'a@b.c', password: 'x'.repeat(257) } }],
        ['POST', '/api/auth/login', { raw: '{"email": ' }],
        ['POST', '/api/auth/login', { body: ['not', 'an', 'object'] }],
        [
          'POST',
          '/api/admin/users',
          { token, body: { email: 'bad', name: 'N', role: 'staff', password: 'long enough pw' } }
        ],
        [
          'POST',
          '/api/admin/users',
          { token, body: { email: 'n@test.example', name: 'N', role: 'boss', password: 'long enough pw' } }
        ],
        ['PATCH', '/api/admin/users/sara', { token, body: {} }],
        ['PATCH', '/api/admin/users/sara', { token, body: { active: 'false' } }],
        ['PATCH', '/api/admin/users/sara', { token, body: { name: '   ' } }],
        ['PATCH', '/api/admin/users/bad%2Fid', { token, body: { name: 'X' } }],
        ['POST', '/api/admin/groups', { token, body: { kind: 'team', name: 'x'.repeat(121) } }]
      ];
      for (const [method, path, opts] of bad) {
        const res = await call(api, method, path, opts);
        expect([method, path, res.status, res.json?.error]).toEqual([method, path, 400, 'invalid-request']);
        expect(res.json.message).toMatch(/\S/);
      }
    });

    it('answer JSON for unknown endpoints and oversized bodies', async () => {
      const missing = await call(api, 'GET', '/api/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual({ error: 'not-found', message: expect.any(String) });
      const huge = await call(api, 'POST', '/api/auth/login', {
        body: { email: 'a@b.c', password: 'x'.repeat(70 * 1024) }
      });
      expect(huge.status).toBe(413);
      expect(huge.json.error).toBe('too-large');
    });
  });
});
