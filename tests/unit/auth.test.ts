import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashToken, readCookie, tokenFromRequest, SESSION_COOKIE } from '../../sync-server/src/auth';
import type { User } from '../../sync-server/src/org';
import { TEST_PASSWORD, buildUser, createTestOrg, testPasswordHash, type TestOrg } from '../factories';

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await testPasswordHash();
});

describe('sessions', () => {
  let t: TestOrg;
  let user: User;
  beforeEach(() => {
    t = createTestOrg();
    user = buildUser(t.org, { passwordHash });
  });
  afterEach(() => t.close());

  it('stores only the hash of a 256-bit token', () => {
    const { token, session } = t.auth.createSession(user.id, 'vitest');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = t.db.prepare('SELECT * FROM sessions').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(hashToken(token));
    expect(rows[0]!.id).toBe(session.id);
    expect(JSON.stringify(rows)).not.toContain(token);
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const file of fs.readdirSync(t.dir)) {
      expect(fs.readFileSync(path.join(t.dir, file)).includes(token)).toBe(false);
    }
  });

  it('authenticates a live token and nothing else', () => {
    const { token, session } = t.auth.createSession(user.id, 'vitest');
    expect(t.auth.authenticate(token)).toMatchObject({ user: { id: user.id }, session: { id: session.id } });
    expect(t.auth.isSessionValid(session.id)).toMatchObject({ id: user.id, active: true });
    expect(t.auth.authenticate(token.slice(0, -1))).toBeNull();
    expect(t.auth.authenticate('')).toBeNull();
    expect(t.auth.authenticate('x'.repeat(10_000))).toBeNull();
    expect(t.auth.isSessionValid('unknown')).toBeNull();
  });

  it('expires sessions after the configured ttl', async () => {
    const short = createTestOrg({ sessionTtlMs: 40 });
    try {
      const u = buildUser(short.org);
      const { token, session } = short.auth.createSession(u.id, '');
      expect(short.auth.authenticate(token)).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(short.auth.authenticate(token)).toBeNull();
      expect(short.auth.isSessionValid(session.id)).toBeNull();
      expect(short.auth.listSessions(u.id)).toEqual([]);
    } finally {
      short.close();
    }
  });

  it('revokes one session, or all of a person’s but one, and says so', () => {
    let changes = 0;
    t.events.on('sessions-changed', () => changes++);
    const a = t.auth.createSession(user.id, 'a');
    const b = t.auth.createSession(user.id, 'b');
    const c = t.auth.createSession(user.id, 'c');
    expect(t.auth.listSessions(user.id)).toHaveLength(3);

    const other = buildUser(t.org);
    expect(t.auth.revokeSession(a.session.id, other.id)).toBe(false); // not theirs
    expect(t.auth.revokeSession(a.session.id, user.id)).toBe(true);
    expect(t.auth.revokeSession(a.session.id)).toBe(false); // already revoked
    expect(changes).toBe(1);
    expect(t.auth.authenticate(a.token)).toBeNull();
    expect(t.auth.isSessionValid(a.session.id)).toBeNull();

    expect(t.auth.revokeUserSessions(user.id, b.session.id)).toBe(1);
    expect(changes).toBe(2);
    expect(t.auth.authenticate(b.token)).not.toBeNull();
    expect(t.auth.authenticate(c.token)).toBeNull();
    expect(t.auth.listSessions(user.id).map((s) => s.id)).toEqual([b.session.id]);
  });

  it('ends every session of a deactivated person', () => {
    const { token, session } = t.auth.createSession(user.id, '');
    buildUser(t.org, { role: 'admin' });
    t.org.updateUser(user.id, { active: false });
    expect(t.auth.authenticate(token)).toBeNull();
    expect(t.auth.isSessionValid(session.id)).toBeNull();
  });

  it('reads the token from a Bearer header, else the cookie', () => {
    expect(tokenFromRequest({ authorization: 'Bearer abc_DEF-1' })).toBe('abc_DEF-1');
    expect(tokenFromRequest({ cookie: `theme=dark; ${SESSION_COOKIE}=tok123; x=y` })).toBe('tok123');
    expect(tokenFromRequest({ authorization: 'Bearer hdr', cookie: `${SESSION_COOKIE}=ck` })).toBe('hdr');
    expect(tokenFromRequest({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull();
    expect(tokenFromRequest({})).toBeNull();
    expect(readCookie(`${SESSION_COOKIE}=%E0%A4%A`, SESSION_COOKIE)).toBeNull();
  });
});

describe('login', () => {
  let t: TestOrg;
  let user: User;
  beforeEach(() => {
    t = createTestOrg({ loginWindowMs: 15 * 60_000, loginMaxFailures: 10 });
    user = buildUser(t.org, { email: 'sara@test.example', passwordHash });
  });
  afterEach(() => {
    vi.useRealTimers();
    t.close();
  });

  const fail = (email: string, address: string) => t.auth.login(email, 'wrong password!', address, 'vitest');

  it('signs in with the right password only, same answer for unknown email and inactive person', async () => {
    const ok = await t.auth.login('SARA@test.example', TEST_PASSWORD, '10.0.0.1', 'vitest');
    expect(ok).toMatchObject({ ok: true, user: { id: user.id } });
    if (ok.ok) expect(t.auth.authenticate(ok.token)?.user.id).toBe(user.id);
    expect(await fail('sara@test.example', '10.0.0.1')).toEqual({ ok: false, error: 'invalid-credentials' });
    expect(await t.auth.login('nobody@test.example', TEST_PASSWORD, '10.0.0.1', '')).toEqual({
      ok: false,
      error: 'invalid-credentials'
    });
    buildUser(t.org, { role: 'admin' });
    t.org.updateUser(user.id, { active: false });
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '10.0.0.1', '')).toEqual({
      ok: false,
      error: 'invalid-credentials'
    });
  });

  it('refuses an account after 10 failures, even with the right password, from any address', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => fail('sara@test.example', `10.0.1.${i}`)));
    const refused = await t.auth.login('sara@test.example', TEST_PASSWORD, '10.9.9.9', '');
    expect(refused).toMatchObject({ ok: false, error: 'too-many-attempts' });
    if (!refused.ok && refused.error === 'too-many-attempts') {
      expect(refused.retryAfterSeconds).toBeGreaterThan(14 * 60);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    }
    // Another account is unaffected.
    buildUser(t.org, { email: 'lina@test.example', passwordHash });
    expect(await t.auth.login('lina@test.example', TEST_PASSWORD, '10.9.9.9', '')).toMatchObject({
      ok: true
    });
  });

  it('refuses an address after 10 failures across accounts', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => fail(`guess${i}@test.example`, '192.0.2.7')));
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '192.0.2.7', '')).toMatchObject({
      ok: false,
      error: 'too-many-attempts'
    });
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '192.0.2.8', '')).toMatchObject({
      ok: true
    });
  });

  it('lets a parallel burst through no further than the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, () => fail('sara@test.example', '198.51.100.1'))
    );
    expect(results.filter((r) => !r.ok && r.error === 'invalid-credentials')).toHaveLength(10);
    expect(results.filter((r) => !r.ok && r.error === 'too-many-attempts')).toHaveLength(15);
  });

  it('counts Retry-After from the failures that must age out, and lets in again after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = new Date('2026-11-20T08:00:00Z').getTime();
    vi.setSystemTime(start);
    await Promise.all(Array.from({ length: 5 }, () => fail('sara@test.example', '10.0.0.1')));
    vi.setSystemTime(start + 5 * 60_000);
    await Promise.all(Array.from({ length: 5 }, () => fail('sara@test.example', '10.0.0.2')));
    vi.setSystemTime(start + 6 * 60_000);
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '10.0.0.3', '')).toEqual({
      ok: false,
      error: 'too-many-attempts',
      retryAfterSeconds: 9 * 60 // the first five age out at start + 15 min
    });
    vi.setSystemTime(start + 15 * 60_000 + 1);
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '10.0.0.3', '')).toMatchObject({
      ok: true
    });
  });

  it('forgives an account’s failures after a successful sign-in', async () => {
    await Promise.all(Array.from({ length: 9 }, (_, i) => fail('sara@test.example', `10.0.2.${i}`)));
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '10.0.3.1', '')).toMatchObject({
      ok: true
    });
    await Promise.all(Array.from({ length: 9 }, (_, i) => fail('sara@test.example', `10.0.4.${i}`)));
    expect(await t.auth.login('sara@test.example', TEST_PASSWORD, '10.0.3.1', '')).toMatchObject({
      ok: true
    });
  });

  it('throttles password checks of a signed-in person on their account key', async () => {
    expect(await t.auth.checkPassword(user, TEST_PASSWORD)).toEqual({ ok: true });
    await Promise.all(Array.from({ length: 10 }, () => t.auth.checkPassword(user, 'not it at all')));
    expect(await t.auth.checkPassword(user, TEST_PASSWORD)).toMatchObject({
      ok: false,
      error: 'too-many-attempts'
    });
  });
});
