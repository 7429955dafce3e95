/**
 * The app shell end to end: sign-in, offline reading and writing, a second device, sign-out,
 * first-run set-up and the service worker, on the production build and the real server.
 */
import { chromium, expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumPath } from './browser';
import {
  databases,
  demoEmail,
  DEMO_PASSWORD,
  expectSyncState,
  signIn,
  syncStatus,
  waitForServiceWorker
} from './support';

test('sara signs in, reads offline, writes offline, and her other device sees it', async ({ browser }) => {
  const phone = await browser.newContext();
  const page = await phone.newPage();
  await signIn(page, 'sara');
  const posts = page.getByRole('region', { name: 'Latest posts' }).getByRole('article');
  await expect(posts.first()).toBeVisible();
  await expectSyncState(page, 'synced');
  await waitForServiceWorker(page);
  await expectSyncState(page, 'synced');
  const postCount = await posts.count();
  expect(postCount).toBeGreaterThan(1);

  await phone.setOffline(true);
  await page.reload();
  await expectSyncState(page, 'offline');
  await expect(posts).toHaveCount(postCount);

  const note = `Offline note ${Date.now()}`;
  await page.getByLabel('My note').fill(note);
  await expect(syncStatus(page)).toContainText(/change/i); // "1 change not yet saved"

  const laptop = await browser.newContext();
  const other = await laptop.newPage();
  await signIn(other, 'sara');
  await expectSyncState(other, 'synced');

  await phone.setOffline(false);
  await expectSyncState(page, 'synced');
  await expect(other.getByLabel('My note')).toHaveValue(note, { timeout: 2000 });
  await phone.close();
  await laptop.close();
});

test('an edit made offline after the browser was closed reaches the server later', async ({ browser }) => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-profile-'));
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      args: CHROMIUM_ARGS,
      baseURL: test.info().project.use.baseURL,
      locale: 'en-GB',
      serviceWorkers: 'allow'
    });
  let context = await launch();
  let page = context.pages()[0] ?? (await context.newPage());
  await signIn(page, 'johan');
  await expectSyncState(page, 'synced');
  await waitForServiceWorker(page);
  await context.close();

  // Reopened with no network: the app, its data and editing all work.
  context = await launch();
  await context.setOffline(true);
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto('/');
  await expectSyncState(page, 'offline');
  const note = `Written on the train ${Date.now()}`;
  await page.getByLabel('My note').fill(note);
  await context.close();

  // Reopened online: the change goes to the server by itself.
  context = await launch();
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto('/');
  await expectSyncState(page, 'synced');
  await context.close();

  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, 'johan');
  await expect(other.getByLabel('My note')).toHaveValue(note);
  await elsewhere.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

test('signing out deletes the local data, after a warning about unsaved changes', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'erik');
  // Offline, the next page comes from the service worker: wait until it controls this one.
  await waitForServiceWorker(page);
  await expectSyncState(page, 'synced');
  expect((await databases(page)).some((name) => name.startsWith('fika-'))).toBe(true);
  // Offline, only the service worker can open /settings.
  await waitForServiceWorker(page);
  await expectSyncState(page, 'synced');

  await context.setOffline(true);
  await page.getByLabel('My note').fill(`Not yet saved ${Date.now()}`);
  await page.goto('/settings');
  await page.getByRole('button', { name: 'Sign out' }).click();
  const warning = page.getByRole('dialog');
  await expect(warning).toBeVisible();
  await warning.getByRole('button', { name: 'Sign out anyway' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect.poll(async () => (await databases(page)).filter((n) => n.startsWith('fika-'))).toEqual([]);

  // The server has not heard of it yet: the browser's session cookie still works. Once the
  // network is back, the sign-out reaches the server, and the session ends there too.
  const session = (await context.cookies()).find((c) => c.name === 'fika_session')!;
  const meWith = async () =>
    (await fetch(new URL('/api/me', page.url()), { headers: { cookie: `fika_session=${session.value}` } }))
      .status;
  expect(await meWith()).toBe(200);
  await context.setOffline(false);
  await expect.poll(meWith).toBe(401);
  await context.close();
});

