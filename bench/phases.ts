/**
 * The relay phases of the sync benchmark (figures 1, 3 and 6; figure 2 is in saturation.ts), each a function of a running
 * server so that both servers go through exactly the same steps. See docs/benchmarks.md for
 * the method in prose; the constants here are the method in numbers.
 */
import { closeClients, closeSummary, connectClients, openClient, waitSynced, type Client } from './clients';
import { CpuMeter, log, now, sleep } from './proc';
import { runRelay, type RelayResult } from './relay';
import { median } from './stats';
import { metricValue, type Target } from './targets';

export interface Timing {
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  saturationWarmupMs: number;
  saturationMeasureMs: number;
  /** Wait after the last client left before counting rooms in memory. */
  idleWaitMs: number;
  floodMs: number;
  /** Runs of each relay-latency figure (on a fresh server each for figure 1); the median is reported. */
  rounds: number;
}

export const FULL_TIMING: Timing = {
  warmupMs: 2000,
  measureMs: 10_000,
  drainMs: 5000,
  saturationWarmupMs: 1000,
  saturationMeasureMs: 4000,
  idleWaitMs: 30_000,
  floodMs: 10_000,
  rounds: 5
};

export const QUICK_TIMING: Timing = {
  warmupMs: 500,
  measureMs: 2000,
  drainMs: 3000,
  saturationWarmupMs: 500,
  saturationMeasureMs: 1500,
  idleWaitMs: 12_000,
  floodMs: 10_000,
  rounds: 2
};

export const LATENCY_RECEIVERS = 50;
/** Updates per second one sender connection writes in figure 1 (Fika allows 500 per connection). */
const RATE_PER_SENDER = 100;

export interface RunNotes {
  /** Close codes clients saw during the phase (empty when none). */
  closes: string;
  /** Fika only: its group commits during the run, from /metrics (empty for the reference). */
  commits: string;
}

export type RelayRun = RelayResult & RunNotes;

/** Several runs of one relay figure: the median of each figure over the runs, and every run. */
export interface RelayRounds extends RelayRun {
  rounds: RelayRun[];
}

/**
 * Latency percentiles swing from run to run by more than the servers differ (a stall of the
 * shared machine lands in one run and not the next), so every latency figure is the median over
 * `timing.rounds` runs, and the table compares medians.
 */
export function combineRounds(rounds: RelayRun[]): RelayRounds {
  const mid = (f: (r: RelayRun) => number) => median(rounds.map(f));
  return {
    ...rounds[0]!,
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    max: Math.max(...rounds.map((r) => r.max)),
    maxLagMs: mid((r) => r.maxLagMs),
    serverCpu: mid((r) => r.serverCpu),
    clientCpu: mid((r) => r.clientCpu),
    rounds
  };
}

interface CommitCounters {
  count: number;
  seconds: number;
  updates: number;
}

async function commitCounters(target: Target): Promise<CommitCounters | null> {
  const text = await target.metrics();
  const count = metricValue(text, 'fika_sync_commit_seconds_count');
  const seconds = metricValue(text, 'fika_sync_commit_seconds_sum');
  const updates = metricValue(text, 'fika_sync_commit_batch_updates_sum');
  return count === null || seconds === null || updates === null ? null : { count, seconds, updates };
}

/** Runs `run` and describes Fika's commits meanwhile: how many, how long, how many updates each. */
export async function withCommits<T>(target: Target, run: () => Promise<T>): Promise<[T, string]> {
  const before = await commitCounters(target);
  const started = performance.now();
  const result = await run();
  const after = await commitCounters(target);
  if (!before || !after || after.count === before.count) return [result, ''];
  const count = after.count - before.count;
  const seconds = after.seconds - before.seconds;
  const wall = (performance.now() - started) / 1000;
  return [
    result,
    `${count} commits, mean ${((seconds / count) * 1000).toFixed(2)} ms each ` +
      `(${Math.round((seconds / wall) * 100)}% of the run), mean ${((after.updates - before.updates) / count).toFixed(1)} updates each`
  ];
}

/** Figure 1: one room, 50 receivers, `rate` updates/s from ⌈rate/100⌉ senders. */
export async function relayLatency(
  target: Target,
  rate: number,
  timing: Timing
): Promise<RelayResult & RunNotes> {
  const [room] = await target.createRooms(1);
  const receivers = await connectClients(target, Array<string>(LATENCY_RECEIVERS).fill(room!));
  const senderRooms = Array<string>(Math.ceil(rate / RATE_PER_SENDER)).fill(room!);
  const senders = await connectClients(target, senderRooms, { writeOnly: true });
  await sleep(500);
  try {
    const [result, commits] = await withCommits(target, () =>
      runRelay({
        rooms: [{ senders, receivers }],
        ratePerRoom: rate,
        warmupMs: timing.warmupMs,
        measureMs: timing.measureMs,
        drainMs: timing.drainMs,
        cpu: new CpuMeter(target.pid)
      })
    );
    return { ...result, closes: closeSummary([...senders, ...receivers]), commits };
  } finally {
    closeClients([...senders, ...receivers]);
    await sleep(500);
  }
}

export const ROOMS = 100;
export const CLIENTS_PER_ROOM = 5;

