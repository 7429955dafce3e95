/**
 * axe-core on the main pages, in both themes and on a phone-sized screen: no serious or
 * critical violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './support';

async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map(
      (v) => `${label}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`
    )
  ).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`sign-in, feed, post, spaces, notifications, people and settings are accessible (${scheme})`, async ({
    browser
  }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await page.goto('/signin');
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await expectAccessible(page, 'sign-in');
    await signIn(page, 'sara');
    await expect(
      page.getByRole('region', { name: 'Latest posts' }).getByRole('article').first()
    ).toBeVisible();
    await expectAccessible(page, 'home');
    await page
      .getByRole('region', { name: 'Latest posts' })
      .getByRole('article')
      .first()
      .getByRole('link', { name: /comment/i })
      .click();
    await expect(page.getByLabel('Write a comment')).toBeVisible();
    await expectAccessible(page, 'post');
    await page.getByRole('navigation').getByRole('link', { name: 'Spaces' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Spaces' })).toBeVisible();
    await expectAccessible(page, 'spaces');
    await page
      .getByRole('navigation')
      .getByRole('link', { name: /Notifications/ })
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Notifications' })).toBeVisible();
    await expectAccessible(page, 'notifications');
    await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expectAccessible(page, 'people');
    await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expectAccessible(page, 'settings');
    await context.close();
  });
}

test('works by keyboard and on a 360 px phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.keyboard.press('Tab'); // the skip link first
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await signIn(page, 'sara');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await expectAccessible(page, 'home (phone)');
  await context.close();
});
