/**
 * The library on the demo data: documents listed from the local store, sorted and filtered,
 * overdue reviews flagged to their owner, a new document created by an editor, nothing offered
 * to staff that they may not do; accessible in both themes.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signIn, waitForServiceWorker } from './support';

async function openLibrary(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page).toHaveURL(/\/library$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
}

const titles = (page: Page) => page.locator('tbody th[scope="row"] a').allTextContents();

test('lists, sorts and filters the guidelines, and flags overdue reviews to their owner', async ({
  page
}) => {
  await signIn(page, 'erik');
  await openLibrary(page);
  const table = page.getByRole('table', { name: 'Documents' });
  await expect(table.getByRole('link', { name: 'IT security rules' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Trucksäkerhet – rutiner' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Semesterpolicy / Vacation policy' })).toHaveAttribute(
    'href',
    '/docs/vacation-policy'
  );

  // Erik owns the overdue IT security rules: the notice at the top says so.
  const notice = page.getByRole('region', { name: /whose review is overdue/ });
  await expect(notice).toContainText('IT security rules');
  const itRow = table.getByRole('row', { name: /IT security rules/ });
  await expect(itRow).toContainText('overdue');
  await expect(itRow).toContainText('Erik Johansson');

  // Sorting by title, then the other way.
  const titleHeader = table.getByRole('columnheader', { name: 'Title' });
  await expect(titleHeader).toHaveAttribute('aria-sort', 'ascending');
  const ascending = await titles(page);
  expect(ascending).toEqual([...ascending].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
  await titleHeader.getByRole('button').click();
  await expect(titleHeader).toHaveAttribute('aria-sort', 'descending');
  expect(await titles(page)).toEqual([...ascending].reverse());
  // By review date: the overdue one first, documents without a date last.
  const review = table.getByRole('columnheader', { name: 'Review date' });
  await review.getByRole('button').click();
  await expect(review).toHaveAttribute('aria-sort', 'ascending');
  await expect(titleHeader).toHaveAttribute('aria-sort', 'none');
  expect((await titles(page))[0]).toBe('IT security rules');

  // Filters.
  await page.getByLabel('Overdue reviews only').check();
  await expect.poll(() => titles(page)).toEqual(['IT security rules']);
  await page.getByLabel('Overdue reviews only').uncheck();
  await page.getByLabel('Status').selectOption({ label: 'Draft' });
  await expect.poll(() => titles(page)).toEqual(expect.arrayContaining(['Trucksäkerhet – rutiner']));
  expect(await titles(page)).not.toContain('IT security rules');
  await page.getByLabel('Status').selectOption({ label: 'Any status' });
  await page.getByLabel('Title contains').fill('semester');
  await expect.poll(() => titles(page)).toEqual(['Semesterpolicy / Vacation policy']);
  await page.getByLabel('Title contains').fill('no such title');
  await expect(page.getByText('No documents match these filters.')).toBeVisible();

  // Without a network the library still lists what this device has.
  await waitForServiceWorker(page);
  await page.context().setOffline(true);
  await page.reload();
  for (const title of ['IT security rules', 'Trucksäkerhet – rutiner', 'Semesterpolicy / Vacation policy']) {
    await expect(
      page.getByRole('table', { name: 'Documents' }).getByRole('link', { name: title })
    ).toBeVisible();
  }
  await page.context().setOffline(false);
});

test('lets an editor create a document and go to it; staff get no such form', async ({ page, browser }) => {
  await signIn(page, 'erik');
  await openLibrary(page);
  await page.getByText('New document').click();
  await page.getByLabel('Title', { exact: true }).fill('Fire drill routine');
  await page
    .getByLabel('Space', { exact: true })
    .first()
    .selectOption({ label: 'All staff / Alla medarbetare' });
  await page.getByLabel('Folder (optional)').fill('Safety / Fire');
  await page.getByRole('button', { name: 'Create and open' }).click();
  await expect(page).toHaveURL(/\/docs\/[A-Za-z0-9_-]+$/);

  // Back in the library the new draft is listed, owned by Erik, in its folder.
  await page.goto('/library');
  const row = page.getByRole('row', { name: /Fire drill routine/ });
  await expect(row).toContainText('Safety/Fire');
  await expect(row).toContainText('Draft');
  await expect(row).toContainText('Erik Johansson');

  // Sara (staff) sees the library but no form, and no overdue notice.
  const context = await browser.newContext();
  const sara = await context.newPage();
  await signIn(sara, 'sara');
  await openLibrary(sara);
  await expect(sara.getByRole('link', { name: 'Fire drill routine' })).toBeVisible();
  await expect(sara.getByText('New document')).toHaveCount(0);
  await expect(sara.getByRole('region', { name: /whose review is overdue/ })).toHaveCount(0);
  await context.close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the library is accessible (${scheme})`, async ({ browser }) => {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, 'erik');
    await page.goto('/library');
    await expect(page.getByRole('link', { name: 'IT security rules' }).first()).toBeVisible();
    await page.getByText('New document').click();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await context.close();
  });
}
