/**
 * The memory phases of the sync benchmark (figures 4 and 5), each on a freshly started server
 * so that earlier phases' garbage and buffers do not count.
 *
 * RSS is read from /proc (see proc.ts). Single readings are noisy (V8 grows its heap in steps
 * and collects lazily), so each level is the median of several readings after a settling pause
 * and a full collection forced through the inspector (see inspector.ts).
 */
import type * as Y from 'yjs';
import { closeClients, closeSummary, connectClients, socketOf, type Client } from './clients';
import { log, peakRssBytes, resetPeakRss, rssBytes, sleep } from './proc';
import { runRelay } from './relay';
import { median, MiB } from './stats';
import { metricValue, type Target } from './targets';

export const IDLE_CONNECTIONS = 1000;
export const IDLE_ROOMS = 10;
export const LOADED_ROOMS = 5000;
/**
 * Rooms loaded (one writing client each) before the measured room steps, so that the servers'
 * bounded caches have filled: SQLite's page cache (2 MiB) fills while the first couple of
 * thousand small rooms are written, and would otherwise be charged to the rooms measured.
 */
export const PREFILL_ROOMS = 2000;
/**
 * How long loaded rooms are left idle before the "idle" reading: longer than Fika's default
 * idle time (10 s) and two of its sweeps (3 s each), after which a small room's document has
 * left memory (rooms.ts); the reference does nothing with idle rooms. A room's connection and
 * its presence stay throughout.
 */
export const ROOM_IDLE_WAIT_MS = 17_000;

export interface MemoryFigures {
  baselineBytes: number;
  perConnectionBytes: number;
  /** Per loaded room once idle for `ROOM_IDLE_WAIT_MS` (in results saved before: right after loading). */
  perRoomBytes: number;
  /** Per loaded room right after its client wrote (context; absent in results saved before). */
  perRoomInUseBytes?: number;
  perRoomInUseSteps?: number[];
  /**
   * The same increments in V8's heap (context): smoother than RSS, which also moves when V8 or
   * the allocator takes or returns memory in large pieces. Absent in results saved before.
   */
  perConnectionHeapBytes?: number;
  perRoomHeapBytes?: number;
  /**
   * Each step's RSS increment per item, the spread behind the medians above (absent in results
   * saved before they were kept).
   */
  perConnectionSteps?: number[];
  perRoomSteps?: number[];
}

interface Reading {
  rss: number;
  /** V8 heap in use, NaN when the server cannot be asked. */
  heap: number;
}

/**
 * RSS once the server is quiet: after a pause, a forced full collection (when available), a median;
 * and the V8 heap then.
 */
async function settled(target: Target): Promise<Reading> {
  await sleep(1500);
  await target.collectGarbage();
  await sleep(500);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rssBytes(target.pid) ?? NaN);
    await sleep(200);
  }
  return { rss: median(readings), heap: (await target.heapUsed()) ?? NaN };
}

/**
 * Figure 4, on a fresh server. First a warm-up: 200 clients join the 10 idle rooms and write in
 * them, then leave; the first connections and documents make V8 compile code and size its heap,
 * and some 10 s after start-up V8 gives back start-up memory, both of which would otherwise be
 * charged to the first step. Baseline: RSS with nobody connected, at least 25 s after start-up.
 * Then idle clients over the 10 rooms in five steps up to 1,000; then `PREFILL_ROOMS` rooms, one
 * client each writing a small document, unmeasured; then 5,000 more such rooms in five steps,
 * each read twice: right after its clients wrote ("in use") and after `ROOM_IDLE_WAIT_MS` with
 * every client still connected ("idle"). A step's rooms are compared with the idle reading
 * before it. Each per-item figure is the median of the five
 * steps' increments divided by the step size: V8 still sometimes gives back a few megabytes in the
 * middle of a run, and the median leaves such a step out where a fitted line would not. A room's
 * figure includes its one connection.
 */
