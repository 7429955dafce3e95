/**
 * The feed end to end, on the demo organisation: a targeted "must read" announcement that
 * reaches only its groups and reports its reach, comments and reactions arriving live in
 * another browser (also after commenting offline), and hostile post text staying inert.
 */
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { makePng } from '../support/images';
import { databaseContains, expectSyncState, signIn, waitForServiceWorker, type DemoPerson } from './support';

async function personPage(browser: Browser, who: DemoPerson): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  await expectSyncState(page, 'synced');
  return page;
}

function feedArticle(page: Page | Locator, text: string) {
  return page.getByRole('article').filter({ hasText: text });
}

test('a must-read announcement for Göteborg reaches Göteborg only, and its author sees who confirmed', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  const sara = await personPage(browser, 'sara');
  const johan = await personPage(browser, 'johan');

  const text = `Brandövning i Göteborg på fredag ${Date.now()}`;
  await erik.getByLabel('Space', { exact: true }).selectOption({ label: 'All staff / Alla medarbetare' });
  await erik.getByLabel(/Write a post in/).fill(text);
  await erik.getByLabel(/Must read/).check();
  await erik
    .getByRole('group', { name: /Only for these groups/ })
    .getByLabel('Göteborg')
    .check();
  await erik.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(feedArticle(erik, text).first()).toBeVisible();

  // Sara (Göteborg) has it on top of her feed, and confirms.
  const onTop = sara.getByRole('region', { name: 'Must read and pinned' });
  await expect(feedArticle(onTop, text)).toBeVisible();
  await feedArticle(onTop, text).getByRole('button', { name: 'I have read this' }).click();
  await expect(feedArticle(sara, text).first()).toContainText('You confirmed you read this');

  // Johan (Malmö) never gets it: not on screen, not in his local database.
  await expectSyncState(johan, 'synced');
  await johan.reload();
  await expectSyncState(johan, 'synced');
  await expect(
    johan.getByRole('region', { name: 'Latest posts' }).getByRole('article').first()
  ).toBeVisible();
  await expect(feedArticle(johan, text)).toHaveCount(0);
  expect(await databaseContains(johan, 'fika-johan', text)).toBe(false);
  expect(await databaseContains(sara, 'fika-sara', text)).toBe(true);

  // Erik sees the reach: Göteborg has sara, lina and oskar; one has confirmed.
  await feedArticle(erik, text).first().getByRole('link', { name: /Reach/ }).click();
  const reach = erik.getByRole('region', { name: 'Reach' });
  await expect(reach.getByTestId('reach-confirmed')).toHaveText('1 of 3');
  await expect(reach.getByRole('listitem')).toHaveText(['Lina Ahmadi', 'Oskar Lund']);

  for (const page of [erik, sara, johan]) await page.context().close();
});

test('comments and reactions appear live in another browser, also after commenting offline', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  const sara = await personPage(browser, 'sara');
  await waitForServiceWorker(sara);

  const welcome = 'Välkommen till Fika!';
  await feedArticle(erik, welcome)
    .first()
    .getByRole('link', { name: /comment/i })
    .click();
  await feedArticle(sara, welcome)
    .first()
    .getByRole('link', { name: /comment/i })
    .click();
  await expect(erik.getByRole('heading', { name: /comment/ })).toBeVisible();

  const comment = `Tack för infon ${Date.now()}`;
  await sara.getByLabel('Write a comment').fill(comment);
  await sara.getByRole('button', { name: 'Comment', exact: true }).click();
  const insightful = (page: Page) => page.getByRole('button', { name: /^Insightful: / });
  await expect(insightful(erik)).toHaveAccessibleName('Insightful: 0');
  await insightful(sara).click();
  // Live: on erik's screen within a second of sara's action.
  await expect(erik.getByText(comment)).toBeVisible({ timeout: 1000 });
  await expect(insightful(erik)).toHaveAccessibleName('Insightful: 1', { timeout: 1000 });

  await sara.context().setOffline(true);
  await expectSyncState(sara, 'offline');
  const offline = `Skrivet utan nät ${Date.now()}`;
  await sara.getByLabel('Write a comment').fill(offline);
  await sara.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(sara.getByText(offline)).toBeVisible();
  await erik.waitForTimeout(500);
  await expect(erik.getByText(offline)).toHaveCount(0);
  await sara.context().setOffline(false);
  await expectSyncState(sara, 'synced');
  await expect(erik.getByText(offline)).toBeVisible();

  for (const page of [erik, sara]) await page.context().close();
});

