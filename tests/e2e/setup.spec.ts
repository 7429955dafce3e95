/**
 * First run: a server with no account at all sends the first visitor to the set-up page, which
 * creates the organisation and its first admin and signs them in.
 */
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOwnServer } from './support';

let server: Awaited<ReturnType<typeof startOwnServer>>;
let base = '';

test.beforeAll(async () => {
  server = await startOwnServer({ FIKA_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-setup-')) });
  base = server.base;
});

test.afterAll(() => server.stop());

test('the first visitor sets Fika up and becomes its admin', async ({ page }) => {
  await page.goto(`${base}/`);
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByLabel('Organisation').fill('Testbolaget AB');
  await page.getByLabel('Your name').fill('Ada Admin');
  await page.getByLabel('Email').fill('ada@test.example');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Set up Fika' }).click();
  await expect(page).toHaveURL(`${base}/`);
  await expect(page.getByRole('banner')).toContainText('Testbolaget AB');

  // Set up once: the page now sends everyone to sign in.
  const other = await page.context().browser()!.newContext();
  const visitor = await other.newPage();
  await visitor.goto(`${base}/setup`);
  await expect(visitor).toHaveURL(/\/signin$/);
  await other.close();
});
