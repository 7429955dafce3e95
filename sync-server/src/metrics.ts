/**
 * Prometheus metrics, served at `GET /metrics`. One registry per server instance, so that
 * several servers in one process (tests) do not mix their figures.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Headers a proxy adds when it forwards a request: with any of them, it did not start here. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/** Whether `address` (as a socket reports it) is this machine. */
function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (net.isIPv4(plain) && plain.startsWith('127.'));
}

/**
 * Who may read `/metrics`. The figures say how busy the organisation is and when; with a token
 * configured (`FIKA_METRICS_TOKEN`) they are for whoever presents it as a bearer token, from
 * anywhere (a Prometheus elsewhere). Without one, only for requests made on this machine straight
 * to Fika's port: a proxy on the same machine also connects from loopback, but it forwards the
 * public's requests, so a request carrying a forwarding header is refused.
 * 'ok', or the status to answer with: 401 (token missing or wrong), 403 (not from here).
 */
export function metricsAccess(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  token: string | null
): 'ok' | 401 | 403 {
  if (token !== null) {
    const given = /^Bearer (\S+)$/i.exec(headers.authorization ?? '')?.[1] ?? '';
    const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
    return crypto.timingSafeEqual(digest(given), digest(token)) ? 'ok' : 401;
  }
  if (!isLoopback(remoteAddress)) return 403;
  return FORWARDED.some((name) => headers[name] !== undefined) ? 403 : 'ok';
}

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'fika_sync_connections',
    help: 'Open sync connections',
    registers: [this.registry]
  });
  readonly roomsLoaded = new Gauge({
    name: 'fika_sync_rooms_loaded',
    help: 'Rooms held in memory',
    registers: [this.registry]
  });
  readonly documentsInMemory = new Gauge({
    name: 'fika_sync_room_documents_in_memory',
    help: 'Loaded rooms whose document is in memory (the others sleep until next used)',
    registers: [this.registry]
  });
  readonly roomWakes = new Counter({
    name: 'fika_sync_room_wakes_total',
    help: 'Sleeping room documents read back from storage',
    registers: [this.registry]
  });
  readonly updatesApplied = new Counter({
    name: 'fika_sync_updates_applied_total',
    help: 'Updates applied, committed and relayed',
    registers: [this.registry]
  });
  readonly updatesRefused = new Counter({
    name: 'fika_sync_updates_refused_total',
    help: 'Updates not applied, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry]
  });
  /**
   * Byte counts change on every message sent to every connection; they are plain numbers on
   * the hot path and copied into the Prometheus counters when scraped.
   */
  bytesReceived = 0;
  bytesSent = 0;
  private bytesReceivedReported = 0;
  private bytesSentReported = 0;
  readonly bytesIn: Counter = new Counter({
    name: 'fika_sync_bytes_received_total',
    help: 'Bytes received on sync connections',
    registers: [this.registry],
    collect: () => {
      this.bytesIn.inc(this.bytesReceived - this.bytesReceivedReported);
      this.bytesReceivedReported = this.bytesReceived;
    }
  });
  readonly bytesOut: Counter = new Counter({
    name: 'fika_sync_bytes_sent_total',
    help: 'Bytes sent on sync connections',
    registers: [this.registry],
    collect: () => {
      this.bytesOut.inc(this.bytesSent - this.bytesSentReported);
      this.bytesSentReported = this.bytesSent;
    }
  });
  readonly closes = new Counter({
    name: 'fika_sync_connections_closed_total',
    help: 'Sync connections closed by the server, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry]
  });
  readonly commitSeconds = new Histogram({
    name: 'fika_sync_commit_seconds',
    help: 'Time to commit one batch of updates to storage',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    registers: [this.registry]
  });
  readonly commitBatch = new Histogram({
    name: 'fika_sync_commit_batch_updates',
    help: 'Updates per committed batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 500],
    registers: [this.registry]
  });
  readonly compactions = new Counter({
    name: 'fika_sync_compactions_total',
    help: 'Rooms whose stored updates were merged into one',
    registers: [this.registry]
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fika_' });
  }
}
