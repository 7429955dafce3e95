/**
 * Figure 2 of the sync benchmark: the saturation rate into one room, on a full core and, where
 * the machine allows a CPU quota (cpu-quota.ts), with each server held to half a core.
 */
import { closeClients, closeSummary, connectClients } from './clients';
import type { CpuQuotas } from './cpu-quota';
import { fmt, pct, withCommits, type Timing } from './phases';
import { CpuMeter, log, sleep } from './proc';
import { runRelay, type RelayResult } from './relay';
import { median } from './stats';
import type { Target } from './targets';

export const SATURATION_SENDERS = 10;
export const SATURATION_RECEIVERS = 10;
/** Per-sender ceiling, under Fika's default 500 messages/s per connection. */
const SATURATION_MAX_PER_SENDER = 450;
const SATURATION_START = 800;
/** Load generator CPU (share of its core) from which a failed step may be its fault, not the server's. */
const GENERATOR_BUSY = 0.9;
const SATURATION_STEP = 1.25;
/** Steps tried between the last pass and the first failure: ×1.25 narrowed to within about 3 %. */
const SATURATION_BISECTIONS = 3;
export const SATURATION_P99_LIMIT_MS = 1000;

export interface SaturationStep {
  rate: number;
  result: RelayResult;
  closes: string;
  commits: string;
  pass: boolean;
  why: string;
}

export interface Saturation {
  /** Highest rate that passed; 0 when none did. */
  rate: number;
  /** What ended the ramp. */
  stoppedBy: string;
  /**
   * True when the ramp ended at the load generator's limit (its ceiling, or a failure with the
   * generator busy or behind): the server's own limit is then at least `rate`, maybe more.
   */
  generatorBound: boolean;
  steps: SaturationStep[];
}

/**
 * Figure 2: ramps the rate into one room (10 senders, 10 receivers) by ×1.25 from `start`
 * (800/s) until a step fails or the senders' ceiling (4,500/s) passes, then, when the server
 * rather than the load generator failed, narrows the limit down by trying halfway
 * (geometrically) between the last pass and the first failure, three times. A step passes when every update reached every receiver, p99 stayed under 1 s, no
 * connection was closed and the load generator kept up with its schedule (sent ≥ 95 % of the
 * target). The load generator has one core, as the server does, and a stock client costs about
 * as much to receive an update as the server does to send it: when it is busy (≥ 90 %) at the
 * failing step, the figure is marked as a lower bound for the server.
 */
