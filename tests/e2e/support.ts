/**
 * Helpers shared by the end-to-end tests: signing in as a demo person, waiting for the service
 * worker, reading the sync status, looking into the page's IndexedDB.
 */
import { expect, type Locator, type Page } from '@playwright/test';
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

/**
 * Puts the caret at the end of a document editor and waits until the editor itself has it there.
 * The browser moves the caret on Control+End at once, but the editor learns of it only from a
 * later `selectionchange` event, which Chromium may deliver after the next key: typed at once,
 * that key would land where the caret was before.
 */
export async function caretAtEnd(editor: Locator): Promise<void> {
  await editor.focus();
  await editor.page().keyboard.press('Control+End');
  await expect
    .poll(() =>
      editor.evaluate((element) => {
        type View = { state: { selection: { empty: boolean; to: number }; doc: Doc } };
        type Doc = {
          content: { size: number };
          textBetween(from: number, to: number, block: string, leaf: string): string;
        };
        const { state } = (element as unknown as { editor: View }).editor;
        const { selection, doc } = state;
        return selection.empty && doc.textBetween(selection.to, doc.content.size, '\n', '\ufffc') === '';
      })
    )
    .toBe(true);
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
 * a free port with `env` (a fresh data dir, another static dir, …) and `args` (`--demo`). Stop it
 * with `stop()`.
 */
export async function startOwnServer(
  env: Record<string, string>,
  args: string[] = []
): Promise<{ base: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server/index.mjs', ...args], {
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

/** Whether `needle` occurs anywhere in the IndexedDB database `name`: rows and Yjs updates alike. */
export function databaseContains(page: Page, name: string, needle: string): Promise<boolean> {
  return page.evaluate(
    async ({ name, needle }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const decoder = new TextDecoder();
      const text = (value: unknown): string =>
        value instanceof Uint8Array || value instanceof ArrayBuffer
          ? decoder.decode(value)
          : typeof value === 'object' && value !== null
            ? Object.values(value).map(text).join('\n')
            : String(value);
      try {
        for (const store of Array.from(db.objectStoreNames)) {
          const values = await new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(store).objectStore(store).getAll();
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error);
          });
          if (values.some((v) => text(v).includes(needle))) return true;
        }
        return false;
      } finally {
        db.close();
      }
    },
    { name, needle }
  );
}
