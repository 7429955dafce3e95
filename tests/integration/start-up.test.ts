/**
 * Starting the server as people do: `npm run demo` signed in to the moment its port answers, a
 * second server started on a data directory already in use, a port already taken, and a
 * database Fika cannot use. The server runs as a child process, as `npm start` runs it, except
 * where a case says it runs in the test's process.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError } from '../../sync-server/src/data-lock';
import { DATABASE_FILE, DatabaseError, openDatabase } from '../../sync-server/src/db';
import { DEMO_PASSWORD } from '../../sync-server/src/demo';
import { removeDir, tempDataDir } from '../factories';
import { freePort, runServerToExit, startServerProcess, type ServerProcess } from '../support/process';
import { startServer } from '../support/server';

const running: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  for (const dir of dirs.splice(0)) removeDir(dir);
});

function dataDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const signInAsSara = (url: string) =>
  post(`${url}/api/auth/login`, { email: 'sara@demo.example', password: DEMO_PASSWORD });

/** Starts the demo on `dir`: its own data directory is set, so a test never wipes the checkout's. */
async function startDemo(dir: string): Promise<ServerProcess> {
  const server = await startServerProcess({
    dataDir: dir,
    port: await freePort(),
    args: ['--demo'],
    env: { FIKA_DEMO_DATA_DIR: dir }
  });
  running.push(server);
  return server;
}

describe('the demo server', () => {
  it('answers only once the demo organisation is seeded', { timeout: 60_000 }, async () => {
    // `startServerProcess` returns as soon as /healthz first answers.
    const server = await startDemo(dataDir());

    const login = await signInAsSara(server.url);
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

describe('one server per data directory', () => {
  it(
    'refuses a second demo on the directory of a running one, leaving its data alone',
    { timeout: 60_000 },
    async () => {
      const dir = dataDir();
      const first = await startDemo(dir);
      const database = path.join(dir, DATABASE_FILE);
      const before = fs.statSync(database).ino;

      // Another port, the same directory: without the lock it would wipe the directory first.
      const second = await runServerToExit({ PORT: String(await freePort()), FIKA_DEMO_DATA_DIR: dir }, [
        '--demo'
      ]);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(
        `Fika cannot start: another Fika server is using the data directory ${dir}.`
      );
      expect(second.stderr.trim().split('\n')).toHaveLength(1);

      expect(fs.statSync(database).ino).toBe(before);
      expect((await signInAsSara(first.url)).status).toBe(200);
    }
  );

  it('takes the directory back once the server holding it was killed', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const first = await startServerProcess({ dataDir: dir, port: await freePort() });
    first.child.kill('SIGKILL');
    await first.exited;
    const again = await startServerProcess({ dataDir: dir, port: await freePort() });
    running.push(again);
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200);
  });

  it('refuses a second server in the same process, and lets the next one in once the first closed', async () => {
    const dir = dataDir();
    const first = await startServer({ dataDir: dir });
    try {
      await expect(startServer({ dataDir: dir })).rejects.toBeInstanceOf(DataDirInUseError);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const next = await startServer({ dataDir: dir });
    await next.stop();
  });
});

describe('a port already taken', () => {
  it('is said in one line, and lets go of the data directory', { timeout: 60_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const dir = dataDir();
    try {
      const run = await runServerToExit({ PORT: String(port), FIKA_DATA_DIR: dir });
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(
        `Fika cannot start: port ${port} is already in use. Set PORT to a free port.`
      );

      // In one process: the server that could not listen let go of its database and directory.
      await expect(startServer({ dataDir: dir, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const next = await startServer({ dataDir: dir });
      await next.stop();
    } finally {
      holder.close();
    }
  });
});

describe('a database Fika cannot use', () => {
  it('written by a newer Fika: said in one line, and left as it was', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const db = openDatabase(dir);
    const version = (db.pragma('user_version', { simple: true }) as number) + 1;
    db.pragma(`user_version = ${version}`);
    db.close();
    const file = path.join(dir, DATABASE_FILE);
    const before = fs.readFileSync(file);

    const run = await runServerToExit({ PORT: String(await freePort()), FIKA_DATA_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `Fika cannot start: the database ${file} is schema version ${version}, ` +
        `newer than this Fika (${version - 1}). Upgrade Fika.`
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('not a database at all: said in one line, and left as it was', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    const file = path.join(dir, DATABASE_FILE);
    const text = 'Notes from the meeting, saved here by mistake. '.repeat(20);
    fs.writeFileSync(file, text);

    const run = await runServerToExit({ PORT: String(await freePort()), FIKA_DATA_DIR: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `Fika cannot start: ${file} is not a database Fika can read (file is not a database). ` +
        'Restore the data directory from a backup, or give Fika another one (FIKA_DATA_DIR).'
    );
    expect(fs.readFileSync(file, 'utf8')).toBe(text);

    // In one process: the server that could not open it let go of the file and the directory.
    await expect(startServer({ dataDir: dir })).rejects.toBeInstanceOf(DatabaseError);
    fs.rmSync(file);
    const next = await startServer({ dataDir: dir });
    await next.stop();
  });
});
