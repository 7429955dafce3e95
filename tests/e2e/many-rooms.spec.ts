/**
 * A person who reads more rooms than a browser allows WebSockets (Chromium refuses the 256th):
 * 300 documents in a server of the test's own. Every one reaches the library, with no more
 * than the tab's limit of connections open at any time, and a change to one of them arrives.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { setMeta } from '../../src/lib/model/doc-room';
import { MAX_OPEN_ROOMS } from '../../src/lib/sync/room-budget';
import { startOwnServer } from './support';
import { metric } from '../support/metrics';

const DOCUMENTS = 300;
const title = (n: number) => `Riktlinje ${String(n).padStart(3, '0')}`;
const EMAIL = 'ada@test.example';
const PASSWORD = 'a long enough password';

let server: Awaited<ReturnType<typeof startOwnServer>>;
let base = '';
let token = '';
let userId = '';
/** The documents' ids, in the order the server lists them to the person (see docsFor). */
let ids: string[] = [];

async function post<T>(route: string, body: unknown): Promise<T> {
  const res = await fetch(`${base}/api${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Open sync connections on the server; 0 once it has stopped. */
const connections = (): Promise<number> => metric({ url: base }, 'fika_sync_connections').catch(() => 0);

test.beforeAll(async () => {
  server = await startOwnServer({ FIKA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-rooms-')) });
  base = server.base;
  let user: { id: string };
  ({ token, user } = await post<{ token: string; user: { id: string } }>('/setup', {
    organisation: 'Testbolaget AB',
    name: 'Ada Admin',
    email: EMAIL,
    password: PASSWORD
  }));
  userId = user.id;
  const space = await post<{ id: string }>('/admin/spaces', {
    name: 'Riktlinjer',
    description: '',
    kind: 'community',
    audience: 'everyone',
    audienceGroupIds: [],
    postingPolicy: 'members',
    kioskVisible: false
  });
  for (let i = 0; i < DOCUMENTS; i += 20) {
    const made = await Promise.all(
      Array.from({ length: Math.min(20, DOCUMENTS - i) }, (_, j) =>
        post<{ id: string }>(`/spaces/${space.id}/documents`, { title: title(i + j) })
      )
    );
    ids.push(...made.map((d) => d.id));
  }
  ids = ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
});

test.afterAll(() => server?.stop());

test('every one of 300 documents reaches the library, over at most the tab’s limit of connections', async ({
  page
}) => {
  test.setTimeout(120_000);
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      most = Math.max(most, await connections());
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${base}/`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  const titles = page.getByRole('table', { name: 'Documents' }).locator('tbody th[scope="row"] a');
  const all = Array.from({ length: DOCUMENTS }, (_, n) => title(n));
  await expect.poll(async () => (await titles.allTextContents()).sort(), { timeout: 60_000 }).toEqual(all);

  // The last documents the person reads are kept closed: a change to one still arrives, at the
  // next catch-up (every 30 s); one made while the device is offline arrives as soon as it is
  // back online, without waiting for the next.
  const writers = ids.slice(-2).map((id) => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${base.replace('http', 'ws')}/sync`, `doc/${id}`, doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token },
      disableBc: true
    });
    return { doc, provider };
  });
  try {
    await expect.poll(() => writers.every((w) => w.provider.synced)).toBe(true);
    setMeta(writers[1]!.doc, { title: 'Changed elsewhere' }, userId, Date.now());
    await expect(titles.filter({ hasText: 'Changed elsewhere' })).toHaveCount(1, { timeout: 45_000 });

    // Just after a catch-up, so the next is some 30 s away.
    await page.context().setOffline(true);
    setMeta(writers[0]!.doc, { title: 'Changed while offline' }, userId, Date.now());
    await page.waitForTimeout(2000);
    await expect(titles.filter({ hasText: 'Changed while offline' })).toHaveCount(0);
    await page.context().setOffline(false);
    await expect(titles.filter({ hasText: 'Changed while offline' })).toHaveCount(1, { timeout: 10_000 });
  } finally {
    for (const w of writers) w.provider.destroy();
  }

  sampling = false;
  await sampler;
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(MAX_OPEN_ROOMS);
});
