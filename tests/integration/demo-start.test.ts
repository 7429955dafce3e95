/**
 * `npm run demo` as a newcomer meets it: the server as a child process, signed in to the moment
 * its port answers, as a script that waits for the port and then calls curl would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../sync-server/src/demo';
import { removeDir, tempDataDir } from '../factories';
import { freePort, startServerProcess, type ServerProcess } from '../support/process';

const running: Array<{ server: ServerProcess; dataDir: string }> = [];
afterEach(async () => {
  for (const { server, dataDir } of running.splice(0)) {
    server.child.kill('SIGTERM');
    await server.exited;
    removeDir(dataDir);
  }
});

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the demo server', () => {
  it('answers only once the demo organisation is seeded', { timeout: 60_000 }, async () => {
    const dataDir = tempDataDir();
    // The demo's own data directory is set, so that the test never wipes the checkout's.
    const server = await startServerProcess({
      dataDir,
      port: await freePort(),
      args: ['--demo'],
      env: { FIKA_DEMO_DATA_DIR: dataDir }
    });
    running.push({ server, dataDir });

    // `startServerProcess` returns as soon as /healthz first answers.
    const login = await post(`${server.url}/api/auth/login`, {
      email: 'sara@demo.example',
      password: DEMO_PASSWORD
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { email: string } }).user.email).toBe('sara@demo.example');

    // Nor can anyone take the empty organisation's first-run set-up while the demo is seeded.
    const setup = await post(`${server.url}/api/setup`, {
      organisation: 'Someone else',
      name: 'Mallory',
      email: 'mallory@example.com',
      password: 'a long enough password'
    });
    expect(setup.status).toBe(409);
  });
});