/**
 * Connect storms per server: the first on a fresh server, then the servers take turns (ABBA), so
 * that neither always meets the load generator in the same state; the median is reported.
 */
export const CONNECT_ROUNDS = 6;

/** One connect storm: all 500 clients opened at once. */
export interface ConnectRound {
  /** From opening the first connection until the last one synced. */
  all: number;
  /** Percentiles of each client's time from its creation to its first sync. */
  p50: number;
  p99: number;
}

export interface ManyRooms {
  /** Median over the rounds of the time until all 500 synced. */
  connectAllMs: number;
  /** Each round's time until all synced. */
  connectRounds: number[];
  connectP50: number;
  connectP99: number;
  /** Each round's p99 (absent in results saved before it was kept). */
  connectP99Rounds?: number[];
  relay: RelayRounds;
  /** Figure 6: rooms in memory `idleWaitMs` after the last client left, and rooms used so far. */
  roomsAfterIdle: number;
  roomsUsed: number;
}

/** The load generator's own garbage, collected before a storm when node runs with --expose-gc. */
function collectOwnGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function connectStorm(target: Target, names: readonly string[]): Promise<ConnectRound> {
  collectOwnGarbage();
  const start = now();
  const clients = names.flatMap((room) =>
    Array.from({ length: CLIENTS_PER_ROOM }, (_, i) => openClient(target, room, { writeOnly: i === 0 }))
  );
  try {
    await waitSynced(clients, 60_000);
    const times = clients.map((c) => c.syncedMs).sort((a, b) => a - b);
    return {
      all: Math.max(...clients.map((c) => c.createdAt + c.syncedMs)) - start,
      p50: times[Math.ceil(times.length * 0.5) - 1]!,
      p99: times[Math.ceil(times.length * 0.99) - 1]!
    };
  } finally {
    closeClients(clients);
    await sleep(1500);
  }
}

/**
 * Figure 3's connect storms on every server given (each with its `ROOMS` rooms, made by the
 * caller), `CONNECT_ROUNDS` each: 100 rooms × 5 clients all connecting at once, the servers
 * taking turns in the order A B B A A B …, every client leaving after each storm.
 */
export async function connectStorms(
  servers: ReadonlyArray<{ target: Target; names: readonly string[] }>
): Promise<Map<Target, ConnectRound[]>> {
  const rounds = new Map(servers.map((s) => [s.target, [] as ConnectRound[]]));
  for (let i = 0; i < CONNECT_ROUNDS; i++) {
    const turn = i % 2 === 0 ? servers : [...servers].reverse();
    for (const { target, names } of turn) rounds.get(target)!.push(await connectStorm(target, names));
  }
  for (const [target, list] of rounds) {
    log(
      `  ${target.label}: connect rounds (all synced / p99, ms): ` +
        list.map((r) => `${Math.round(r.all)}/${Math.round(r.p99)}`).join(', ')
    );
  }
  return rounds;
}

/**
 * Figure 3's relay part (and figure 6), after the connect storms: 100 rooms with 5 clients each,
 * one client per room writing 1 update/s (100/s in all) and the other four timing it. Then every
 * client leaves and, after `idleWaitMs`, the server is asked how many rooms it still holds.
 */
export async function manyRooms(
  target: Target,
  timing: Timing,
  names: readonly string[],
  storms: readonly ConnectRound[],
  roomsUsedBefore: number
): Promise<ManyRooms> {
  let clients: Client[] = [];
  let relay: RelayRounds;
  try {
    clients = names.flatMap((room) =>
      Array.from({ length: CLIENTS_PER_ROOM }, (_, i) => openClient(target, room, { writeOnly: i === 0 }))
    );
    await waitSynced(clients, 60_000);
    await sleep(1000);
    const rooms = names.map((_, r) => {
      const group = clients.slice(r * CLIENTS_PER_ROOM, (r + 1) * CLIENTS_PER_ROOM);
      return { senders: group.slice(0, 1), receivers: group.slice(1) };
    });
    const runs: RelayRun[] = [];
    for (let run = 0; run < timing.rounds; run++) {
      const [result, commits] = await withCommits(target, () =>
        runRelay({
          rooms,
          ratePerRoom: 1,
          warmupMs: timing.warmupMs,
          measureMs: timing.measureMs,
          drainMs: timing.drainMs,
          cpu: new CpuMeter(target.pid)
        })
      );
      runs.push({ ...result, closes: closeSummary(clients), commits });
    }
    relay = combineRounds(runs);
  } finally {
    closeClients(clients);
  }
  log(`  ${target.label}: all clients left; waiting ${timing.idleWaitMs / 1000} s before counting rooms`);
  await sleep(timing.idleWaitMs);
  return {
    connectAllMs: median(storms.map((r) => r.all)),
    connectP50: median(storms.map((r) => r.p50)),
    connectP99: median(storms.map((r) => r.p99)),
    connectRounds: storms.map((r) => r.all),
    connectP99Rounds: storms.map((r) => r.p99),
    relay,
    roomsAfterIdle: await target.roomsLoaded(),
    roomsUsed: roomsUsedBefore + ROOMS
  };
}

export const fmt = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 10 ? 1 : 0) : '∞');
export const pct = (share: number): string => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : '?');
