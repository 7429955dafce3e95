/**
 * `npm run bench:sync`: Fika's sync server against the reference y-websocket server, side by
 * side in one run on this machine. Prints one markdown table to stdout (progress to stderr) and
 * rewrites docs/benchmarks.md with it. Method: docs/benchmarks.md and the modules' headers.
 *
 *   npm run bench:sync                 full run (about 20 minutes)
 *   npm run bench:sync -- --quick      shortened phases, for a smoke run (docs not written)
 *   npm run bench:sync -- --cpu-prof   also write the servers' CPU profiles to bench/out/profiles
 *   npm run bench:sync -- --report-only   rewrite docs/benchmarks.md from the last full run's saved results
 *   npm run bench:sync -- --fika-env=FIKA_SQLITE_SYNCHRONOUS=full   run Fika with a non-default setting
 *
 * Servers run on core 0 and this load generator on core 1: the script re-executes itself under
 * `taskset -c 1` so that neither side steals the other's CPU.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuQuotas, liftAllQuotas } from './cpu-quota';
import { describeDisk, probeDisk } from './disk';
import { fikaSettings } from './fika-settings';
import { flood, memory } from './memory';
import {
  combineRounds,
  connectStorms,
  FULL_TIMING,
  manyRooms,
  pct,
  QUICK_TIMING,
  relayLatency,
  ROOMS,
  type ConnectRound,
  type RelayRun
} from './phases';
import { QUOTA_ROUNDS, QUOTA_SHARE, quotaSaturation, saturation } from './saturation';
import { log } from './proc';
import { details, machine, sourceFingerprint, table, verdict, writeDocs, type Results } from './report';
import { killAllTargets, startTarget, TARGET_LABELS, type Target, type TargetKind } from './targets';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const RESULTS_FILE = path.join('bench', 'out', 'sync-results.json');
const cpuProf = argv.includes('--cpu-prof');
/** `--fika-env=NAME=value`: a Fika setting other than its default, to compare (noted in the report). */
const fikaEnv = Object.fromEntries(
  argv
    .filter((a) => a.startsWith('--fika-env='))
    .map((a) => {
      const [name, ...value] = a.slice('--fika-env='.length).split('=');
      return [name!, value.join('=')];
    })
);
const unknown = argv.filter(
  (a) => !['--quick', '--cpu-prof', '--report-only'].includes(a) && !a.startsWith('--fika-env=')
);
if (unknown.length > 0 || Object.keys(fikaEnv).some((name) => !name.startsWith('FIKA_'))) {
  process.stderr.write(`usage: bench/sync.ts [--quick] [--cpu-prof] [--fika-env=FIKA_NAME=value ...]\n`);
  process.exit(2);
}

const SERVER_CORE = 0;
const CLIENT_CORE = 1;
/** Hard stop, well past the expected 20 minutes, so that a stuck run cannot go on forever. */
const RUN_LIMIT_MS = 30 * 60 * 1000;
const KINDS: TargetKind[] = ['fika', 'reference'];