export async function saturation(
  target: Target,
  timing: Timing,
  start = SATURATION_START
): Promise<Saturation> {
  const [room] = await target.createRooms(1);
  const receivers = await connectClients(target, Array<string>(SATURATION_RECEIVERS).fill(room!));
  const senders = await connectClients(target, Array<string>(SATURATION_SENDERS).fill(room!), {
    writeOnly: true
  });
  const all = [...senders, ...receivers];
  const maxRate = SATURATION_SENDERS * SATURATION_MAX_PER_SENDER;
  const steps: SaturationStep[] = [];
  const step = async (rate: number): Promise<SaturationStep> => {
    const before = all.reduce((n, c) => n + c.closes.length, 0);
    const [result, commits] = await withCommits(target, () =>
      runRelay({
        rooms: [{ senders, receivers }],
        ratePerRoom: rate,
        warmupMs: timing.saturationWarmupMs,
        measureMs: timing.saturationMeasureMs,
        drainMs: 3000,
        cpu: new CpuMeter(target.pid)
      })
    );
    const closed = all.reduce((n, c) => n + c.closes.length, 0) - before;
    let why = 'ok';
    if (closed > 0) why = `${closed} connections closed (close codes ${closeSummary(all)})`;
    else if (result.achievedRate < 0.95 * rate)
      why = `load generator sent only ${Math.round(result.achievedRate)}/s`;
    else if (result.delivered < result.expected)
      why = `${result.expected - result.delivered} deliveries missing`;
    else if (!(result.p99 < SATURATION_P99_LIMIT_MS)) why = `p99 ${result.p99.toFixed(0)} ms`;
    const s: SaturationStep = { rate, result, closes: closeSummary(all), commits, pass: why === 'ok', why };
    steps.push(s);
    log(
      `  ${target.label} ${rate}/s: ${s.pass ? 'pass' : 'FAIL'} (${why}; p99 ${fmt(result.p99)} ms, ` +
        `server CPU ${pct(result.serverCpu)}, client CPU ${pct(result.clientCpu)})` +
        (commits ? `; ${commits}` : '')
    );
    if (!s.pass) await sleep(2000); // let the backlog of a failed step clear before the next
    return s;
  };
  try {
    let pass = 0;
    let failure: SaturationStep | null = null;
    for (let rate = start; ; rate = Math.min(maxRate, Math.round(rate * SATURATION_STEP))) {
      const s = await step(rate);
      if (!s.pass) {
        failure = s;
        break;
      }
      pass = rate;
      if (rate === maxRate) break;
    }
    const busy = (x: SaturationStep) =>
      x.result.clientCpu >= GENERATOR_BUSY || x.result.achievedRate < 0.95 * x.rate;
    for (let i = 0; i < SATURATION_BISECTIONS && failure && pass > 0 && !busy(failure); i++) {
      const mid = Math.round(Math.sqrt(pass * failure.rate));
      const s = await step(mid);
      if (s.pass) pass = mid;
      else failure = s;
    }
    if (!failure) {
      return { rate: pass, stoppedBy: `load generator ceiling (${maxRate}/s)`, generatorBound: true, steps };
    }
    const generatorBound = busy(failure);
    const stoppedBy =
      `${failure.why} at ${failure.rate}/s` +
      (generatorBound ? ` with the load generator at ${pct(failure.result.clientCpu)} CPU` : '');
    return { rate: pass, stoppedBy, generatorBound, steps };
  } finally {
    closeClients(all);
    await sleep(500);
  }
}

/** The share of one core each server is held to in the second ramp. */
export const QUOTA_SHARE = 0.5;
/**
 * Ramps per server at half a core, the servers taking turns (A B B A): a half-core ramp passes
 * within one ×1.25 step of its limit, and the median of two rounds keeps one unlucky ramp from
 * deciding the figure.
 */
export const QUOTA_ROUNDS = 2;
/** Every step below this passed on both servers at half a core, with CPU to spare. */
const QUOTA_START = 1250;

export interface QuotaSaturation {
  /** Share of one core the server was allowed. */
  share: number;
  /** How the quota was applied (see cpu-quota.ts). */
  how: string;
  /** Median over the rounds of the highest rate passed. */
  rate: number;
  /** True when any round ended at the load generator's limit (the figure is then a floor). */
  generatorBound: boolean;
  rounds: Saturation[];
}

/**
 * Figure 2 at half a core: each server in turn runs the saturation ramp (from 1,250/s) while a
 * CPU quota holds it to `QUOTA_SHARE` of its core; the quota is lifted between its ramps. Both
 * servers are running throughout, the one not being measured idle.
 */
export async function quotaSaturation(
  targets: readonly Target[],
  timing: Timing,
  quotas: CpuQuotas,
  rounds: number
): Promise<Map<Target, QuotaSaturation>> {
  const ramps = new Map<Target, Saturation[]>(targets.map((t) => [t, []]));
  for (let i = 0; i < rounds; i++) {
    for (const target of i % 2 === 0 ? targets : [...targets].reverse()) {
      log(
        `${target.label}: 2. saturation ramp at ${pct(QUOTA_SHARE)} of a core, round ${i + 1} of ${rounds}`
      );
      const release = quotas.limit(target.pid, QUOTA_SHARE);
      try {
        ramps.get(target)!.push(await saturation(target, timing, QUOTA_START));
      } finally {
        release();
      }
    }
  }
  return new Map(
    [...ramps].map(([target, list]) => [
      target,
      {
        share: QUOTA_SHARE,
        how: quotas.how,
        rate: median(list.map((s) => s.rate)),
        generatorBound: list.some((s) => s.generatorBound),
        rounds: list
      }
    ])
  );
}
