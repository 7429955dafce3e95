/**
 * The two servers under test behind one interface, so that every phase of the benchmark runs
 * the same code against both: start (pinned to its core, fresh state), make rooms, count the
 * rooms in memory, stop.
 *
 * Fika is started exactly as in production (`npm start` builds `dist/server/index.mjs` with
 * esbuild and runs it with node) with
 * default settings apart from port, data directory, log level and a loopback-only bind; its
 * rooms are spaces made through the admin API, and clients present the admin's session token.
 * The reference gets the same room names and no token (it has no access control).
 */
import { buildSync } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Inspector } from './inspector';
import { executableOf, freePort, log, sleep, spawnPinned, type PinnedProcess } from './proc';

export type TargetKind = 'fika' | 'reference';

export const TARGET_LABELS: Record<TargetKind, string> = { fika: 'Fika', reference: 'y-websocket' };

export interface Target {
  readonly kind: TargetKind;
  readonly label: string;
  /** The server's node process. */
  readonly pid: number;
  /** `performance.now()` when the process was spawned. */
  readonly startedAt: number;
  /** Base URL for the stock provider (it appends `/<room>`). */
  readonly wsUrl: string;
  /**
   * URL parameters for the next client's provider: for Fika, the session token of one of the
   * benchmark's people, taken in turn (see `BENCH_PEOPLE`).
   */
  nextParams(): Record<string, string>;
  /** Makes `count` new rooms and returns their names (`space/<id>`). */
  createRooms(count: number): Promise<string[]>;
  /** Rooms the server holds in memory. */
  roomsLoaded(): Promise<number>;
  /** Prometheus text from Fika's `/metrics` (empty for the reference). */
  metrics(): Promise<string>;
  /** A full garbage collection in the server (only when started with `inspect`). */
  collectGarbage(): Promise<void>;
  /** V8 heap in use in the server, in bytes (null unless started with `inspect`). */
  heapUsed(): Promise<number | null>;
  stop(): Promise<void>;
}

const root = process.cwd();
/** Spaces made at once through Fika's API. */
const CREATE_CONCURRENCY = 8;
const outDir = path.join(root, 'bench', 'out');
let started = 0;

/** Server processes still running, killed if the benchmark exits early. */
const live = new Map<PinnedProcess, string>();

/** Kills every server still running and removes its data directory (on an early exit). */
export function killAllTargets(): void {
  for (const [proc, dataDir] of live) {
    proc.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  live.clear();
}

export interface StartOptions {
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Open the inspector on loopback, so that the benchmark can force garbage collections. */
  inspect?: boolean;
  /** Extra environment (experiments only; the benchmark runs Fika with its defaults). */
  env?: Record<string, string>;
}

const built = new Map<TargetKind, string>();

/**
 * Both servers run as plain JavaScript bundled by esbuild (Fika's own production build, and the
 * reference wrapper the same way), so that neither pays for a TypeScript loader at run time.
 */
function buildEntry(kind: TargetKind): string {
  const done = built.get(kind);
  if (done) return done;
  const [source, out] =
    kind === 'fika'
      ? ['sync-server/src/index.ts', 'dist/server/index.mjs']
      : ['bench/reference-server.ts', 'bench/out/reference-server.mjs'];
  buildSync({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    outfile: out
  });
  built.set(kind, out);
  return out;
}

export async function startTarget(
  kind: TargetKind,
  core: number | null,
  { nodeFlags = [], inspect = false, env: extraEnv = {} }: StartOptions = {}
): Promise<Target> {
  const port = await freePort();
  const inspectPort = inspect ? await freePort() : 0;
  if (inspect) nodeFlags = [...nodeFlags, `--inspect=127.0.0.1:${inspectPort}`];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `fika-bench-${kind}-`));
  const entry = buildEntry(kind);
  // Fika's settings stay at their defaults (unless `env` says otherwise): none is inherited from the
  // caller's environment.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('FIKA_'))
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    FIKA_DATA_DIR: dataDir,
    ...extraEnv
  };
  const startedAt = performance.now();
  const proc = spawnPinned(core, [...nodeFlags, '--enable-source-maps', entry], env);
  live.set(proc, dataDir);
  const base = `http://127.0.0.1:${port}`;
  const index = ++started;
  const abandon = async (err: unknown): Promise<never> => {
    await proc.stop();
    live.delete(proc);
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  };
  try {
    await waitHealthy(proc, base);
    const exe = executableOf(proc.pid);
    if (!path.basename(exe).startsWith('node')) {
      throw new Error(`pid ${proc.pid} is ${exe}, not node: memory figures would be wrong`);
    }
  } catch (err) {
    return abandon(err);
  }
  let inspector: Inspector | null = null;
  const collectGarbage = async () => {
    if (!inspect) return;
    inspector ??= await Inspector.connect(inspectPort);
    await inspector.collectGarbage();
  };
  const heapUsed = async () => {
    if (!inspect) return null;
    inspector ??= await Inspector.connect(inspectPort);
    return inspector.heapUsed();
  };
  const stop = async () => {
    inspector?.close();
    await proc.stop();
    live.delete(proc);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `${index}-${kind}.log`), proc.output());
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  if (kind === 'reference') {
    let next = 0;
    return {
      kind,
      label: TARGET_LABELS[kind],
      pid: proc.pid,
      startedAt,
      wsUrl: `ws://127.0.0.1:${port}`,
      nextParams: () => ({}),
      async createRooms(count) {
        return Array.from({ length: count }, () => `space/bench-${index}-${next++}`);
      },
      async roomsLoaded() {
        const body = (await getJson(`${base}/rooms`)) as { rooms: number };
        return body.rooms;
      },
      async metrics() {
        return '';
      },
      collectGarbage,
      heapUsed,
      stop
    };
  }

  const token = await bootstrapFika(base).catch(abandon);
  const auth = { authorization: `Bearer ${token}` };
  const tokens = await signInPeople(base, auth).catch(abandon);
  let turn = 0;
  let made = 0;
  return {
    kind,
    label: TARGET_LABELS[kind],
    pid: proc.pid,
    startedAt,
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    nextParams: () => ({ token: tokens[turn++ % tokens.length]! }),
    async createRooms(count) {
      const create = async () => {
        const body = await postJson(`${base}/api/admin/spaces`, auth, {
          name: `Bench space ${++made}`,
          description: '',
          kind: 'community',
          audience: 'everyone',
          audienceGroupIds: [],
          postingPolicy: 'members',
          kioskVisible: false
        });
        return `space/${spaceIdOf(body)}`;
      };
      const names: string[] = [];
      for (let i = 0; i < count; i += CREATE_CONCURRENCY) {
        const batch = Array.from({ length: Math.min(CREATE_CONCURRENCY, count - i) }, create);
        names.push(...(await Promise.all(batch)));
      }
      return names;
    },
    async roomsLoaded() {
      return metricValue(await getText(`${base}/metrics`), 'fika_sync_rooms_loaded') ?? NaN;
    },
    metrics: () => getText(`${base}/metrics`),
    collectGarbage,
    heapUsed,
    stop
  };
}