export async function memory(target: Target): Promise<MemoryFigures> {
  const idleRooms = await target.createRooms(IDLE_ROOMS);
  const loadedRooms = await target.createRooms(PREFILL_ROOMS + LOADED_ROOMS);
  const warmup = await connectClients(
    target,
    Array.from({ length: 200 }, (_, i) => idleRooms[i % IDLE_ROOMS]!)
  );
  warmup.slice(0, IDLE_ROOMS).forEach((client, i) => writeSmallDoc(client.doc, client.map, i));
  await sleep(500);
  closeClients(warmup);
  await sleep(Math.max(0, target.startedAt + BASELINE_AGE_MS - performance.now()));
  const base = await settled(target);
  const baseline = base.rss;
  log(`  ${target.label}: baseline RSS ${(baseline / MiB).toFixed(1)} MiB`);

  const clients: Client[] = [];
  try {
    const connPoints: Array<[number, Reading]> = [[0, base]];
    for (let step = 1; step <= STEPS; step++) {
      const names = Array.from({ length: IDLE_CONNECTIONS / STEPS }, (_, i) => idleRooms[i % IDLE_ROOMS]!);
      clients.push(...(await connectClients(target, names, { batch: 100 })));
      connPoints.push([clients.length, await settled(target)]);
    }
    log(`  ${target.label}: idle connections: ${describe(connPoints)}`);

    const loadRooms = async (from: number, to: number) => {
      const owners = await connectClients(target, loadedRooms.slice(from, to), { batch: 100 });
      owners.forEach((client, i) => writeSmallDoc(client.doc, client.map, from + i));
      clients.push(...owners);
    };
    await loadRooms(0, PREFILL_ROOMS);
    await sleep(ROOM_IDLE_WAIT_MS);
    const roomPoints: Array<[number, Reading]> = [[0, await settled(target)]];
    const inUseSteps: number[] = [];
    const perStep = LOADED_ROOMS / STEPS;
    for (let step = 0; step < STEPS; step++) {
      await loadRooms(PREFILL_ROOMS + step * perStep, PREFILL_ROOMS + (step + 1) * perStep);
      const inUse = await settled(target);
      inUseSteps.push((inUse.rss - roomPoints[step]![1].rss) / perStep);
      await sleep(ROOM_IDLE_WAIT_MS);
      roomPoints.push([(step + 1) * perStep, await settled(target)]);
    }
    log(`  ${target.label}: loaded rooms, idle: ${describe(roomPoints)}`);
    log(
      `  ${target.label}: loaded rooms, in use: ${inUseSteps.map((v) => (v / 1024).toFixed(1)).join(', ')} KiB per room`
    );
    return {
      baselineBytes: baseline,
      perConnectionBytes: slope(connPoints, 'rss'),
      perRoomBytes: slope(roomPoints, 'rss'),
      perRoomInUseBytes: median(inUseSteps),
      perRoomInUseSteps: inUseSteps,
      perConnectionHeapBytes: slope(connPoints, 'heap'),
      perRoomHeapBytes: slope(roomPoints, 'heap'),
      perConnectionSteps: increments(connPoints, 'rss'),
      perRoomSteps: increments(roomPoints, 'rss')
    };
  } finally {
    closeClients(clients);
  }
}

const STEPS = 5;
/** Server age before the baseline reading (V8 releases start-up memory some 10 s in). */
const BASELINE_AGE_MS = 25_000;

/** The increments between consecutive points, per unit of x. */
function increments(points: ReadonlyArray<[number, Reading]>, of: keyof Reading): number[] {
  return points.slice(1).map(([x, y], i) => (y[of] - points[i]![1][of]) / (x - points[i]![0]));
}

/** The median of the increments between consecutive points, per unit of x. */
function slope(points: ReadonlyArray<[number, Reading]>, of: keyof Reading): number {
  return median(increments(points, of));
}

function describe(points: ReadonlyArray<[number, Reading]>): string {
  return points
    .map(([n, r]) => `${n}: ${(r.rss / MiB).toFixed(1)} MiB (heap ${(r.heap / MiB).toFixed(1)})`)
    .join(', ');
}

/** About 1 KB of content, shaped like a small space: a title, a text and a few entries. */
function writeSmallDoc(doc: Y.Doc, map: Y.Map<unknown>, i: number): void {
  doc.transact(() => {
    map.set('name', `Bench room ${i}`);
    map.set('description', 'A room used by the memory benchmark. '.repeat(10));
    for (let k = 0; k < 10; k++)
      map.set(`entry-${k}`, { title: `Entry ${k}`, by: 'bench', at: 1_700_000_000 + k });
  });
}

