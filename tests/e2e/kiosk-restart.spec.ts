/**
 * A kiosk screen paired by its link survives a server restart and takes a new app version: on a
 * server of the test's own (a fresh data dir, a copy of the build, a port kept across the
 * restart), the screen pairs from `/kiosk?pair=…` by itself, keeps its content with the offline
 * marker while the server is down, shows what is posted after the restart, and reloads into a new
 * version by itself, without anyone touching it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { spaceMonthRoom } from '../../src/lib/model/rooms';
import { addPost } from '../../src/lib/model/space-room';
import { freePort } from '../support/ports';

async function startAt(port: number, root: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/server/index.mjs'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FIKA_DATA_DIR: path.join(root, 'data'),
      FIKA_STATIC_DIR: path.join(root, 'build')
    },
    stdio: 'ignore'
  });
  await expect
    .poll(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false
        ),
      { timeout: 20_000 }
    )
    .toBe(true);
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function api<T>(base: string, route: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}/api${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  });
  expect(response.ok, `${route}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

/** Writes a post into the space's month room with the stock client, and waits until it is stored. */
async function post(port: number, token: string, spaceId: string, authorId: string, text: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(
    `ws://127.0.0.1:${port}/sync`,
    spaceMonthRoom(spaceId, new Date()),
    doc,
    {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token },
      disableBc: true
    }
  );
  try {
    await expect.poll(() => provider.synced, { timeout: 10_000 }).toBe(true);
    addPost(doc, { id: `p${Date.now()}`, authorId, createdAt: Date.now(), text, important: true });
    // The server relays after it has stored; a moment is enough for the write to leave.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

test('a kiosk paired by its link survives a server restart and takes a new app version by itself', async ({
  browser
}) => {
  test.setTimeout(120_000);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-kiosk-'));
  fs.cpSync('build', path.join(root, 'build'), { recursive: true });
  let server = await startAt(port, root);
  try {
    const admin = await api<{ token: string; user: { id: string } }>(base, '/setup', {
      organisation: 'Kiosk AB',
      name: 'Ada Admin',
      email: 'ada@kiosk.example',
      password: 'a long secret phrase'
    });
    const space = await api<{ id: string }>(
      base,
      '/admin/spaces',
      { name: 'News', kind: 'news', audience: 'everyone', postingPolicy: 'editors', kioskVisible: true },
      admin.token
    );
    const { pairing } = await api<{ pairing: { link: string } }>(
      base,
      '/admin/kiosks',
      { name: 'Lobby', spaceIds: [space.id], language: 'en' },
      admin.token
    );
    const before = `Before the restart ${Date.now()}`;
    await post(port, admin.token, space.id, admin.user.id, before);

    const context = await browser.newContext();
    const kiosk = await context.newPage();
    await kiosk.goto(`${base}${pairing.link}`);
    await expect(kiosk.getByTestId('kiosk-display')).toBeVisible();
    // The one-time secret does not stay in the address bar.
    await expect(kiosk).toHaveURL(`${base}/kiosk`);
    await expect(kiosk.getByTestId('kiosk-announcement')).toContainText(before);
    // The service worker controls only pages loaded after it was installed: the screen reloads
    // into it by itself at its next quiet moment, and comes back paired, from what it stored.
    await expect
      .poll(() => kiosk.evaluate(() => navigator.serviceWorker.controller !== null).catch(() => false), {
        timeout: 40_000
      })
      .toBe(true);
    await expect(kiosk.getByTestId('kiosk-announcement')).toContainText(before);

    await stop(server);
    await expect(kiosk.getByTestId('kiosk-offline')).toContainText('Offline since', { timeout: 15_000 });
    await expect(kiosk.getByTestId('kiosk-announcement')).toContainText(before);

    server = await startAt(port, root);
    const after = `After the restart ${Date.now()}`;
    await post(port, admin.token, space.id, admin.user.id, after);
    await expect(kiosk.getByTestId('kiosk-announcement')).toContainText(after, { timeout: 30_000 });
    await expect(kiosk.getByTestId('kiosk-offline')).toHaveCount(0);
    await expect(kiosk.getByTestId('kiosk-display')).toBeVisible();

    // A new version of the app (a changed service worker, as in update.spec.ts): the screen
    // reloads into it by itself between two rotation steps, and is still paired afterwards.
    const sw = path.join(root, 'build', 'sw.js');
    fs.appendFileSync(sw, `\n// next version ${Date.now()}\n`);
    for (const copy of ['sw.js.br', 'sw.js.gz']) fs.rmSync(path.join(root, 'build', copy), { force: true });
    const reloaded = kiosk.waitForEvent('load', { timeout: 40_000 });
    await kiosk.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await reloaded;
    await expect(kiosk.getByTestId('kiosk-display')).toBeVisible();
    await expect(kiosk.getByTestId('kiosk-announcement')).toContainText(after);
    await expect(kiosk.getByText('A new version of Fika is ready.')).toHaveCount(0);
    await context.close();
  } finally {
    await stop(server);
  }
});
