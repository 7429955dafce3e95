/**
 * Turns the benchmark's results into the comparison table (printed, and written to
 * docs/benchmarks.md with the date, the machine and the method).
 *
 * Every row says which direction is better, and the advantage column is always "how many times
 * better Fika is" (reference ÷ Fika for lower-is-better figures, Fika ÷ reference otherwise), so
 * that > 1 means Fika wins on every row, whatever the unit.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSection } from './docs-section';
import type { FikaSettings } from './fika-settings';
import { LOADED_ROOMS, PREFILL_ROOMS, ROOM_IDLE_WAIT_MS, type Flood, type MemoryFigures } from './memory';
import type { ManyRooms, RelayRounds, RelayRun } from './phases';
import { fmt, pct } from './phases';
import type { QuotaSaturation, Saturation } from './saturation';
import { SATURATION_RECEIVERS, SATURATION_SENDERS } from './saturation';
import { MiB } from './stats';
import { BENCH_PEOPLE, type TargetKind } from './targets';

export interface ServerResults {
  latency100?: RelayRounds;
  latency500?: RelayRounds;
  saturation?: Saturation;
  /** The same ramp with the server held to a share of its core (absent where no quota could be set). */
  quotaSaturation?: QuotaSaturation;
  rooms?: ManyRooms;
  memory?: MemoryFigures;
  flood?: Flood;
  errors: string[];
}

export type Results = Record<TargetKind, ServerResults>;

type Better = 'lower' | 'higher' | 'yes';

interface Row {
  figure: string;
  better: Better;
  value: (r: ServerResults) => number | boolean | undefined;
  format: (v: number) => string;
  /** True when the value is only a lower bound (the load generator, not the server, was the limit). */
  atLeast?: (r: ServerResults) => boolean;
  /** The relay runs behind a latency figure, to flag it when the load generator itself stalled. */
  run?: (r: ServerResults) => RelayRounds | undefined;
  /** The figure in each round, when it is a median over rounds (see `spreadTie`). */
  perRound?: (r: ServerResults) => number[] | undefined;
  /**
   * Context, not one of the issue's target figures: shown with its ratio but not judged (the
   * baseline holds what the reference does not have at all: API, SQLite, metrics).
   */
  context?: boolean;
  /** Left out of the table when neither server has a value (a phase this machine cannot run). */
  optional?: boolean;
}

/** A send this far behind its schedule means the load generator stalled: its latencies are suspect. */
const STALL_MS = 50;

const ms = (v: number) => `${fmt(v)} ms`;
const mib = (v: number) => `${(v / MiB).toFixed(1)} MiB`;
const kib = (v: number) => `${(v / 1024).toFixed(1)} KiB`;

/**
 * A latency figure where Fika's median is worse but the two servers' rounds overlap (some round
 * of Fika's at least as good as some round of the reference's): the difference is smaller than
 * the run-to-run spread, so the run does not show either server ahead.
 */
function spreadTie(row: Row, results: Results): boolean {
  const f = row.perRound?.(results.fika);
  const r = row.perRound?.(results.reference);
  if (!f?.length || !r?.length) return false;
  return row.better === 'lower' ? Math.min(...f) <= Math.max(...r) : Math.max(...f) >= Math.min(...r);
}

