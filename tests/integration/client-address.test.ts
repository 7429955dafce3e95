/**
 * Which address the sign-in and pairing limits count a request from: behind a reverse proxy,
 * the one the proxy saw, never what a client wrote into `X-Forwarded-For` itself; an IPv6
 * client by its /64 network. And a request that never finishes does not hold its connection.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sync-server/src/config';
import { addressKey } from '../../sync-server/src/auth';
import { metricsAccess } from '../../sync-server/src/metrics';
import { testScope } from '../support/scope';
import { sleep, synced, waitFor } from '../support/server';

const scope = testScope();

/** A failed sign-in for a new account each time, so only the per-address limit can answer 429. */
async function failedLogins(url: string, forwardedFor: (i: number) => string | null, count: number) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const header = forwardedFor(i);
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'x-forwarded-for': header } : {}) },
      body: JSON.stringify({ email: `nobody-${i}@test.example`, password: 'wrong password' })
    });
    statuses.push(res.status);
  }
  return statuses;
}

const tenThenRefused = [...Array<number>(10).fill(401), 429];

describe('the client address behind a proxy', () => {
  it('reads the settings: none, one proxy, a number, or the proxies’ addresses', () => {
    const trust = (value: string) => loadConfig({ FIKA_TRUST_PROXY: value }).trustProxy;
    expect(loadConfig({}).trustProxy).toBe(false);
    expect([trust('false'), trust('0'), trust('')]).toEqual([false, false, false]);
    expect([trust('true'), trust('yes'), trust('1'), trust('2')]).toEqual([1, 1, 1, 2]);
    expect(trust('10.0.0.2, 10.1.0.0/16,::1,fd00::/8')).toEqual([
      '10.0.0.2',
      '10.1.0.0/16',
      '::1',
      'fd00::/8'
    ]);
    expect(trust('loopback')).toEqual(['loopback']);
    for (const bad of ['maybe', '11', '10.0.0.300', '10.0.0.0/33', 'proxy.example', '10.0.0.1/8/2']) {
      expect(() => trust(bad), bad).toThrow(ConfigError);
    }
  });

  it('counts failed sign-ins by the address the proxy saw, whatever the client added before it', async () => {
    const s = await scope.server({ trustProxy: 1 });
    // As nginx's $proxy_add_x_forwarded_for builds it: what the client sent, then its address.
    const statuses = await failedLogins(s.url, (i) => `203.0.113.${i}, 198.51.100.7`, 11);
    expect(statuses).toEqual(tenThenRefused);
    // Another client behind the same proxy is not held back.
    expect(await failedLogins(s.url, () => '198.51.100.8', 1)).toEqual([401]);
  });

  it('counts an IPv6 client by its /64, and ignores the header when no proxy is trusted', async () => {
    const behind = await scope.server({ trustProxy: ['127.0.0.1', '::1'] });
    expect(await failedLogins(behind.url, (i) => `2001:db8:7:8:${i.toString(16)}::1`, 11)).toEqual(
      tenThenRefused
    );

    const direct = await scope.server();
    expect(await failedLogins(direct.url, (i) => `203.0.113.${i}`, 11)).toEqual(tenThenRefused);
  });

  it('keys addresses: IPv4 as it is, IPv6 by its network', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('2001:db8:7:8:1:2:3:4')).toBe('2001:db8:7:8::/64');
    expect(addressKey('2001:0db8:0007:0008::1')).toBe('2001:db8:7:8::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::198.51.100.7')).toBe('64:ff9b:0:0::/64');
  });
});

describe('who reads the metrics', () => {
  const token = 'metrics-token-0123456789abcdef';

  it('answers on the server itself, not through a proxy on it, without a token', async () => {
    const s = await scope.server();
    const get = (headers: Record<string, string> = {}) => fetch(`${s.url}/metrics`, { headers });
    const ok = await get();
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('fika_sync_connections');
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9' },
      { 'x-real-ip': '203.0.113.9' }
    ];
    for (const forwarded of proxied) {
      const refused = await get(forwarded);
      expect(refused.status, JSON.stringify(forwarded)).toBe(403);
      expect(await refused.text()).not.toContain('fika_sync');
    }
    // From another machine: the same rule, read with the addresses a socket reports.
    expect(metricsAccess({}, '127.0.0.1', null)).toBe('ok');
    expect(metricsAccess({}, '::ffff:127.0.0.1', null)).toBe('ok');
    expect(metricsAccess({}, '::1', null)).toBe('ok');
    for (const other of ['10.0.0.5', '::ffff:10.0.0.5', '2001:db8::1', '128.0.0.1', undefined]) {
      expect(metricsAccess({}, other, null), String(other)).toBe(403);
    }
  });

  it('asks everyone for the token when one is set', async () => {
    const s = await scope.server({ metricsToken: token });
    const get = (headers: Record<string, string> = {}) => fetch(`${s.url}/metrics`, { headers });
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await get({ authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await get({ authorization: `Basic ${token}` })).status).toBe(401);
    const ok = await get({ authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('fika_sync_connections');
    expect(metricsAccess({ authorization: `Bearer ${token}` }, '10.0.0.5', token)).toBe('ok');

    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ FIKA_METRICS_TOKEN: token }).metricsToken).toBe(token);
    for (const bad of ['short', `${token} with spaces`]) {
      expect(() => loadConfig({ FIKA_METRICS_TOKEN: bad }), bad).toThrow(ConfigError);
    }
  });
});

describe('a request that never finishes', () => {
  it('is answered 408 and its connection closed once the request timeout passes', async () => {
    const s = await scope.server({ requestTimeoutMs: 500 });
    const socket = net.connect(s.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    // Four bytes of a hundred promised, and then nothing.
    socket.write(
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em'
    );
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);

    // A sync connection is no request once upgraded: it stays open past that time.
    const { user, token } = s.addUser('sara');
    const a = scope.client(s, `user/${user.id}`, token);
    const b = scope.client(s, `user/${user.id}`, token);
    await Promise.all([synced(a), synced(b)]);
    await sleep(1500);
    a.doc.getMap('m').set('still', 'here');
    await waitFor(() => b.doc.getMap('m').get('still') === 'here', 3000, 'the change relayed');
    expect([a.provider.wsconnected, b.provider.wsconnected]).toEqual([true, true]);
  });
});
