/**
 * A new version of the app: the open page is told, and reloads into it when the person says so.
 * Runs on a copy of the build served by its own server, so that the copy can change under it.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOwnServer } from './support';

let server: Awaited<ReturnType<typeof startOwnServer>>;
let base = '';
let staticDir = '';

test.beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-update-'));
  staticDir = path.join(root, 'build');
  fs.cpSync('build', staticDir, { recursive: true });
  server = await startOwnServer({ FIKA_DATA_DIR: path.join(root, 'data'), FIKA_STATIC_DIR: staticDir });
  base = server.base;
});

test.afterAll(() => server.stop());

test('offers a new version and reloads into it on request', async ({ page }) => {
  await page.goto(`${base}/`);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const prompt = page.getByText('A new version of Fika is ready.');
  await expect(prompt).toBeHidden();

  // A new build: a different service worker script (its precompressed copies removed, so the
  // server sends the changed file).
  const sw = path.join(staticDir, 'sw.js');
  fs.appendFileSync(sw, `\n// next version ${Date.now()}\n`);
  for (const copy of ['sw.js.br', 'sw.js.gz']) fs.rmSync(path.join(staticDir, copy), { force: true });
  await page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration())?.update();
  });

  await expect(prompt).toBeVisible();
  // The new version takes over, then the page reloads into it.
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload' }).click()]);
  await expect
    .poll(() =>
      page
        .evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          return registration?.waiting === null && registration.active !== null;
        })
        .catch(() => false)
    )
    .toBe(true);
  await expect(prompt).toBeHidden();
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(1);
});