export const FLOOD_SENDERS = 5;
export const FLOOD_UPDATE_BYTES = 10_000;
export const FLOOD_RATE = 500;

export interface Flood {
  /** Bytes of update content sent into the room. */
  sentBytes: number;
  baselineBytes: number;
  peakBytes: number;
  disconnected: boolean;
  detail: string;
  /** RSS samples: [ms since the flood started, bytes]. */
  timeline: Array<[number, number]>;
}

/**
 * Figure 5, on a fresh server at least 25 s old (see figure 4): one receiver stops reading (its
 * socket is paused right after it synced) while five senders write 10 KB updates at 500/s
 * (5 MB/s, 50 MB in 10 s; 100/s and 1 MB/s per sender, within Fika's per-connection limits) and
 * one normal receiver reads along. RSS is sampled every 100 ms
 * during the flood and for 3 s after, and the kernel's peak-RSS mark is reset first and read at
 * the end. Then the paused socket is resumed: the non-reader either sees its connection closed
 * (it was disconnected) or catches up with the normal reader (it was kept, with everything
 * buffered for it).
 */
export async function flood(target: Target, floodMs: number): Promise<Flood> {
  const [room] = await target.createRooms(1);
  const senders = await connectClients(target, Array<string>(FLOOD_SENDERS).fill(room!), { writeOnly: true });
  const [reader, stalled] = (await connectClients(target, [room!, room!])) as [Client, Client];
  await sleep(500);
  const socket = socketOf(stalled);
  if (!socket) throw new Error('the non-reading client has no socket');
  socket.pause();

  await sleep(Math.max(0, target.startedAt + BASELINE_AGE_MS - performance.now()));
  const baseline = (await settled(target)).rss;
  const hwmReset = resetPeakRss(target.pid);
  let peak = baseline;
  const floodStart = performance.now();
  const timeline: Array<[number, number]> = [];
  const sample = () => {
    const rss = rssBytes(target.pid);
    if (rss !== null && rss > peak) peak = rss;
    if (rss !== null) timeline.push([Math.round(performance.now() - floodStart), rss]);
  };
  const padding = 'x'.repeat(FLOOD_UPDATE_BYTES);
  const result = await runRelay({
    rooms: [{ senders, receivers: [reader] }],
    ratePerRoom: FLOOD_RATE,
    warmupMs: 0,
    measureMs: floodMs,
    drainMs: 5000,
    padding,
    onTick: sample
  });
  for (let i = 0; i < 30; i++) {
    sample();
    await sleep(100);
  }
  if (hwmReset) peak = Math.max(peak, peakRssBytes(target.pid) ?? 0);
  const sentBytes = result.sent * FLOOD_UPDATE_BYTES;
  log(
    `  ${target.label}: flood sent ${(sentBytes / 1e6).toFixed(0)} MB, reader got ` +
      `${result.delivered}/${result.expected}, peak RSS ${(peak / MiB).toFixed(0)} MiB`
  );

  // Let the non-reader read again: closed, or catching up with the reader?
  socket.resume();
  const caughtUp = () =>
    [...reader.map.keys()].every(
      (key) =>
        (stalled.map.get(key) as { n?: number } | undefined)?.n === (reader.map.get(key) as { n: number }).n
    );
  const deadline = performance.now() + 30_000;
  while (stalled.closes.length === 0 && !caughtUp() && performance.now() < deadline) await sleep(50);
  const disconnected = stalled.closes.length > 0;
  const slowCloses = metricValue(await target.metrics(), 'fika_sync_connections_closed_total', 'code="4408"');
  let detail: string;
  if (disconnected) {
    detail =
      `closed with code ${stalled.closes[0]}` +
      (slowCloses ? ` (server: ${slowCloses} slow-client close)` : '');
  } else if (caughtUp()) detail = 'kept; caught up after resuming';
  else detail = 'kept; still behind 30 s after resuming';
  const others = closeSummary([...senders, reader]);
  if (others) detail += `; other clients closed: ${others}`;
  closeClients([...senders, reader, stalled]);
  return { sentBytes, baselineBytes: baseline, peakBytes: peak, disconnected, detail, timeline };
}
