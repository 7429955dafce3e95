/**
 * What a test starts and must stop: servers, clients, databases, engines. `testScope()` registers
 * one `afterEach` that undoes everything deferred during the test, newest first (`deferLast`
 * for what must outlive the rest, e.g. clients that would otherwise reconnect to a stopped server).
 */
import { afterEach } from 'vitest';
import { connect, startServer, type Client, type TestServer } from './server';

export interface TestScope {
  /** Runs `cleanup` after the test, before whatever was deferred earlier. */
  defer(cleanup: () => unknown): void;
  /** Runs `cleanup` after the test, after everything else. */
  deferLast(cleanup: () => unknown): void;
  /** The real server on an ephemeral port with a temp data dir, stopped after the test. */
  server(opts?: Parameters<typeof startServer>[0]): Promise<TestServer>;
  /** A stock y-websocket client, destroyed after the test (after the servers). */
  client(...args: Parameters<typeof connect>): Client;
}

export function testScope(): TestScope {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    defer: (cleanup) => void cleanups.push(cleanup),
    deferLast: (cleanup) => void cleanups.unshift(cleanup),
    async server(opts = {}) {
      const s = await startServer(opts);
      cleanups.push(() => s.stop());
      return s;
    },
    client(...args) {
      const c = connect(...args);
      cleanups.unshift(() => c.destroy());
      return c;
    }
  };
}
