/**
 * A kiosk screen end to end, on the demo organisation: Astrid registers a screen for the
 * Göteborg break room and pairs it with its code; Erik's must-read announcement in All staff is
 * on the screen within 2 s; a post targeted at Malmö never reaches the screen's local store while
 * one for Göteborg does; without a network the screen keeps its content with an offline marker
 * and catches up afterwards; disconnected by Astrid, it says so and deletes its database.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { databaseContains, databases, expectSyncState, signIn, type DemoPerson } from './support';

async function personPage(browser: Browser, who: DemoPerson): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  await expectSyncState(page, 'synced');
  return page;
}

/** No serious or critical axe-core finding on the page as it is now. */
async function expectNoSeriousViolations(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const found = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found).toEqual([]);
}

/** Erik posts `text` in All staff, as a must-read and for `group` when given. */
async function post(erik: Page, text: string, opts: { important?: boolean; group?: string } = {}) {
  await erik.getByLabel('Space', { exact: true }).selectOption({ label: 'All staff / Alla medarbetare' });
  await erik.getByLabel(/Write a post in/).fill(text);
  if (opts.important) await erik.getByLabel(/Must read/).check();
  if (opts.group) {
    await erik
      .getByRole('group', { name: /Only for these groups/ })
      .getByLabel(opts.group)
      .check();
  }
  await erik.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(erik.getByRole('article').filter({ hasText: text }).first()).toBeVisible();
}