const ROWS: Row[] = [
  {
    figure: '1. Relay latency p50, 100 updates/s (1 room, 50 receivers)',
    better: 'lower',
    value: (r) => r.latency100?.p50,
    format: ms,
    perRound: (r) => r.latency100?.rounds.map((x) => x.p50),
    run: (r) => r.latency100
  },
  {
    figure: '1. Relay latency p99, 100 updates/s (1 room, 50 receivers)',
    better: 'lower',
    value: (r) => r.latency100?.p99,
    format: ms,
    perRound: (r) => r.latency100?.rounds.map((x) => x.p99),
    run: (r) => r.latency100
  },
  {
    figure: '1. Relay latency p50, 500 updates/s (1 room, 50 receivers)',
    better: 'lower',
    value: (r) => r.latency500?.p50,
    format: ms,
    perRound: (r) => r.latency500?.rounds.map((x) => x.p50),
    run: (r) => r.latency500
  },
  {
    figure: '1. Relay latency p99, 500 updates/s (1 room, 50 receivers)',
    better: 'lower',
    value: (r) => r.latency500?.p99,
    format: ms,
    perRound: (r) => r.latency500?.rounds.map((x) => x.p99),
    run: (r) => r.latency500
  },
  {
    figure: `2. Saturation, updates/s (1 room, ${SATURATION_SENDERS} senders, ${SATURATION_RECEIVERS} receivers)`,
    better: 'higher',
    value: (r) => r.saturation?.rate,
    format: (v) => `${Math.round(v)}/s`,
    atLeast: (r) => r.saturation?.generatorBound ?? false
  },
  {
    figure: `2. Saturation at half a core (CPU quota), updates/s`,
    better: 'higher',
    value: (r) => r.quotaSaturation?.rate,
    perRound: (r) => r.quotaSaturation?.rounds.map((s) => s.rate),
    format: (v) => `${Math.round(v)}/s`,
    atLeast: (r) => r.quotaSaturation?.generatorBound ?? false,
    optional: true
  },
  {
    figure: '3. 100 rooms × 5 clients: until all 500 synced',
    better: 'lower',
    value: (r) => r.rooms?.connectAllMs,
    perRound: (r) => r.rooms?.connectRounds,
    format: ms
  },
  {
    figure: '3. 100 rooms × 5 clients: connect p99',
    better: 'lower',
    value: (r) => r.rooms?.connectP99,
    perRound: (r) => r.rooms?.connectP99Rounds,
    format: ms
  },
  {
    figure: '3. 100 rooms × 5 clients: relay p50 (1 update/s per room)',
    better: 'lower',
    value: (r) => r.rooms?.relay.p50,
    format: ms,
    perRound: (r) => r.rooms?.relay.rounds.map((x) => x.p50),
    run: (r) => r.rooms?.relay
  },
  {
    figure: '3. 100 rooms × 5 clients: relay p99 (1 update/s per room)',
    better: 'lower',
    value: (r) => r.rooms?.relay.p99,
    format: ms,
    perRound: (r) => r.rooms?.relay.rounds.map((x) => x.p99),
    run: (r) => r.rooms?.relay
  },
  {
    figure: '4. RSS baseline (no connections; context)',
    better: 'lower',
    context: true,
    value: (r) => r.memory?.baselineBytes,
    format: mib
  },
  {
    figure: '4. RSS per idle connection (1,000 in 10 rooms)',
    better: 'lower',
    value: (r) => r.memory?.perConnectionBytes,
    perRound: (r) => r.memory?.perConnectionSteps,
    format: kib
  },
  {
    figure: `4. RSS per loaded room, idle ${ROOM_IDLE_WAIT_MS / 1000} s (${LOADED_ROOMS.toLocaleString('en')} after the first ${PREFILL_ROOMS.toLocaleString('en')}; 1 client each)`,
    better: 'lower',
    value: (r) => r.memory?.perRoomBytes,
    perRound: (r) => r.memory?.perRoomSteps,
    format: kib
  },
  {
    figure: '4. RSS per loaded room, right after its client wrote (context)',
    better: 'lower',
    context: true,
    value: (r) => r.memory?.perRoomInUseBytes,
    format: kib
  },
  {
    figure: '4. V8 heap per idle connection (context)',
    better: 'lower',
    context: true,
    value: (r) => r.memory?.perConnectionHeapBytes,
    format: kib
  },
  {
    figure: '4. V8 heap per loaded room (context)',
    better: 'lower',
    context: true,
    value: (r) => r.memory?.perRoomHeapBytes,
    format: kib
  },
  {
    figure: '5. Peak RSS, 50 MB flood, 1 client not reading',
    better: 'lower',
    value: (r) => r.flood?.peakBytes,
    format: mib
  },
  {
    figure: '5. RSS growth in the flood (peak − before)',
    better: 'lower',
    value: (r) => (r.flood ? r.flood.peakBytes - r.flood.baselineBytes : undefined),
    format: mib
  },
  {
    figure: '5. Non-reading client disconnected',
    better: 'yes',
    value: (r) => r.flood?.disconnected,
    format: String
  },
  {
    figure: '6. Rooms in memory 30 s after all clients left',
    better: 'lower',
    value: (r) => r.rooms?.roomsAfterIdle,
    format: (v) => String(v)
  }
];