async function waitHealthy(proc: PinnedProcess, base: string): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`server exited during start-up:\n${proc.output().slice(-4000)}`);
    }
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > 60_000) throw new Error(`server did not start:\n${proc.output().slice(-4000)}`);
    await sleep(100);
  }
}

async function bootstrapFika(base: string): Promise<string> {
  const body = (await postJson(
    `${base}/api/setup`,
    {},
    {
      organisation: 'Bench AB',
      name: 'Bench',
      email: 'bench@example.com',
      password: 'bench-password-123'
    }
  )) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error(`setup returned no token: ${JSON.stringify(body)}`);
  log('Fika: organisation set up');
  return body.token;
}

/** The space id from the create-space response (`{ id }` or `{ space: { id } }`). */
function spaceIdOf(body: unknown): string {
  const b = body as { id?: unknown; space?: { id?: unknown } };
  const id = b.id ?? b.space?.id;
  if (typeof id !== 'string') throw new Error(`create space returned no id: ${JSON.stringify(body)}`);
  return id;
}

/** The value of an unlabelled (or first labelled) sample in Prometheus text. */
export function metricValue(text: string, name: string, labels = ''): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (labels ? rest.startsWith(`{${labels}}`) : rest.startsWith(' ')) {
      return Number(rest.slice(rest.lastIndexOf(' ') + 1));
    }
  }
  return null;
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

async function getJson(url: string): Promise<unknown> {
  return JSON.parse(await getText(url)) as unknown;
}

/**
 * People the benchmark's clients act for, in turn. The memory figures hold some 8,000 connections
 * open at once, more than one person may (`FIKA_MAX_CONNECTIONS_PER_PERSON`, 1,000 by default),
 * and an organisation's connections come from many people anyway. They are admins, as the
 * organisation's first account is, so that every client may write in every room.
 */
export const BENCH_PEOPLE = 16;

/** Adds `BENCH_PEOPLE` admins and signs each in; their session tokens. */
async function signInPeople(base: string, auth: Record<string, string>): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 1; i <= BENCH_PEOPLE; i++) {
    const email = `bench-${i}@example.com`;
    const password = `bench-password-${i}-123`;
    await postJson(`${base}/api/admin/users`, auth, {
      email,
      name: `Bench ${i}`,
      title: '',
      role: 'admin',
      password
    });
    const body = (await postJson(`${base}/api/auth/login`, {}, { email, password })) as { token?: unknown };
    if (typeof body.token !== 'string') throw new Error(`sign-in returned no token: ${JSON.stringify(body)}`);
    tokens.push(body.token);
  }
  log(`Fika: ${BENCH_PEOPLE} people signed in`);
  return tokens;
}

async function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}