async function main(): Promise<void> {
  const pinning = os.cpus().length >= 2;
  if (pinning && process.env.FIKA_BENCH_PINNED !== '1') return reexecPinned();
  if (!pinning) log('only one CPU core: servers and load generator share it; figures will be pessimistic');
  process.setMaxListeners(0); // every provider adds an exit listener
  setTimeout(() => {
    log(`run exceeded ${RUN_LIMIT_MS / 60000} minutes; giving up`);
    process.exit(1);
  }, RUN_LIMIT_MS).unref();
  const timing = quick ? QUICK_TIMING : FULL_TIMING;
  const serverCore = pinning ? SERVER_CORE : null;
  const nodeFlags = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join('bench', 'out', 'profiles')}`] : [];
  const results: Results = { fika: { errors: [] }, reference: { errors: [] } };
  const started = Date.now();
  clearOldLogs();
  const source = sourceFingerprint();
  const disk = [`before the run, ${describeDisk(await probeDisk())}`];
  log(disk[0]!);
  const settings = await fikaSettings(fikaEnv);
  log(`Fika's settings: ${settings.summary}`);

  const failed = (kind: TargetKind, name: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    log(`${TARGET_LABELS[kind]}: ${name} failed: ${message}`);
    results[kind].errors.push(`${name}: ${message.split('\n')[0]}`);
  };
  const start = (kind: TargetKind, inspect = false) =>
    startTarget(kind, serverCore, { nodeFlags, inspect, env: kind === 'fika' ? fikaEnv : {} });
  /** Runs `run` on a server (started by `target`), recording a failure instead of throwing. */
  const phase = async (
    kind: TargetKind,
    name: string,
    target: Promise<Target>,
    run: (t: Target) => Promise<void>
  ) => {
    let t: Target | null = null;
    try {
      t = await target;
      await run(t);
    } catch (err) {
      failed(kind, name, err);
    } finally {
      await t?.stop();
    }
  };

  // Figure 1 in rounds, each on a fresh server, the two servers taking turns (and turns about
  // which goes first) so that a slow minute of the machine does not land on one server only.
  const latency: Record<TargetKind, { at100: RelayRun[]; at500: RelayRun[] }> = {
    fika: { at100: [], at500: [] },
    reference: { at100: [], at500: [] }
  };
  for (let round = 1; round <= timing.rounds; round++) {
    for (const kind of round % 2 === 1 ? KINDS : [...KINDS].reverse()) {
      log(`${TARGET_LABELS[kind]}: round ${round} of ${timing.rounds}: 1. latency at 100 and 500 updates/s`);
      await phase(kind, `relay latency round ${round}`, start(kind), async (t) => {
        latency[kind].at100.push(await relayLatency(t, 100, timing));
        latency[kind].at500.push(await relayLatency(t, 500, timing));
      });
    }
  }
  for (const kind of KINDS) {
    const { at100, at500 } = latency[kind];
    if (at100.length > 0) results[kind].latency100 = combineRounds(at100);
    if (at500.length > 0) results[kind].latency500 = combineRounds(at500);
  }
  // Figure 3: both servers run at once so that their connect storms can take turns; the one not
  // being measured sits idle on the server core. Each then runs its relay, idle-room and
  // saturation phases in turn, and both stop at the end.
  log('Both servers: starting for the many-rooms and saturation phases');
  const manyRoomsTargets = new Map<TargetKind, Target>();
  const names = new Map<Target, string[]>();
  let storms = new Map<Target, ConnectRound[]>();
  try {
    const starting = await Promise.allSettled(KINDS.map((kind) => start(kind)));
    starting.forEach((s, i) => {
      if (s.status === 'fulfilled') manyRoomsTargets.set(KINDS[i]!, s.value);
      else failed(KINDS[i]!, 'many rooms and saturation', s.reason);
    });
    for (const t of manyRoomsTargets.values()) names.set(t, await t.createRooms(ROOMS));
    log('Both servers: 3. 100 rooms × 5 clients connecting at once, the servers taking turns');
    storms = await connectStorms([...names].map(([target, list]) => ({ target, names: list })));
  } catch (err) {
    for (const kind of manyRoomsTargets.keys()) failed(kind, '100 rooms connect rounds', err);
  }
  for (const [kind, t] of manyRoomsTargets) {
    const r = results[kind];
    try {
      const rounds = storms.get(t);
      if (!rounds) continue;
      log(`${t.label}: 3. 100 rooms × 5 clients relaying, then 6. idle rooms`);
      r.rooms = await manyRooms(t, timing, names.get(t)!, rounds, 0);
      log(`${t.label}: 2. saturation ramp`);
      r.saturation = await saturation(t, timing);
    } catch (err) {
      failed(kind, 'many rooms and saturation', err);
    }
  }
  // Figure 2 again with each server held to half a core, where the generator's core is no longer
  // the limit; both servers still run, and take turns.
  const quotas = cpuQuotas();
  if (!quotas)
    log(`no writable cgroup for a CPU quota: saturation at ${pct(QUOTA_SHARE)} of a core not measured`);
  else if (manyRoomsTargets.size === KINDS.length) {
    try {
      const ramps = await quotaSaturation(
        [...manyRoomsTargets.values()],
        timing,
        quotas,
        quick ? 1 : QUOTA_ROUNDS
      );
      for (const [kind, t] of manyRoomsTargets) results[kind].quotaSaturation = ramps.get(t);
    } catch (err) {
      for (const kind of manyRoomsTargets.keys()) failed(kind, 'saturation at half a core', err);
    }
  }
  for (const t of manyRoomsTargets.values()) await t.stop();
  for (const kind of KINDS) {
    const r = results[kind];
    log(`${TARGET_LABELS[kind]}: starting two servers for the memory phases`);
    // The flood's server starts now and ages (see memory.ts) while figure 4 runs on the other;
    // an idle server costs nothing, and figure 4 measures memory, not time.
    const floodTarget = start(kind, true);
    floodTarget.catch(() => undefined); // reported by its phase below
    await phase(kind, 'memory', start(kind, true), async (t) => {
      log(`${t.label}: 4. memory`);
      r.memory = await memory(t);
    });
    await phase(kind, 'flood', floodTarget, async (t) => {
      log(`${t.label}: 5. flood with a client that does not read`);
      r.flood = await flood(t, timing.floodMs);
    });
  }

  disk.push(`after the run, ${describeDisk(await probeDisk())}`);
  log(disk[1]!);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const t = table(results);
  const notes = [...disk.map((d) => `Disk ${d}`), `Fika's settings: ${settings.summary}`];
  process.stdout.write(`\n${t.markdown}\n\n${details(results)}\n- ${notes.join('\n- ')}\n\n`);
  process.stdout.write(`${verdict(t)}\n`);
  const m = await machine(disk, source, settings);
  // Kept so that the page can be written again from this run (`--report-only`), e.g. after a
  // change to the report's wording, without measuring again.
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, JSON.stringify({ results, machine: m, quick }, null, 2));
  if (quick)
    log('quick run: shortened phases (idle wait 12 s), not comparable with a full run; docs not written');
  else {
    await writeDocs(path.join('docs', 'benchmarks.md'), results, m, quick);
    log('docs/benchmarks.md written');
  }
  process.exit(0);
}