/** Fika's advantage: > 1 when Fika is better, as text; and whether Fika is at least as good. */
function advantage(
  row: Row,
  fika: number | boolean | undefined,
  ref: number | boolean | undefined,
  bounds: [boolean, boolean] = [false, false]
): [string, boolean | null] {
  if (fika === undefined || ref === undefined) return ['n/a', null];
  if ((bounds[0] || bounds[1]) && typeof fika === 'number' && typeof ref === 'number') {
    // Higher is better and a bound is a floor: only some orders are conclusive.
    const ratio = (fika / ref).toFixed(2);
    if (bounds[0] && bounds[1]) return [`${ratio}× (both at the load generator's limit: inconclusive)`, null];
    if (bounds[0])
      return fika >= ref ? [`≥ ${ratio}×`, true] : [`${ratio}× (Fika at the load generator's limit)`, null];
    return fika < ref
      ? [`≤ ${ratio}×`, false]
      : [`${ratio}× (reference at the load generator's limit)`, null];
  }
  if (typeof fika === 'boolean' || typeof ref === 'boolean') {
    const ok = fika === true || fika === ref;
    return [fika === ref ? 'same' : fika ? 'Fika better' : 'Fika worse', ok];
  }
  if (Number.isNaN(fika) || Number.isNaN(ref)) return ['n/a', null];
  const ok = row.better === 'lower' ? fika <= ref : fika >= ref;
  const ratio = row.better === 'lower' ? ref / fika : fika / ref;
  if (fika === ref) return ['1.00×', true];
  if (!Number.isFinite(ratio) || ratio === 0) return [ok ? '∞ (Fika better)' : '0 (Fika worse)', ok];
  return [`${ratio.toFixed(2)}×`, ok];
}

function cell(row: Row, r: ServerResults, atLeast: boolean): string {
  const v = row.value(r);
  if (v === undefined) return 'error';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return (atLeast ? '≥ ' : '') + row.format(v) + (stalled(row, r) ? ' †' : '');
}

function stalled(row: Row, r: ServerResults): boolean {
  return (row.run?.(r)?.maxLagMs ?? 0) > STALL_MS;
}

export interface Table {
  markdown: string;
  /** Figures on which Fika came out worse than the reference. */
  worse: string[];
  /** Figures on which Fika's median was worse but within the rounds' spread (see `spreadTie`). */
  ties: string[];
}

/** Server CPU at the highest saturation step both servers passed: cost per update, free of the generator's limit. */
function saturationCpuRow(results: Results): Row | null {
  const passed = (r: ServerResults) =>
    new Set(r.saturation?.steps.filter((s) => s.pass).map((s) => s.rate) ?? []);
  const theirs = passed(results.reference);
  const common = Math.max(0, ...[...passed(results.fika)].filter((rate) => theirs.has(rate)));
  if (common === 0) return null;
  return {
    figure: `2. Server CPU at ${common} updates/s (highest step both passed)`,
    better: 'lower',
    value: (r) => r.saturation?.steps.find((s) => s.rate === common && s.pass)?.result.serverCpu,
    format: pct
  };
}

export function table(results: Results): Table {
  const cpuRow = saturationCpuRow(results);
  const all = cpuRow ? [...ROWS.slice(0, 6), cpuRow, ...ROWS.slice(6)] : ROWS;
  const rows = all.filter(
    (row) =>
      !row.optional || row.value(results.fika) !== undefined || row.value(results.reference) !== undefined
  );
  const lines = [
    '| Figure | Better | Fika | y-websocket | Fika advantage (> 1: Fika better) | Fika at least as good |',
    '| --- | --- | --- | --- | --- | --- |'
  ];
  const worse: string[] = [];
  const ties: string[] = [];
  let anyStalled = false;
  for (const row of rows) {
    const f = row.value(results.fika);
    const r = row.value(results.reference);
    const bounds: [boolean, boolean] = [
      row.atLeast?.(results.fika) ?? false,
      row.atLeast?.(results.reference) ?? false
    ];
    const [adv, ok] = advantage(row, f, r, bounds);
    let verdict = ok === null ? '?' : ok ? 'yes' : '**no**';
    if (row.context) verdict = 'context';
    else if (ok === false && spreadTie(row, results)) {
      verdict = `tie (within the ${row.figure.startsWith('4.') ? 'steps’' : 'rounds’'} spread)`;
      ties.push(row.figure);
    } else if (ok === false) worse.push(row.figure);
    anyStalled ||= stalled(row, results.fika) || stalled(row, results.reference);
    lines.push(
      `| ${row.figure} | ${row.better} | ${cell(row, results.fika, bounds[0])} | ` +
        `${cell(row, results.reference, bounds[1])} | ${adv} | ${verdict} |`
    );
  }
  if (anyStalled) {
    lines.push(
      '',
      `† The load generator fell more than ${STALL_MS} ms behind its sending schedule during this ` +
        'measurement (a stall on the client side, or a burst of deliveries it had to work through): the ' +
        'figure may include client-side delay; compare with a rerun before drawing conclusions.'
    );
  }
  return { markdown: lines.join('\n'), worse, ties };
}