test('script, HTML and javascript: links in a post stay inert text', async ({ browser }) => {
  const sara = await personPage(browser, 'sara');
  const marker = `xss-${Date.now()}`;
  const payload = `${marker} <img src=x onerror="window.__xss=1"><script>window.__xss=2</script> [click me](javascript:window.__xss=3) **bold**`;
  await sara.getByLabel('Space', { exact: true }).selectOption({ label: 'Göteborg office' });
  await sara.getByLabel(/Write a post in/).fill(payload);
  await sara.getByRole('button', { name: 'Post', exact: true }).click();
  const post = feedArticle(sara, marker).first();
  await expect(post).toBeVisible();
  await expect(post).toContainText('<img src=x onerror="window.__xss=1">');
  await expect(post).toContainText('<script>window.__xss=2</script>');
  await expect(post.locator('.markdown img, .markdown script')).toHaveCount(0);
  await expect(post.getByRole('link', { name: 'click me' })).toHaveCount(0);
  await expect(post.locator('.markdown strong')).toHaveText('bold');
  expect(await sara.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // An empty post is refused with a message.
  await sara.getByLabel(/Write a post in/).fill('   ');
  await sara.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(sara.getByRole('alert').filter({ hasText: 'Write something before posting.' })).toBeVisible();
  // One over the limit: refused, and the message says the limit.
  await sara.getByLabel(/Write a post in/).fill('x'.repeat(10_001));
  await expect(
    sara.getByText('Too long: a post can be at most 10,000 characters (this one has 10,001).')
  ).toBeVisible();
  await sara.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(
    sara.getByRole('alert').filter({ hasText: 'Too long: at most 10,000 characters.' })
  ).toBeVisible();
  await sara.context().close();
});

test('a post with an image: uploaded, shown, there offline; bad and oversized images refused', async ({
  browser
}) => {
  const sara = await personPage(browser, 'sara');
  await waitForServiceWorker(sara);
  const files = sara.locator('input[type="file"]');
  const marker = `Nya pallställ ${Date.now()}`;
  await sara.getByLabel('Space', { exact: true }).selectOption({ label: 'Göteborg office' });

  // Not an image, whatever its name says; then one over the 10 MB limit.
  await files.setInputFiles({
    name: 'lista.png',
    mimeType: 'image/png',
    buffer: Buffer.from('hello, not a picture')
  });
  await expect(
    sara.getByRole('alert').filter({ hasText: 'lista.png: That file is not a supported image' })
  ).toBeVisible();
  const huge = Buffer.concat([makePng(4, 4), Buffer.alloc(11 * 1024 * 1024)]);
  await files.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: huge });
  await expect(
    sara
      .getByRole('alert')
      .filter({ hasText: 'huge.png: That image is too large: images can be at most 10 MB.' })
  ).toBeVisible();

  await files.setInputFiles({ name: 'hall-b.png', mimeType: 'image/png', buffer: makePng(64, 48) });
  await sara.getByPlaceholder('Describe the image').fill('Hall B with the new racking');
  await sara.getByLabel(/Write a post in/).fill(marker);
  await sara.getByRole('button', { name: 'Post', exact: true }).click();
  const image = feedArticle(sara, marker).first().getByRole('img', { name: 'Hall B with the new racking' });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);

  // Seen once, it is there without a network too.
  await expectSyncState(sara, 'synced');
  await sara.context().setOffline(true);
  await sara.reload();
  await expectSyncState(sara, 'offline');
  const offlineImage = feedArticle(sara, marker)
    .first()
    .getByRole('img', { name: 'Hall B with the new racking' });
  await expect
    .poll(() => offlineImage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(64);
  await sara.context().close();
});

test('an author edits and mentions; an editor pins and removes; the mentioned person is notified', async ({
  browser
}) => {
  const sara = await personPage(browser, 'sara');
  const erik = await personPage(browser, 'erik');
  const marker = `Skrivaren på plan 2 ${Date.now()}`;

  // Sara writes in IT help (open to everyone), mentioning Erik through the suggestions.
  await sara.getByLabel('Space', { exact: true }).selectOption({ label: 'IT help' });
  const text = sara.getByLabel(/Write a post in/);
  await text.fill(`${marker} – fråga till `);
  await text.pressSequentially('@Eri');
  await expect(sara.getByRole('option', { name: /Erik Johansson/ })).toBeVisible();
  await text.press('Enter');
  await expect(text).toHaveValue(`${marker} – fråga till [@Erik Johansson](mention:erik) `);
  await sara.getByRole('button', { name: 'Post', exact: true }).click();

  // IT help is an open community: Sara's own feed shows it only once she joins.
  await sara.getByRole('navigation').getByRole('link', { name: 'Spaces' }).click();
  await sara.getByRole('button', { name: 'Join' }).first().click();
  await sara.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
  const post = feedArticle(sara, marker).first();
  await post.getByRole('link', { name: '@Erik Johansson' }).click();
  await expect(sara.getByLabel('Filter by name, title or skill')).toHaveValue('Erik Johansson');
  await sara.goBack();

  // She edits it: shown as edited.
  await post.getByRole('button', { name: 'Edit' }).click();
  // While it is edited, its text is in the field (so the article no longer matches by its text).
  await sara.getByLabel('Edit post').fill(`${marker} (löst!) tack [@Erik Johansson](mention:erik)`);
  await sara.getByRole('button', { name: 'Save' }).click();
  await expect(post).toContainText('(löst!)');
  await expect(post).toContainText('edited');

  // Erik is notified of the mention (notifications follow the text: a mention edited away goes).
  const bell = erik.getByTestId('unread-notifications');
  await expect(bell).toBeVisible();
  await erik
    .getByRole('navigation')
    .getByRole('link', { name: /Notifications/ })
    .click();
  await expect(erik.getByRole('button', { name: /Sara Nilsson mentioned you in IT help/ })).toBeVisible();
  await erik.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(bell).toHaveCount(0);

  // Erik, an editor, pins it, then removes it; it goes from Sara's feed too.
  await erik.getByRole('navigation').getByRole('link', { name: 'Spaces' }).click();
  await erik.getByRole('button', { name: 'Join' }).first().click();
  await erik.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
  const onErik = feedArticle(erik, marker).first();
  await onErik.getByRole('button', { name: 'Pin' }).click();
  await expect(feedArticle(erik.getByRole('region', { name: 'Must read and pinned' }), marker)).toBeVisible();
  await expect(feedArticle(sara.getByRole('region', { name: 'Must read and pinned' }), marker)).toBeVisible();
  await feedArticle(erik, marker).first().getByRole('button', { name: 'Delete' }).click();
  await erik.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(feedArticle(erik, marker)).toHaveCount(0);
  await expect(feedArticle(sara, marker)).toHaveCount(0);

  for (const page of [erik, sara]) await page.context().close();
});