test('someone else signing in where a session ended leaves nothing of the person before', async ({
  browser
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'sara');
  await expectSyncState(page, 'synced');
  const sara = ((await (await page.request.get('/api/me')).json()) as { user: { id: string } }).user.id;
  expect(await databases(page)).toContain(`fika-${sara}`);
  // What else of hers a device holds: a confirmation waiting to be sent, images seen offline.
  await page.evaluate(async (id) => {
    localStorage.setItem(
      `fika.pendingConfirmation.${id}.doc`,
      JSON.stringify({ versionId: 'v', name: 'Policy' })
    );
    await (await caches.open('fika-images')).put('/api/uploads/seen-offline', new Response('image'));
    // And one left from someone before her, by a deletion cut short.
    await new Promise((resolve) => (indexedDB.open('fika-search-someoneBefore0001').onsuccess = resolve));
  }, sara);

  // Her session ends elsewhere (revoked, or expired): this device keeps her data and asks for a
  // sign-in; Johan signs in instead.
  expect((await page.request.post('/api/auth/logout')).status()).toBe(204);
  await page.reload();
  await page.getByRole('link', { name: 'Sign in again' }).click();
  await page.getByLabel('Email').fill(demoEmail('johan'));
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /Johan/, level: 1 })).toBeVisible();
  await expectSyncState(page, 'synced');
  await expect
    .poll(async () =>
      (await databases(page)).filter((name) => name.includes(sara) || name.includes('someoneBefore'))
    )
    .toEqual([]);
  expect(await databases(page)).toContain(
    `fika-${((await (await page.request.get('/api/me')).json()) as { user: { id: string } }).user.id}`
  );
  expect(
    await page.evaluate(
      async (id) => ({
        pending: Object.keys(localStorage).filter((key) => key.includes(id)),
        image: (await (await caches.open('fika-images')).match('/api/uploads/seen-offline')) !== undefined
      }),
      sara
    )
  ).toEqual({ pending: [], image: false });
  await context.close();
});

test('the language follows the browser', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'sv-SE' });
  const page = await context.newPage();
  await page.goto('/signin');
  await expect(page.getByRole('button', { name: 'Logga in' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await context.close();
});

test('a wrong password gets one clear message', async ({ page }) => {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(demoEmail('sara'));
  await page.getByLabel('Password').fill(`${DEMO_PASSWORD}-wrong`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/wrong email or password/i);
  await expect(page).toHaveURL(/\/signin$/);
});

test('is installable: one service worker, a complete manifest with real icons', async ({ page, request }) => {
  await signIn(page, 'sara');
  await waitForServiceWorker(page);
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(1);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = (await (await request.get(href!)).json()) as {
    name: string;
    short_name: string;
    start_url: string;
    display: string;
    theme_color: string;
    background_color: string;
    icons: Array<{ src: string; sizes: string; purpose?: string }>;
  };
  expect(manifest).toMatchObject({ name: 'Fika', short_name: 'Fika', start_url: '/', display: 'standalone' });
  expect(manifest.theme_color).toMatch(/^#/);
  expect(manifest.background_color).toMatch(/^#/);
  const sizes = manifest.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`);
  expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  for (const icon of manifest.icons) {
    const response = await request.get(icon.src);
    expect(response.headers()['content-type']).toBe('image/png');
    const png = await response.body();
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    expect(`${width}x${height}`).toBe(icon.sizes);
  }
});

test('two tabs of one device stay consistent, also offline', async ({ browser }) => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await signIn(first, 'astrid');
  await expectSyncState(first, 'synced');
  const second = await context.newPage();
  await second.goto('/');
  await expectSyncState(second, 'synced');
  await context.setOffline(true);
  const note = `From the first tab ${Date.now()}`;
  await first.getByLabel('My note').fill(note);
  await expect(second.getByLabel('My note')).toHaveValue(note);
  await context.setOffline(false);
  await expectSyncState(first, 'synced');
  await expectSyncState(second, 'synced');
  await context.close();
});

test('keeps a chosen theme across reloads, with nothing refused by the content security policy', async ({
  page
}) => {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) refused.push(message.text());
  });
  await signIn(page, 'sara');
  await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // The boot script applies it before the first paint; a script the policy refused would be logged.
  await page.reload({ waitUntil: 'commit' });
  await page.waitForFunction(() => document.readyState !== 'loading');
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  await expectSyncState(page, 'synced');
  expect(refused).toEqual([]);
});
