/**
 * Test support: a real Fika server on an ephemeral port with a real SQLite file in a temp dir,
 * and stock y-websocket clients (Node, with `ws` as their WebSocket) connected to it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { createServer, type FikaServer, type ServerOptions } from '../../sync-server/src/server';
import type { Role, User } from '../../sync-server/src/org';
export { metric } from './metrics';

export interface TestServer extends FikaServer {
  readonly wsUrl: string;
  /** Creates a person (and optionally group memberships) and a session; returns both. */
  addUser(name: string, opts?: { role?: Role; groupIds?: string[] }): { user: User; token: string };
  /** Closes the server; the data dir stays for a restart. */
  stop(): Promise<void>;
}

export function tempDataDir(prefix = 'fika-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startServer(opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const server = await createServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...opts, dataDir });
  let n = 0;
  return Object.assign(server, {
    wsUrl: `ws://127.0.0.1:${server.port}/sync`,
    addUser(name: string, o: { role?: Role; groupIds?: string[] } = {}) {
      const user = server.org.createUser({
        email: `${name}-${++n}-${Date.now()}@test.example`,
        name,
        title: '',
        role: o.role ?? 'staff',
        passwordHash: 'not-a-login-account'
      });
      for (const g of o.groupIds ?? []) server.org.addMember(g, user.id);
      const { token } = server.auth.createSession(user.id, 'test');
      return { user, token };
    },
    stop: () => server.close()
  });
}

/** WebSocket that counts how often the stock client opens a connection. */
export function countingWebSocket(): { WS: typeof WebSocket; attempts: () => number } {
  let attempts = 0;
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      attempts++;
    }
  }
  return { WS: CountingWebSocket as unknown as typeof WebSocket, attempts: () => attempts };
}

export interface Client {
  doc: Y.Doc;
  provider: WebsocketProvider;
  closed: Promise<{ code: number; reason: string }>;
  destroy(): void;
}

/** Connects a stock y-websocket client to `room`. */
export function connect(
  server: { wsUrl: string },
  room: string,
  token: string | null,
  opts: {
    doc?: Y.Doc;
    WebSocketPolyfill?: typeof WebSocket;
    connect?: boolean;
    params?: Record<string, string>;
    /** WebSocket subprotocols (`tokenProtocols`, which authenticate without `token`). */
    protocols?: string[];
  } = {}
): Client {
  const doc = opts.doc ?? new Y.Doc();
  const provider = new WebsocketProvider(server.wsUrl, room, doc, {
    WebSocketPolyfill: (opts.WebSocketPolyfill ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    params: { ...(token === null ? {} : { token }), ...opts.params },
    protocols: opts.protocols ?? [],
    disableBc: true,
    connect: opts.connect ?? true,
    maxBackoffTime: 500
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    provider.on('closed', (event) => resolve(event));
  });
  return {
    doc,
    provider,
    closed,
    destroy() {
      provider.destroy();
      doc.destroy();
    }
  };
}

export function synced(client: Client, timeoutMs = 5000): Promise<void> {
  if (client.provider.synced) return Promise.resolve();
  return withTimeout(
    new Promise<void>((resolve) => {
      const onSync = (isSynced: boolean) => {
        if (isSynced) {
          client.provider.off('sync', onSync);
          resolve();
        }
      };
      client.provider.on('sync', onSync);
    }),
    timeoutMs,
    'sync'
  );
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    })
  ]);
}

/**
 * A raw WebSocket to `/sync/<room>` that records every message and the close code, for
 * sending frames the stock client never would.
 */
export interface RawClient {
  ws: WebSocket;
  messages: Uint8Array[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

export function rawConnect(
  server: { wsUrl: string },
  room: string,
  token: string | null,
  headers: Record<string, string> = {},
  query: Record<string, string> = {}
): RawClient {
  const params = new URLSearchParams(query);
  if (token !== null) params.set('token', token);
  const search = params.toString();
  const url = `${server.wsUrl}/${room}${search === '' ? '' : `?${search}`}`;
  const ws = new WebSocket(url, { headers });
  const messages: Uint8Array[] = [];
  ws.on('message', (data) => messages.push(new Uint8Array(data as Buffer)));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return { ws, messages, opened, closed };
}
