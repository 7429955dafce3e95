/**
 * Local search end to end on the demo data: the index is built in the search worker from the
 * device's own store, so it answers offline; Swedish inflections find the guideline; the header's
 * field works by keyboard (ARIA combobox), and the page of all results filters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import {
  DEMO_PASSWORD,
  databaseContains,
  databases,
  demoEmail,
  expectSyncState,
  signIn,
  startOwnServer,
  waitForServiceWorker
} from './support';

const field = (page: Page) => page.getByRole('combobox', { name: 'Search' });
const results = (page: Page) => page.getByRole('listbox', { name: 'Search results' });

/** Signs in and waits until everything synced and the search index has caught up with it. */
async function ready(page: Page): Promise<void> {
  await signIn(page, 'sara');
  await expectSyncState(page, 'synced');
  await waitForServiceWorker(page);
  await expectSyncState(page, 'synced');
  // The worker indexes what synced; a guideline's text being searchable shows it has caught up.
  await field(page).fill('semesterlagen');
  await expect(results(page).getByRole('option', { name: /Semesterpolicy/ })).toBeVisible({
    timeout: 30_000
  });
  await field(page).fill('');
  await field(page).blur();
  await expect(results(page)).toBeHidden();
}

/** No serious or critical axe-core violation on the page as it is. */
async function expectAccessible(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('sara finds a guideline offline by an inflected Swedish word and opens it', async ({ browser }) => {
  // In the dark theme (the other test checks the light one).
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await ready(page);

  await context.setOffline(true);
  await page.reload();
  await expectSyncState(page, 'offline');

  // "/" focuses the field; "sommarsemestern" (definite form) finds the heading "Sommarsemester".
  await page.locator('body').press('/');
  await expect(field(page)).toBeFocused();
  await page.keyboard.type('sommarsemestern');
  const option = results(page).getByRole('option', { name: /Semesterpolicy/ });
  await expect(option).toBeVisible();
  await expect(option.locator('mark').first()).toHaveText(/^Sommarsemester$/i);
  await expect(results(page).getByRole('group', { name: 'Documents' })).toContainText('Semesterpolicy');
  await page.keyboard.press('ArrowDown');
  await expectAccessible(page);

  await option.click();
  await expect(page).toHaveURL(/\/docs\/vacation-policy$/);
  await expect(page.getByRole('heading', { name: 'Sommarsemester' })).toBeVisible();
  await context.close();
});

test('the search field works by keyboard, and the results page filters', async ({ page }) => {
  await ready(page);

  // Ctrl+K from anywhere; arrows move the active option, Enter opens it.
  await page.getByRole('heading', { level: 1 }).first().click();
  await page.keyboard.press('Control+k');
  await expect(field(page)).toBeFocused();
  await page.keyboard.type('rutinerna');
  const truck = results(page).getByRole('option', { name: /Trucksäkerhet/ });
  await expect(truck).toBeVisible();
  await expect(field(page)).toHaveAttribute('aria-expanded', 'true');
  await expectAccessible(page);
  const options = results(page).getByRole('option');
  const count = await options.count();
  let found = false;
  for (let i = 0; i < count && !found; i++) {
    await page.keyboard.press('ArrowDown');
    const active = await field(page).getAttribute('aria-activedescendant');
    expect(active).toBeTruthy();
    await expect(page.locator(`#${active}`)).toHaveAttribute('aria-selected', 'true');
    found = /Trucksäkerhet/.test((await page.locator(`#${active}`).textContent()) ?? '');
  }
  expect(found).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/docs\/forklift-safety$/);

  // Escape closes the list; Enter without an active option opens all results.
  await field(page).focus();
  await field(page).fill('truck');
  await expect(results(page)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(results(page)).toBeHidden();
  await expect(field(page)).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=truck$/);
  await expect(page.getByRole('heading', { level: 2, name: 'Documents' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Trucksäkerhet – rutiner' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /result/ })).toBeVisible();

  // Filters: only people (none about trucks), then back; the address keeps them.
  await page.getByLabel('Type').selectOption({ label: 'People' });
  await expect(page).toHaveURL(/type=person/);
  await expect(page.getByRole('link', { name: 'Trucksäkerhet – rutiner' })).toBeHidden();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByRole('link', { name: 'Trucksäkerhet – rutiner' })).toBeVisible();

  // An empty query lists recent items.
  await page.locator('#search-page-query').fill('');
  await expect(page.getByRole('status').filter({ hasText: 'Recent' })).toBeVisible();
  await expect(page.locator('ul.hits > li').first()).toBeVisible();

  await expectAccessible(page);
});

test('a new post is found as soon as it is written, and not once it is deleted', async ({ page }) => {
  await ready(page);
  const marker = `sökprov${Date.now().toString(36)}`;
  await page.getByLabel(/Write a post in/).fill(`Kvartalsmötet om truckladdning ${marker}`);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const article = page.getByRole('article').filter({ hasText: marker });
  await expect(article).toBeVisible();

  // The worker hears of the new row through Dexie's change events and indexes it.
  await field(page).fill(marker);
  const option = results(page).getByRole('option', { name: new RegExp(marker) });
  await expect(option).toBeVisible();
  await expect(results(page).getByRole('group', { name: 'Posts' })).toContainText(marker);
  await field(page).fill('');
  await field(page).blur();

  await article.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(article).toHaveCount(0);
  await field(page).fill(marker);
  await expect(page.getByRole('status').filter({ hasText: `Nothing found for “${marker}”` })).toBeVisible();
  await expect(results(page).getByRole('option', { name: new RegExp(marker) })).toHaveCount(0);
});

test('what sara may no longer read leaves her search index too', async ({ browser }) => {
  test.setTimeout(120_000);
  // A demo server of the test's own: it takes sara out of the Logistics department.
  const server = await startOwnServer(
    { FIKA_DEMO_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-search-')) },
    ['--demo']
  );
  const context = await browser.newContext({ baseURL: server.base });
  try {
    const page = await context.newPage();
    await signIn(page, 'sara');
    await expectSyncState(page, 'synced');
    // "Conveyor" is only in a post of Warehouse 2027, the Logistics department's project.
    await field(page).fill('conveyor');
    await expect(results(page).getByRole('option', { name: /conveyor/i })).toBeVisible({ timeout: 30_000 });
    expect(await databaseContains(page, 'fika-search-sara', 'conveyor')).toBe(true);

    const login = await fetch(`${server.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demoEmail('astrid'), password: DEMO_PASSWORD })
    });
    const { token } = (await login.json()) as { token: string };
    const removed = await fetch(`${server.base}/api/admin/groups/logistics/members/sara`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` }
    });
    expect(removed.status).toBe(204);

    // The app hears of the change and forgets the project's rooms, and the index that held them.
    await expect.poll(() => databaseContains(page, 'fika-sara', 'conveyor'), { timeout: 30_000 }).toBe(false);
    await expect
      .poll(
        async () =>
          (await databases(page)).includes('fika-search-sara') &&
          (await databaseContains(page, 'fika-search-sara', 'conveyor')),
        { timeout: 10_000 }
      )
      .toBe(false);
    // Searching again builds the index from what is left: the post is not found.
    await field(page).fill('');
    await field(page).fill('conveyor');
    await expect(page.getByRole('status').filter({ hasText: 'Nothing found for “conveyor”' })).toBeVisible({
      timeout: 30_000
    });
    await expect(results(page).getByRole('option', { name: /conveyor/i })).toHaveCount(0);
    expect(await databaseContains(page, 'fika-search-sara', 'conveyor')).toBe(false);
  } finally {
    await context.close();
    server.stop();
  }
});
