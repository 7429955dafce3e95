/**
 * The server as a child process (`node --import tsx sync-server/src/index.ts`), for tests that
 * kill it (SIGKILL in the middle of a stream, SIGTERM for a graceful stop) or that start it as
 * `npm start` does, to see it refuse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { sleep } from './server';
import { freePort } from './ports';

export { freePort };

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnServer(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/index.ts', ...args], {
    cwd: root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
}

/** Runs the server until it exits by itself (a start that is expected to be refused). */
export async function runServerToExit(
  env: Record<string, string>,
  args: string[] = []
): Promise<{ code: number | null; stderr: string }> {
  const child = spawnServer(args, env);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

export async function startServerProcess(opts: {
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  args?: string[];
}): Promise<ServerProcess> {
  const child = spawnServer(opts.args ?? [], {
    PORT: String(opts.port),
    FIKA_DATA_DIR: opts.dataDir,
    FIKA_STATIC_DIR: path.join(opts.dataDir, 'no-build'),
    ...opts.env
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  const url = `http://127.0.0.1:${opts.port}`;
  const start = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - start > 20_000) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    await sleep(50);
  }
  return { child, url, wsUrl: `ws://127.0.0.1:${opts.port}/sync`, output: () => out, exited };
}
