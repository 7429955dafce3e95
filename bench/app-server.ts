/**
 * The built server (`dist/server/index.mjs`) as the browser benchmarks run it: a child process
 * on a free loopback port, ready once `/healthz` answers.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../tests/support/ports';

export interface AppServer {
  baseURL: string;
  stop(): void;
}

/**
 * Starts the server with its data in `dataDir` (or, with `demo`, the demo organisation seeded
 * there) and waits until it answers; throws if it has not within 20 s.
 */
export async function startAppServer(dataDir: string, opts: { demo?: boolean } = {}): Promise<AppServer> {
  const port = await freePort();
  const server = spawn(process.execPath, ['dist/server/index.mjs', ...(opts.demo ? ['--demo'] : [])], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...(opts.demo ? { FIKA_DEMO_DATA_DIR: dataDir } : { FIKA_DATA_DIR: dataDir })
    },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  const baseURL = `http://127.0.0.1:${port}`;
  const stop = () => void server.kill('SIGTERM');
  for (let i = 0; ; i++) {
    const ok = await fetch(`${baseURL}/healthz`).then(
      (r) => r.ok,
      () => false
    );
    if (ok) return { baseURL, stop };
    if (i > 200 || server.exitCode !== null) {
      stop();
      throw new Error('the server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