/** `--report-only`: writes docs/benchmarks.md from the last full run's saved results. */
async function reportOnly(): Promise<void> {
  const saved = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as {
    results: Results;
    machine: Awaited<ReturnType<typeof machine>>;
    quick: boolean;
  };
  if (saved.quick)
    throw new Error('the saved results are from a quick run; docs are only written from a full run');
  await writeDocs(path.join('docs', 'benchmarks.md'), saved.results, saved.machine, false);
  log('docs/benchmarks.md written from the saved results');
}

/** Removes the previous run's server logs from bench/out (see targets.ts), so that none is mistaken for this run's. */
function clearOldLogs(): void {
  const dir = path.join('bench', 'out');
  if (!fs.existsSync(dir)) return;
  for (const file of fs.readdirSync(dir)) if (file.endsWith('.log')) fs.rmSync(path.join(dir, file));
}

/** Runs this script again pinned to the load generator's core, and exits with its status. */
function reexecPinned(): void {
  const script = process.argv[1]!;
  const child = spawn(
    'taskset',
    ['-c', String(CLIENT_CORE), process.execPath, ...process.execArgv, script, ...argv],
    {
      stdio: 'inherit',
      env: { ...process.env, FIKA_BENCH_PINNED: '1' }
    }
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

process.on('exit', () => {
  liftAllQuotas();
  killAllTargets();
});
if (process.env.FIKA_BENCH_PINNED === '1') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping`);
      process.exit(130);
    });
  }
}
(argv.includes('--report-only') ? reportOnly() : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