/** Per-run details that explain the figures: deliveries, CPU, lag, close codes, ramp steps. */
export function details(results: Results): string {
  const out: string[] = [];
  for (const kind of ['fika', 'reference'] as const) {
    const r = results[kind];
    const name = kind === 'fika' ? 'Fika' : 'y-websocket';
    const relay = (label: string, all: RelayRounds | undefined) => {
      all?.rounds.forEach((x: RelayRun, i) => {
        out.push(
          `- ${name}, ${label}, round ${i + 1}: ${x.delivered}/${x.expected} delivered, p50 ${fmt(x.p50)} / p99 ${fmt(x.p99)} / ` +
            `max ${fmt(x.max)} ms, sent ${Math.round(x.achievedRate)}/s of ${x.targetRate}/s (max lag ${fmt(x.maxLagMs)} ms), ` +
            `server CPU ${pct(x.serverCpu)}, load generator CPU ${pct(x.clientCpu)}` +
            (x.closes ? `, closes ${x.closes}` : '') +
            (x.commits ? `; ${x.commits}` : '')
        );
      });
    };
    relay('100 updates/s', r.latency100);
    relay('500 updates/s', r.latency500);
    relay('100 rooms', r.rooms?.relay);
    if (r.rooms) {
      out.push(
        `- ${name}, 100 rooms: all synced after ${r.rooms.connectRounds.map((x) => fmt(x)).join(', ')} ms in the ` +
          `${r.rooms.connectRounds.length} connect rounds; connect p50 ${fmt(r.rooms.connectP50)} ms; ` +
          `${r.rooms.roomsAfterIdle} of ${r.rooms.roomsUsed} rooms used still in memory after the idle wait`
      );
    }
    const ramp = (label: string, sat: Saturation) => {
      const steps = sat.steps.map(
        (s) =>
          `${s.rate}/s ${s.pass ? 'pass' : `fail (${s.why})`} p99 ${fmt(s.result.p99)} ms, server CPU ${pct(s.result.serverCpu)}`
      );
      out.push(`- ${name}, ${label} (stopped by: ${sat.stoppedBy}): ${steps.join('; ')}`);
    };
    if (r.saturation) ramp('saturation ramp', r.saturation);
    r.quotaSaturation?.rounds.forEach((sat, i) =>
      ramp(`saturation ramp at ${pct(r.quotaSaturation!.share)} of a core, round ${i + 1}`, sat)
    );
    if (r.memory?.perConnectionSteps && r.memory.perRoomSteps) {
      const steps = (list: number[]) => list.map((v) => (v / 1024).toFixed(1)).join(', ');
      out.push(
        `- ${name}, memory: RSS per idle connection by step ${steps(r.memory.perConnectionSteps)} KiB; ` +
          `per loaded room by step ${steps(r.memory.perRoomSteps)} KiB idle` +
          (r.memory.perRoomInUseSteps ? `, ${steps(r.memory.perRoomInUseSteps)} KiB in use` : '')
      );
    }
    if (r.flood) {
      out.push(
        `- ${name}, flood: ${(r.flood.sentBytes / 1e6).toFixed(0)} MB sent, RSS ${mib(r.flood.baselineBytes)} before, ` +
          `peak ${mib(r.flood.peakBytes)}; non-reader ${r.flood.detail}`
      );
    }
    for (const e of r.errors) out.push(`- ${name}, error: ${e}`);
  }
  return out.join('\n');
}

