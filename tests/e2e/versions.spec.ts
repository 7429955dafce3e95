/**
 * Versions and read confirmations end to end, each test on a document of its own that Erik
 * (editor) creates in All staff: publishing a version, editing, seeing the difference, viewing
 * the version, restoring it with the history kept; a reader (Johan) confirming, Erik seeing
 * it, and a new required version asking again (offline first: said clearly, kept and sent once online). And the
 * demo's vacation policy (two editions, the second to be confirmed) checked with axe-core.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { caretAtEnd, expectSyncState, signIn, waitForServiceWorker, type DemoPerson } from './support';

async function personPage(
  browser: Browser,
  who: DemoPerson
): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  await expectSyncState(page, 'synced');
  return { page, context };
}

const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Document text' });

/** Creates a document as the signed-in person (the API, with the page's session cookie). */
async function createDoc(page: Page, title: string): Promise<string> {
  const res = await page.request.post('/api/spaces/all-staff/documents', { data: { title } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function publish(page: Page, name: string, requireConfirmation: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Publish a version' }).click();
  const dialog = page.getByRole('dialog', { name: 'Publish a version' });
  await dialog.getByLabel('Version name').fill(name);
  if (requireConfirmation) await dialog.getByLabel(/must confirm/).check();
  await dialog.getByRole('button', { name: 'Publish', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('version-list').locator('li').first()).toContainText(name);
}

test('a document created a moment ago opens once the app hears of it, after showing its cached rooms', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  // Every /api/me from here on answers late: the reloaded app starts on the rooms it cached at
  // sign-in, which do not list the new document, and hears of it a moment later.
  await erik.page.route('**/api/me', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue().catch(() => undefined);
  });
  const id = await createDoc(erik.page, `Shared just now ${Date.now()}`);
  await erik.page.goto(`/docs/${id}`);
  await expect(editorOf(erik.page)).toBeVisible({ timeout: 15_000 });
  await expect(erik.page.getByRole('heading', { name: 'Document not found' })).toBeHidden();
  await erik.context.close();
});

test('publish a version, edit, see what changed, view it, and restore it with the history kept', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  const id = await createDoc(erik.page, `Key handling ${Date.now()}`);
  await erik.page.goto(`/docs/${id}`);
  const editor = editorOf(erik.page);
  await editor.click();
  await erik.page.keyboard.type('Keys are collected at reception.');
  await publish(erik.page, 'First edition', false);

  await caretAtEnd(editor);
  await erik.page.keyboard.press('Enter');
  await erik.page.keyboard.type('Lost keys are reported the same day.');

  // What changed since the version: the new paragraph, marked as added.
  const list = erik.page.getByTestId('version-list');
  await list.getByRole('button', { name: 'Compare with now: First edition' }).click();
  const diff = erik.page.getByTestId('version-diff');
  await expect(diff.locator('ins')).toContainText('Added: Lost keys are reported the same day.');
  await expect(diff).toContainText('Keys are collected at reception.');

  // The version itself, read only.
  await list.getByRole('button', { name: 'View: First edition' }).click();
  const version = erik.page.getByRole('textbox', { name: 'Version “First edition” (read only)' });
  await expect(version).toContainText('Keys are collected at reception.');
  await expect(version).not.toContainText('Lost keys');
  await expect(version).toHaveAttribute('contenteditable', 'false');

  // Restore it: the text goes back, every version stays, and the restore is recorded.
  await list.getByRole('button', { name: 'Restore: First edition' }).click();
  const confirm = erik.page.getByRole('dialog', { name: 'Restore “First edition”?' });
  await confirm.getByRole('button', { name: 'Restore' }).click();
  await expect(editor).not.toContainText('Lost keys');
  await expect(editor).toContainText('Keys are collected at reception.');
  await expect(list.locator('li')).toHaveCount(2);
  await expect(list.locator('li').first()).toContainText('Restored from “First edition”');

  // After a reload (from this device's store) the history is still whole.
  await erik.page.reload();
  await expect(editorOf(erik.page)).toContainText('Keys are collected at reception.');
  await expect(erik.page.getByTestId('version-list').locator('li')).toHaveCount(2);
  await erik.page
    .getByTestId('version-list')
    .getByRole('button', { name: 'Compare with now: First edition' })
    .first()
    .click();
  await expect(erik.page.getByText('The current text is the same as this version.')).toBeVisible();
  await erik.context.close();
});

test('a reader confirms, the owner sees it, and a new required version asks again', async ({ browser }) => {
  const erik = await personPage(browser, 'erik');
  const id = await createDoc(erik.page, `Fire safety ${Date.now()}`);
  await erik.page.goto(`/docs/${id}`);
  await editorOf(erik.page).click();
  await erik.page.keyboard.type('Know where the nearest exit is.');
  await publish(erik.page, 'Edition 1', true);
  const status = erik.page.getByTestId('confirmation-status');
  await expect(status.getByTestId('not-confirmed')).toContainText('Johan Berg');

  const johan = await personPage(browser, 'johan');
  await johan.page.goto(`/docs/${id}`);
  await expect(editorOf(johan.page)).toContainText('Know where the nearest exit is.');
  await expect(johan.page.getByText('Please confirm that you have read version “Edition 1”')).toBeVisible();
  await johan.page.getByRole('button', { name: 'I have read it' }).click();
  await expect(johan.page.getByText('Thank you: you have confirmed version “Edition 1”.')).toBeVisible();
  await expect(johan.page.getByRole('button', { name: 'I have read it' })).toBeHidden();

  // The owner sees Johan among those who confirmed.
  await expect(status.getByTestId('confirmed')).toContainText('Johan Berg');
  await expect(status.getByTestId('not-confirmed')).not.toContainText('Johan Berg');

  // A new version that requires confirmation asks everyone again.
  await caretAtEnd(editorOf(erik.page));
  await erik.page.keyboard.type(' Never block it.');
  await publish(erik.page, 'Edition 2', true);
  await expect(status.getByTestId('not-confirmed')).toContainText('Johan Berg');
  await expect(johan.page.getByText('Please confirm that you have read version “Edition 2”')).toBeVisible();

  // Offline, confirming cannot reach the server: said clearly, kept, and sent once back online,
  // also when Johan has moved on to another page meanwhile.
  await waitForServiceWorker(johan.page);
  await johan.context.setOffline(true);
  await expectSyncState(johan.page, 'offline');
  await johan.page.getByRole('button', { name: 'I have read it' }).click();
  await expect(johan.page.getByRole('alert')).toContainText('You are offline. Your confirmation is kept');
  await expect(status.getByTestId('not-confirmed')).toContainText('Johan Berg');
  await johan.page.getByRole('link', { name: 'Library' }).click();
  await expect(johan.page).toHaveURL(/\/library$/);
  await johan.context.setOffline(false);
  await expect(status.getByTestId('confirmed')).toContainText('Johan Berg');
  await johan.page.goto(`/docs/${id}`);
  await expect(editorOf(johan.page)).toContainText('Never block it.');
  await expect(johan.page.getByRole('button', { name: 'I have read it' })).toBeHidden();
  await johan.context.close();
  await erik.context.close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the demo's versions, their differences and the confirmation banner are accessible (${scheme})`, async ({
    browser
  }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await signIn(page, 'johan');
    await page.goto('/docs/vacation-policy');
    await expect(editorOf(page)).toContainText('25 semesterdagar');
    // The demo's guideline asks everyone to confirm its second edition; Johan has not yet.
    await expect(page.getByText('Please confirm that you have read version “2026”')).toBeVisible();
    const list = page.getByTestId('version-list');
    await expect(list.locator('li')).toHaveCount(2);
    // A reader views and compares, but has nothing to publish or restore.
    await expect(page.getByRole('button', { name: 'Publish a version' })).toHaveCount(0);
    await expect(list.getByRole('button', { name: /^Restore/ })).toHaveCount(0);
    await list.getByRole('button', { name: 'Compare with now: 2025' }).click();
    await expect(page.getByTestId('version-diff').locator('ins').first()).toContainText('Spara dagar');

    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await context.close();
  });
}
