/**
 * Helpers shared by the end-to-end tests: signing in as a demo person, waiting for the service
 * worker, reading the sync status, looking into the page's IndexedDB.
 */
import { expect, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { freePort } from '../support/ports';

export const DEMO_PASSWORD = 'fika-demo';
export type DemoPerson = 'astrid' | 'erik' | 'sara' | 'johan';
export const demoEmail = (who: DemoPerson) => `${who}@demo.example`;

export async function signIn(page: Page, who: DemoPerson): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(demoEmail(who));
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** Resolves once a service worker is active and controls this page (reloading once if needed). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  const controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null);
  if (!controlled) await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

export function syncStatus(page: Page) {
  return page.getByTestId('sync-status');
}

export async function expectSyncState(page: Page, state: 'offline' | 'connecting' | 'syncing' | 'synced') {
  await expect(syncStatus(page)).toHaveAttribute('data-state', state);
}

/** Names of the IndexedDB databases of this origin. */
export async function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

/**
 * A server of the test's own (beside the demo server Playwright starts): the production build on
 * a free port with `env` (a fresh data dir, another static dir, …). Stop it with `stop()`.
 */
export async function startOwnServer(
  env: Record<string, string>
): Promise<{ base: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server/index.mjs'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore'
  });
  const base = `http://127.0.0.1:${port}`;
  await expect
    .poll(
      () =>
        fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false
        ),
      { timeout: 20_000 }
    )
    .toBe(true);
  return { base, stop: () => child.kill('SIGTERM') };
}