export interface Machine {
  /** Fika's settings in this run (see fika-settings.ts). */
  fika: FikaSettings;
  /** Disk probe results before and after the run (see disk.ts). */
  disk: string[];
  /** Which server code was measured: a hash of sync-server/src and its newest file's time. */
  source: string;
  date: string;
  cores: number;
  cpu: string;
  node: string;
  kernel: string;
}

/**
 * The server's source: the sync server's own files and the shared model it bundles (room names,
 * access, the validation rules).
 */
const SERVER_SOURCES = [path.join('sync-server', 'src'), path.join('src', 'lib', 'model')];

/** A short hash of the server's .ts source files, and when the newest of them changed. */
export function sourceFingerprint(dirs: readonly string[] = SERVER_SOURCES): string {
  const label = dirs.join(' + ');
  try {
    const files = dirs
      .flatMap((dir) =>
        fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => path.join(dir, f))
      )
      .sort();
    const hash = createHash('sha256');
    let newest = 0;
    for (const file of files) {
      hash.update(file).update(fs.readFileSync(file));
      newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
    return `${label} ${hash.digest('hex').slice(0, 12)} (${files.length} files, newest changed ${new Date(newest).toISOString()})`;
  } catch {
    return `${label} unreadable`;
  }
}

/** The machine, with the disk probes and the server code's fingerprint taken when the run began. */
export function machine(disk: string[], sourceAtStart: string, fika: FikaSettings): Machine {
  let date = new Date().toUTCString();
  try {
    date = execFileSync('date', ['-u'], { encoding: 'utf8' }).trim();
  } catch {
    // keep the JS date
  }
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (model) cpu = model[1]!.trim();
  } catch {
    // not Linux
  }
  return {
    fika,
    disk,
    source:
      sourceFingerprint() === sourceAtStart ? sourceAtStart : `${sourceAtStart}; CHANGED during the run`,
    date,
    cores: os.cpus().length,
    cpu,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`
  };
}

const method = (
  fika: FikaSettings
) => `Each server runs on CPU core 0 (\`taskset -c 0 node --import tsx …\`), started fresh with an
empty data directory in the system's temp directory, alone on it except for figure 3 (below); the load
generator (\`bench/sync.ts\`, with \`--expose-gc\`) runs on core 1.
Fika runs with its defaults (authentication, validation, per-connection rate limits, every update committed
to SQLite before it is relayed, group commit; in this run: ${fika.summary}); its clients present the session
tokens of ${BENCH_PEOPLE} admins in turn (some 8,000 connections are open at once in figure 4, more than
one person may hold), and its rooms are spaces made through the admin API. The reference is
\`@y/websocket-server\` 0.1.1 wired as in its README (\`bench/reference-server.ts\`: in memory, no auth, no
limits; on the project's \`ws\` 8, as Fika, where the package's own bin would load an older bundled \`ws\`). Both get the same room names and the same clients: the stock \`y-websocket\` \`WebsocketProvider\`
over \`ws\`. Senders drop the updates relayed to them unread (their provider's sync handler skips relayed
updates) so that the single load-generator core goes to receivers; the server sees the same traffic.

- **Latency** (1, 3): senders write \`m.set('s<i>', { t, n })\` on an open-loop schedule, \`t\` being the
  machine-wide clock (\`performance.timeOrigin + performance.now()\`); receivers' map observers record
  \`now − t\`. 2 s warm-up, 10 s measured, up to 5 s to drain; updates that never arrive count as infinitely
  late. The load generator collects its own garbage before every run, so that each starts from the same heap:
  its major collections stall it for 10 ms or more, and without this, Fika's runs (which follow the load
  generator's HTTP calls to Fika: room creation, the metrics read) met more of them in their windows. Every
  latency figure is the median of five rounds: percentiles of one run swing by more than the servers differ. Figure 1: one room, 50 receivers, ⌈rate / 100⌉ sender connections (100 updates/s each,
  under Fika's 500 messages/s per connection); each round on a fresh server, the servers taking turns and
  alternating which goes first. Figure 3, on one more fresh server of each kind, both running: 100 rooms × 5
  clients, all 500 connections opened at once (connect time = until the provider's first \`sync\`, i.e. the
  server's sync step 2 arrived), six times per server, the servers taking turns (A B B A A B …, so that
  neither always meets the load generator in the same state; the load generator collects its own garbage
  before each), the median reported; the server not being measured is idle. The first round on each
  server is its cold start. Then, one server at a time, 500 clients connect again, one client per room
  writes 1 update/s (100/s in all) and the other four receive, five times.
- **Saturation** (2): one room, 10 senders and 10 receivers; the rate starts at 800/s and grows ×1.25 per step
  (1 s warm-up, 4 s measured) up to 4,500/s (10 senders × 450/s), until a step fails; then, if the server and
  not the load generator failed, three steps narrow the limit down, each halfway (geometrically) between the
  last pass and the last failure. A step passes when every update reached every receiver, p99 < 1 s, no
  connection was closed and the generator sent ≥ 95 % of the target. A stock client costs about as much to
  receive an update as the server does to send it, so one load-generator core can run out first: then the
  figure is marked "≥" (a lower bound for the server), and the server CPU at the highest step both passed
  compares the servers' cost per update instead. So the ramp runs again (from 1,250/s) with each server held
  to half of its core by a CPU quota (a control group of its own, \`cpu.cfs_quota_us\` or \`cpu.max\` over a
  10 ms period, counting all of the server's threads), on the same two servers as figure 3, the servers taking
  turns (A B B A); the row is the median of each server's two ramps. Where no control group can be written
  (it usually needs root), that row is left out.
- **Memory** (4, 5): RSS of the server's node process from \`/proc/<pid>/status\` (checked to be node itself, not
  a wrapper), read as the median of 5 readings after a pause and a full garbage collection forced through the
  inspector (the memory servers run with \`--inspect=127.0.0.1:<port>\`), so that uncollected garbage does not
  swing the readings. Figure 4, on a fresh server: a warm-up (200 clients join and write, then leave), the
  baseline with nobody connected at least 25 s after start-up (V8 gives back start-up memory about 10 s in),
  then 1,000 idle clients over 10 rooms in five steps, then 2,000 rooms, each with one client writing a ~1 KB
  document, unmeasured (so that bounded caches, such as SQLite's 2 MiB page cache, have filled), then 5,000 more
  such rooms in five steps of 1,000 (RSS moves in pieces of several megabytes, so a step must hold many rooms
  for its increment to mean much); per-connection and per-room figures are the median step increment divided by the
  step size (V8 still sometimes gives back a few megabytes in the middle of a run; the median leaves that
  step out). A room's figure includes its one connection. The V8 heap rows (context) take the same
  increments of the heap in use, read inside the server at each step: RSS also moves when V8 or the
  allocator takes or returns memory in pieces of several megabytes, so from run to run its per-item
  figures swing by a few KiB where the heap's barely move. Figure 5, on another fresh server of the same
  age: 5 senders write 10 KB updates at 500/s for 10 s (50 MB; 1 MB/s per sender) while one receiver's
  socket is paused right after it synced and one normal receiver reads along; peak RSS is the maximum of
  100 ms samples and of the kernel's peak mark (reset before the flood). Then the paused socket is resumed
  to see whether the server had closed it or kept everything for it.
- **Idle rooms** (6): after figure 3 every client leaves; 30 s later the server's own count of rooms in memory
  (Fika: \`fika_sync_rooms_loaded\` in \`/metrics\`; reference: \`docs.size\` via \`/rooms\`), out of the 100 rooms
  used on that server.`;

const reading = (
  fika: FikaSettings
) => `- The advantage column is always "how many times better Fika is": reference ÷ Fika where lower is better,
  Fika ÷ reference where higher is better. Latency and RSS readings vary from run to run by some tens of
  percent; ratios close to 1 are a tie.
- Fika commits every update to SQLite before it relays it, on its event loop; the reference relays as soon as
  it has applied an update and stores nothing. So Fika's relay latency includes a commit. ${durability(fika)}
  The details list Fika's commits per run (how many, how long, how many updates each), and the machine lines
  the disk's own flush times, measured before and after the run.
- A tie means Fika's median was worse but the rounds overlap: some run of Fika's was at least as good as
  some run of the reference's, so the difference is smaller than what separates two runs of one server. For
  the RSS figures of 4 the steps take the place of rounds: some step's increment of Fika's was at least as
  small as some step's of the reference's.
- The baseline is context, not a target: Fika's holds its HTTP API (Fastify, JSON-schema validation),
  SQLite with its checkpoint worker thread (about 7 MiB of it), and metrics; the reference has none of these.
  What grows with use (per connection, per room, under a flood) is what the targets compare.
- Rooms are measured after 2,000 others are loaded: SQLite's page cache fills towards its bound (2 MiB by
  default) while the first rooms are written. In a probe without that pre-fill and with the cache limited to
  64 KiB, Fika's RSS grew 27.0 MiB over 2,000 rooms against 29.9 MiB with the default cache: measured from an
  empty server, about 1.5 KiB of the per-room figure was that cache, which stops growing at its bound.
- Each step of loaded rooms is read twice: right after its clients wrote, and again after they stayed
  connected and idle for ${ROOM_IDLE_WAIT_MS / 1000} s. The target is the idle figure, the state most rooms of a
  running server are in. In that time Fika lets a small room's unused document leave memory and reads it back
  from storage when it is next used (its connection and presence stay); the reference keeps every document.
  Right after writing, both hold the document, and that figure is shown as context.
- The saturation ramp on a full core is limited by the single load-generator core when the generator is busy
  at the failing step (marked "≥"); the server CPU row then compares the servers' cost per update at the same
  rate. The half-core ramp is there to settle it: with half a core the servers give out at rates the load
  generator still reaches, and the same quota for both keeps the comparison fair. It is a proxy for the
  full-core limit; it assumes neither server's cost per update changes with the rate much differently.
- Server logs of the last run are in \`bench/out/\` (not committed); \`--cpu-prof\` adds the servers' CPU
  profiles there.`;

function durability(fika: FikaSettings): string {
  if (fika.synchronous === 'full') {
    return `With \`synchronous=FULL\` every commit waits for \`fsync\`, so the relay tail follows the disk's
  flush tail (one slow flush holds every room's relays meanwhile); in exchange no client ever sees an update
  that a crash of the machine could take back.`;
  }
  if (fika.synchronous === 'normal') {
    return `With \`synchronous=NORMAL\` a commit (an append to Fika's journal, then SQLite in WAL mode) does not
  wait for the disk: nothing relayed is lost if the server process crashes, but the last commits can be if the
  machine does. \`FIKA_SQLITE_SYNCHRONOUS=full\` waits for \`fsync\` on every commit, and the relay tail then
  follows the disk's flush tail.`;
  }
  return '';
}

/** The run's conclusion in one paragraph. */
export function verdict(t: Table): string {
  const ties =
    t.ties.length === 0
      ? ''
      : ` Within the run-to-run spread (Fika's median worse, but its rounds overlap the reference's): ${t.ties.join('; ')}.`;
  if (t.worse.length === 0)
    return `Fika was at least as good as the reference on every target figure${t.ties.length ? ' but the ties below' : ''}.${ties}`;
  return `Fika was worse than the reference on: ${t.worse.join('; ')}.${ties}`;
}

export async function writeDocs(file: string, results: Results, m: Machine, quick: boolean): Promise<void> {
  const t = table(results);
  const text = `## Sync server (\`npm run bench:sync\`)

\`npm run bench:sync\` measures Fika's sync server against the reference y-websocket server
(\`@y/websocket-server\` 0.1.1) side by side, on the same machine, in one run of about 20 minutes
(\`npm run bench:sync -- --quick\` for a short smoke run, \`-- --fika-env=FIKA_NAME=value\` to run Fika with a
setting other than its default). It is not part of \`npm test\`. The figures below are the latest run; rerun it
to update this page.

### Latest run

- Date: ${m.date}${quick ? ' (quick run: shortened phases)' : ''}
- Machine: ${m.cores} cores, ${m.cpu}, ${m.kernel}
- Node: ${m.node}
- Server code: ${m.source}
- Fika's settings: ${m.fika.summary}
${m.disk.map((d) => `- Disk: ${d}`).join('\n')}

${t.markdown}

${verdict(t)}

#### Details

${details(results)}

### Reading the figures

${reading(m.fika)}

### Method

${method(m.fika)}
`;
  await writeSection(file, 'sync', text);
}
