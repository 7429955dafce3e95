/**
 * Benchmark clients: the stock y-websocket `WebsocketProvider` over `ws`, as an app would use
 * it, so that both servers are measured with the protocol traffic real clients produce
 * (sync steps, awareness and its 15 s renewals), not with a hand-made minimal client.
 *
 * Every client holds one Y.Doc and writes and reads the map `m`. Connection time is measured
 * from creating the provider to its first `sync` (the server's sync step 2 arrived).
 *
 * One departure from stock, for senders only (`writeOnly`): relayed updates they receive are
 * dropped unread instead of applied. The load generator has a single core, and at high rates
 * applying every relayed update in every sender's doc would make it, not the server, the limit.
 * The protocol seen by the server is unchanged (sync steps and awareness are still handled), and
 * a sender's updates never depend on others' (each writes only its own key).
 */
import type { Socket } from 'node:net';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import { now, sleep } from './proc';
import type { Target } from './targets';

const MESSAGE_SYNC = 0;
const SYNC_UPDATE = 2;

export interface Client {
  readonly room: string;
  readonly doc: Y.Doc;
  readonly map: Y.Map<unknown>;
  readonly provider: WebsocketProvider;
  readonly createdAt: number;
  /** Milliseconds from creation to the first sync; NaN until then. */
  syncedMs: number;
  /** Close codes the client saw (1006 when the connection dropped without a close frame). */
  readonly closes: number[];
}

export interface ClientOptions {
  /** Drop relayed updates instead of applying them (see the header). */
  writeOnly?: boolean;
}

export function openClient(target: Target, room: string, options: ClientOptions = {}): Client {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(target.wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: target.nextParams(),
    disableBc: true
  });
  if (options.writeOnly) {
    const sync = provider.messageHandlers[MESSAGE_SYNC]!;
    provider.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, p, emitSynced, type) => {
      // The sync sub-type is the next byte (a varUint below 128); 2 is a relayed update.
      if (p.synced && decoder.arr[decoder.pos] === SYNC_UPDATE) return;
      sync(encoder, decoder, p, emitSynced, type);
    };
  }
  const client: Client = {
    room,
    doc,
    map: doc.getMap('m'),
    provider,
    createdAt: now(),
    syncedMs: NaN,
    closes: []
  };
  provider.on('sync', (synced: boolean) => {
    if (synced && Number.isNaN(client.syncedMs)) client.syncedMs = now() - client.createdAt;
  });
  provider.on('connection-close', (event: CloseEvent | null) => {
    if (event) client.closes.push(event.code);
  });
  return client;
}

/** Resolves when every client has synced once; rejects after `timeoutMs`. */
export async function waitSynced(clients: readonly Client[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (clients.some((c) => Number.isNaN(c.syncedMs))) {
    if (performance.now() > deadline) {
      const missing = clients.filter((c) => Number.isNaN(c.syncedMs));
      const codes = [...new Set(missing.flatMap((c) => c.closes))];
      throw new Error(
        `${missing.length} of ${clients.length} clients did not sync within ${timeoutMs} ms` +
          (codes.length > 0 ? ` (close codes ${codes.join(', ')})` : '')
      );
    }
    await sleep(20);
  }
}

/** Opens one client per room name, `batch` at a time, each batch waiting until synced. */
export async function connectClients(
  target: Target,
  rooms: readonly string[],
  {
    batch = rooms.length,
    timeoutMs = 30_000,
    ...options
  }: ClientOptions & { batch?: number; timeoutMs?: number } = {}
): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < rooms.length; i += batch) {
    const group = rooms.slice(i, i + batch).map((room) => openClient(target, room, options));
    clients.push(...group);
    await waitSynced(group, timeoutMs);
  }
  return clients;
}

export function closeClients(clients: readonly Client[]): void {
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
}

/** The TCP socket under a client's current WebSocket (ws keeps it as `_socket`). */
export function socketOf(client: Client): Socket | null {
  const ws = client.provider.ws as unknown as { _socket?: Socket } | null;
  return ws?._socket ?? null;
}

/** Close codes seen by any of the clients, with counts, e.g. `4429×3`. */
export function closeSummary(clients: readonly Client[]): string {
  const counts = new Map<number, number>();
  for (const c of clients) for (const code of c.closes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, n]) => `${code}×${n}`).join(', ');
}
