/**
 * Skills end to end on the demo data: searching a skill lists the people who have it first;
 * a skill added in one person's settings reaches another person's device through the org room
 * and is found by that device's local search; editing needs the network and says so offline.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { expectSyncState, signIn } from './support';

const field = (page: Page) => page.getByRole('combobox', { name: 'Search' });
const results = (page: Page) => page.getByRole('listbox', { name: 'Search results' });
const people = (page: Page) => results(page).getByRole('group', { name: 'People' }).getByRole('option');

/** The names of the first `n` people among the header field's results, in any order. */
async function firstPeople(page: Page, n: number): Promise<string[]> {
  const names = await people(page).locator('.title').allTextContents();
  return names.slice(0, n).sort();
}

async function expectAccessible(page: Page): Promise<void> {
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('sara asks who knows forklift certification: the people with the skill come first', async ({ page }) => {
  await signIn(page, 'sara');
  await expectSyncState(page, 'synced');

  // The search worker indexes the directory once it has synced: wait for it to answer.
  await field(page).fill('forklift certification');
  await expect(people(page).first()).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => firstPeople(page, 3)).toEqual(['Maria Eriksson', 'Oskar Lund', 'Sara Nilsson']);
  await expect(people(page).first().locator('mark').first()).toHaveText(/forklift|certification/i);

  // In Swedish: "truckkort" finds the two with a truck licence, first.
  await field(page).fill('truckkort');
  await expect.poll(() => firstPeople(page, 2)).toEqual(['Oskar Lund', 'Sara Nilsson']);
  await field(page).fill('');
  await field(page).blur();

  // On the people page each skill is a link to a search for it.
  await page.goto('/people');
  const johan = page.getByRole('listitem').filter({ has: page.getByText('Johan Berg', { exact: true }) });
  await expect(johan.getByRole('list', { name: 'Skills' })).toBeVisible();
  await expectAccessible(page);
  await johan.getByRole('link', { name: 'Network', exact: true }).click();
  await expect(page).toHaveURL(/\/search\?q=Network$/);
  await expect(page.getByRole('heading', { level: 2, name: 'People' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Johan Berg' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Elin Svensson' })).toBeVisible();
});

test('johan adds a skill and a line about himself in his settings, and sara finds him by it', async ({
  browser
}) => {
  const skill = `Kylteknik${Date.now().toString(36)}`;
  const johanContext = await browser.newContext();
  const saraContext = await browser.newContext();
  const johan = await johanContext.newPage();
  const sara = await saraContext.newPage();
  await signIn(sara, 'sara');
  await expectSyncState(sara, 'synced');
  await signIn(johan, 'johan');
  await expectSyncState(johan, 'synced');

  await johan.goto('/settings');
  const editor = johan.getByRole('region', { name: 'Your skills' });
  const input = editor.getByLabel('Add a skill');
  await expect(editor.getByRole('list', { name: 'Your skills' })).toContainText('Network');

  // Offline the editor says why it cannot change anything.
  await johanContext.setOffline(true);
  await expect(editor.getByRole('status').filter({ hasText: 'You are offline' })).toBeVisible();
  await expect(input).toBeDisabled();
  await johanContext.setOffline(false);
  await expect(input).toBeEnabled();

  // A repeat in another case is refused with a message; a new one is added with Enter.
  await input.fill('network');
  await input.press('Enter');
  await expect(editor.getByRole('alert')).toHaveText('“network” is already on your list.');
  await input.fill(skill);
  await input.press('Enter');
  await expect(editor.getByRole('list', { name: 'Your skills' })).toContainText(skill);
  await expect(input).toHaveValue('');
  await expect(editor.getByRole('status').filter({ hasText: `Added ${skill}.` })).toBeAttached();
  await expectAccessible(johan);

  // Sara's device receives it with the directory and her local search finds Johan by it.
  await field(sara).fill(skill.toLowerCase());
  await expect(people(sara).filter({ hasText: 'Johan Berg' })).toBeVisible({ timeout: 30_000 });
  await expect(people(sara).first().locator('mark')).toHaveText(skill);

  // Removing it (by keyboard) takes Johan out of her results again.
  await editor.getByRole('button', { name: `Remove ${skill}` }).focus();
  await johan.keyboard.press('Enter');
  await expect(editor.getByRole('list', { name: 'Your skills' })).not.toContainText(skill);
  await expect(input).toBeFocused();
  await field(sara).fill('');
  await field(sara).fill(skill.toLowerCase());
  await expect(sara.getByRole('status').filter({ hasText: 'Nothing found' })).toBeVisible({
    timeout: 30_000
  });

  // A line about himself, saved with Enter, shows on his card on Sara's device.
  const about = johan.getByLabel('A line about you');
  await expect(about).toHaveValue('Ask me about VPN, laptops and the office network.');
  await about.fill(`Ask me about ${skill}.`);
  await about.press('Enter');
  await expect(johan.getByRole('status').filter({ hasText: 'Saved.' })).toBeAttached();
  await sara.goto('/people');
  await expect(sara.getByText(`Ask me about ${skill}.`)).toBeVisible({ timeout: 30_000 });

  await johanContext.close();
  await saraContext.close();
});