test('a kiosk screen for Göteborg: pairing, live announcements, offline, disconnection', async ({
  browser
}) => {
  test.setTimeout(120_000);
  const astrid = await personPage(browser, 'astrid');
  const erik = await personPage(browser, 'erik');

  // Astrid registers the screen from the settings page.
  await astrid.goto('/settings');
  await astrid.getByRole('link', { name: 'Kiosk screens' }).click();
  await astrid.getByLabel('Name').fill('Göteborg break room');
  await astrid.getByLabel('Location').selectOption({ label: 'Göteborg' });
  await astrid.getByLabel('All staff / Alla medarbetare').check();
  await astrid.getByLabel('Göteborg office').check();
  await astrid.getByLabel('Language').selectOption('sv');
  await astrid.getByRole('button', { name: 'Register' }).click();
  const code = (await astrid.getByTestId('kiosk-pairing-code').textContent())!.trim();
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await expect(astrid.getByTestId('kiosk-row').filter({ hasText: 'Göteborg break room' })).toContainText(
    'Waiting to be paired'
  );
  await expectNoSeriousViolations(astrid, 'admin page (light)');

  // The screen's browser: its own context, no person signed in (in the dark theme, to check it too).
  const kioskContext = await browser.newContext({ colorScheme: 'dark' });
  const kiosk = await kioskContext.newPage();
  /** The addresses of the screen's sync connections: proxies log them, so no token may be in one. */
  const socketUrls: string[] = [];
  kiosk.on('websocket', (socket) => socketUrls.push(socket.url()));
  await kiosk.goto('/kiosk');
  await expect(kiosk.getByLabel('Pairing code')).toBeVisible();
  await expectNoSeriousViolations(kiosk, 'pairing (dark)');
  await kiosk.getByLabel('Pairing code').fill(code.toLowerCase());
  await kiosk.getByRole('button', { name: 'Pair' }).click();
  await expect(kiosk.getByTestId('kiosk-display')).toBeVisible();
  // Once its service worker is active, the screen reloads into it by itself (a page is controlled
  // only by a worker active when it loaded) and comes back paired.
  await expect
    .poll(() => kiosk.evaluate(() => navigator.serviceWorker.controller !== null).catch(() => false), {
      timeout: 40_000
    })
    .toBe(true);
  await expect(kiosk.getByTestId('kiosk-display')).toBeVisible();
  // The device's language, no navigation chrome, and the demo's welcome post from its spaces.
  await expect(kiosk.getByRole('heading', { name: 'Senaste' })).toBeVisible();
  await expect(kiosk.getByRole('navigation')).toHaveCount(0);
  await expect(kiosk.getByText('Välkommen till Fika!').first()).toBeVisible();
  // It keeps the screen on: Chromium grants the Screen Wake Lock to the visible page.
  await expect(kiosk.getByTestId('kiosk-display')).toHaveAttribute('data-wake-lock', 'held');
  await expectNoSeriousViolations(kiosk, 'display (dark)');
  const kioskId = await kiosk.evaluate(
    () => (JSON.parse(localStorage.getItem('fika.kiosk')!) as { id: string }).id
  );
  const dbName = `fika-kiosk:${kioskId}`;
  expect(await databases(kiosk)).toContain(dbName);
  const token = await kiosk.evaluate(
    () => (JSON.parse(localStorage.getItem('fika.kiosk')!) as { token: string }).token
  );
  expect(socketUrls.length).toBeGreaterThan(0);
  expect(socketUrls.filter((url) => url.includes(token) || url.includes('token='))).toEqual([]);

  // A must-read in All staff is on the screen within 2 s of being posted.
  const announcement = `Viktigt: brandövning ${Date.now()}`;
  await post(erik, announcement, { important: true });
  await expect(kiosk.getByTestId('kiosk-announcement').filter({ hasText: announcement })).toBeVisible({
    timeout: 2000
  });

  // A post for Malmö never reaches the Göteborg screen; one for Göteborg does (after the screen
  // has asked for its rooms again), so the screen had every chance to receive the Malmö one.
  // The Göteborg one arrives on the server's signal in the space's shared room, well before the
  // screen's 15 s refresh.
  const forMalmo = `Bara för Malmö ${Date.now()}`;
  const forGoteborg = `Bara för Göteborg ${Date.now()}`;
  await post(erik, forMalmo, { important: true, group: 'Malmö' });
  await post(erik, forGoteborg, { important: true, group: 'Göteborg' });
  await expect(kiosk.getByText(forGoteborg).first()).toBeVisible({ timeout: 3_000 });
  expect(await databaseContains(kiosk, dbName, forGoteborg)).toBe(true);
  expect(await databaseContains(kiosk, dbName, forMalmo)).toBe(false);
  await expect(kiosk.getByText(forMalmo)).toHaveCount(0);

  // Network off: the content stays, with the marker; back on: it catches up by itself.
  await kioskContext.setOffline(true);
  await expect(kiosk.getByTestId('kiosk-offline')).toContainText('Offline sedan');
  await expect(kiosk.getByText(announcement).first()).toBeVisible();
  const whileOffline = `Medan skärmen var offline ${Date.now()}`;
  await post(erik, whileOffline);
  await kiosk.waitForTimeout(1000);
  await expect(kiosk.getByText(whileOffline)).toHaveCount(0);
  await kioskContext.setOffline(false);
  await expect(kiosk.getByText(whileOffline).first()).toBeVisible({ timeout: 20_000 });
  await expect(kiosk.getByTestId('kiosk-offline')).toHaveCount(0);

  // Astrid sees it paired, and disconnects it.
  await astrid.reload();
  const row = astrid.getByTestId('kiosk-row').filter({ hasText: 'Göteborg break room' });
  await expect(row).toContainText('Paired');
  await expect(row).toContainText('Last seen');
  await row.getByRole('button', { name: 'Disconnect' }).click();
  await astrid.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(row).toContainText('Disconnected');

  await expect(kiosk.getByTestId('kiosk-disconnected')).toContainText('Den här skärmen har kopplats bort', {
    timeout: 10_000
  });
  await expect.poll(() => databases(kiosk), { timeout: 10_000 }).not.toContain(dbName);
  await expectNoSeriousViolations(kiosk, 'disconnected (dark)');
  expect(await kiosk.evaluate(() => localStorage.getItem('fika.kiosk'))).toBeNull();
  // Reloaded, it asks to be paired again.
  await kiosk.reload();
  await expect(kiosk.getByLabel('Pairing code')).toBeVisible();

  for (const page of [astrid, erik, kiosk]) await page.context().close();
});
