/**
 * The document editor end to end, on the demo organisation's travel policy (`travel-policy` in
 * All staff, owned by Astrid; Erik is an editor): two people editing the same paragraph at once,
 * one of them offline, end with the same text holding both edits; each sees the other's caret
 * and name; pasted HTML keeps its structure but none of its script; a reader gets no toolbar
 * and cannot type.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { makePng } from '../support/images';
import { caretAtEnd, expectSyncState, signIn, type DemoPerson } from './support';

const DOC = '/docs/travel-policy';

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

async function openDoc(page: Page): Promise<void> {
  await page.goto(DOC);
  await expect(editorOf(page)).toBeVisible();
}

test('two writers edit the same paragraph, one offline, and end with the same text holding both edits', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  const astrid = await personPage(browser, 'astrid');
  await openDoc(erik.page);
  await openDoc(astrid.page);

  // A paragraph of its own for this run, reached by both.
  const base = `Resor bokas via resebyrån ${Date.now()}.`;
  await caretAtEnd(editorOf(erik.page));
  await erik.page.keyboard.press('Enter');
  await erik.page.keyboard.type(base);
  await expect(editorOf(astrid.page)).toContainText(base);

  // Each sees the other's caret with their name.
  await caretAtEnd(editorOf(astrid.page));
  await expect(astrid.page.locator('.collaboration-carets__label[data-name="Erik Johansson"]')).toBeVisible();
  await expect(erik.page.locator('.collaboration-carets__label[data-name="Astrid Lindqvist"]')).toBeVisible();

  // Astrid goes offline; both change the same paragraph: Erik at its start, Astrid at its end.
  await astrid.context.setOffline(true);
  await expectSyncState(astrid.page, 'offline');
  await astrid.page.keyboard.type(' Tåg före flyg.');
  await caretAtEnd(editorOf(erik.page));
  await erik.page.keyboard.press('Home');
  await erik.page.keyboard.type('Viktigt: ');
  const eriksEdit = `Viktigt: ${base}`;
  await expect(editorOf(erik.page)).toContainText(eriksEdit);
  await expect(editorOf(astrid.page)).toContainText(`${base} Tåg före flyg.`);
  // Nothing crossed while Astrid was offline.
  await expect(editorOf(erik.page)).not.toContainText(`${base} Tåg före flyg.`);
  await expect(editorOf(astrid.page)).not.toContainText(eriksEdit);

  // Back online: both show one paragraph with both edits.
  await astrid.context.setOffline(false);
  const merged = `Viktigt: ${base} Tåg före flyg.`;
  await expect(editorOf(astrid.page)).toContainText(merged);
  await expect(editorOf(erik.page)).toContainText(merged);
  // The same paragraphs, in the same order, on both.
  const paragraphs = (page: Page) => editorOf(page).locator('p').allTextContents();
  await expect
    .poll(
      async () =>
        JSON.stringify(await paragraphs(erik.page)) === JSON.stringify(await paragraphs(astrid.page))
    )
    .toBe(true);
  await expectSyncState(astrid.page, 'synced');

  // The merged text is in the local store: it is still there after a reload.
  await astrid.page.reload();
  await expect(editorOf(astrid.page)).toContainText(merged);

  await erik.context.close();
  await astrid.context.close();
});

test('pasted HTML keeps headings, lists, tables and bold, but no script, handler or javascript: link', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  await openDoc(erik.page);
  const editor = editorOf(erik.page);
  await caretAtEnd(editor);
  await erik.page.keyboard.press('Enter');

  const stamp = Date.now();
  const html = `
    <meta charset="utf-8"><style>h2 { color: red }</style>
    <h2 onclick="window.__pwned = 'h2'">Packa säkert ${stamp}</h2>
    <p style="color:red">Använd <b>skor med stålhätta ${stamp}</b> och <i>handskar ${stamp}</i>.
      <a href="javascript:window.__pwned='link'">Klicka här</a>
      <a href="https://intranet.example/regler?${stamp}">Reglerna</a></p>
    <script>window.__pwned = 'script'</script>
    <img src="/no-such-image.png" onerror="window.__pwned = 'img'" alt="Pall">
    <iframe src="javascript:window.__pwned='iframe'"></iframe>
    <ul><li>Lyft med benen ${stamp}</li><li>Be om hjälp</li></ul>
    <table><tr><th>Vikt ${stamp}</th><th>Hur</th></tr><tr><td>Under 25 kg ${stamp}</td><td>Själv</td></tr></table>
    <p>Frågor? Kontakta HR.</p>`;
  await editor.evaluate((element, html) => {
    const data = new DataTransfer();
    data.setData('text/html', html);
    data.setData('text/plain', 'plain fallback');
    element.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true })
    );
  }, html);

  // The structure arrived …
  await expect(editor.getByRole('heading', { level: 2, name: `Packa säkert ${stamp}` })).toBeVisible();
  await expect(editor.locator('strong', { hasText: `skor med stålhätta ${stamp}` })).toBeVisible();
  await expect(editor.locator('em', { hasText: `handskar ${stamp}` })).toBeVisible();
  await expect(editor.locator('ul > li', { hasText: `Lyft med benen ${stamp}` })).toBeVisible();
  await expect(editor.locator('table th', { hasText: `Vikt ${stamp}` })).toBeVisible();
  await expect(editor.locator('table td', { hasText: `Under 25 kg ${stamp}` })).toBeVisible();
  await expect(editor.locator(`a[href="https://intranet.example/regler?${stamp}"]`)).toHaveText('Reglerna');
  await expect(editor).toContainText('Klicka här');
  // … and nothing that runs.
  const inert = await editor.evaluate((element) => ({
    scripts: element.querySelectorAll('script, iframe, style, meta').length,
    handlers: [...element.querySelectorAll('*')].flatMap((el) =>
      [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName} ${a.name}`)
    ),
    badLinks: [...element.querySelectorAll('a')].filter((a) => !/^(https?|mailto):/.test(a.href)).length,
    styled: element.querySelectorAll('[style*="red"]').length,
    pwned: (window as unknown as { __pwned?: string }).__pwned ?? null
  }));
  expect(inert).toEqual({ scripts: 0, handlers: [], badLinks: 0, styled: 0, pwned: null });
  await editor.getByRole('heading', { level: 2, name: `Packa säkert ${stamp}` }).click();
  expect(
    await erik.page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null)
  ).toBeNull();

  await erik.context.close();
});

test('a reader sees the document without a toolbar and cannot change it', async ({ browser }) => {
  const sara = await personPage(browser, 'sara');
  await openDoc(sara.page);
  const editor = editorOf(sara.page);
  await expect(editor).toHaveAttribute('contenteditable', 'false');
  await expect(editor).toHaveAttribute('aria-readonly', 'true');
  await expect(sara.page.getByRole('toolbar')).toHaveCount(0);
  await expect(sara.page.getByText('You can read this document')).toBeVisible();
  const before = await editor.textContent();
  await editor.click();
  await sara.page.keyboard.type('Sara skriver');
  await sara.page.keyboard.press('Enter');
  expect(await editor.textContent()).toBe(before);
  await expect(editor).not.toContainText('Sara skriver');
  await sara.context.close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the toolbar formats, says what is on, refuses javascript: links and is accessible (${scheme})`, async ({
    browser
  }) => {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    await signIn(page, 'erik');
    await openDoc(page);
    const editor = editorOf(page);
    const toolbar = page.getByRole('toolbar', { name: 'Formatting' });
    const tool = (name: string) => toolbar.getByRole('button', { name, exact: true });
    await expect(tool('Bold')).toBeEnabled();

    await caretAtEnd(editor);
    await page.keyboard.press('Enter');
    await tool('Heading 2').click();
    await expect(tool('Heading 2')).toHaveAttribute('aria-pressed', 'true');
    const heading = `Tjänsteresor ${scheme} ${Date.now()}`;
    await page.keyboard.type(heading);
    await expect(editor.getByRole('heading', { level: 2, name: heading })).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(tool('Heading 2')).toHaveAttribute('aria-pressed', 'false');

    await tool('Warning box').click();
    await expect(tool('Warning box')).toHaveAttribute('aria-pressed', 'true');
    await tool('Bold').click();
    const warning = `Boka aldrig själv ${Date.now()}`;
    await page.keyboard.type(warning);
    await expect(editor.locator('aside[data-tone="warning"] strong', { hasText: warning })).toBeVisible();

    // A javascript: address is refused with a message; a web address is linked.
    await page.keyboard.press('Enter');
    await tool('Link').click();
    const url = page.getByLabel(/Web or e-mail address/);
    await expect(url).toBeFocused();
    await url.fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'Only web (http, https) and e-mail addresses can be linked.'
    );
    await url.fill('intranet.example/resor');
    await page.getByRole('button', { name: 'Apply' }).click();
    const link = editor.locator('a[href="https://intranet.example/resor"]').last();
    await expect(link).toHaveText('intranet.example/resor');
    // Within a link, the form starts from its address; Escape closes it and returns to the text.
    await link.click();
    await tool('Link').click();
    await expect(url).toHaveValue('https://intranet.example/resor');
    await page.keyboard.press('Escape');
    await expect(url).toBeHidden();
    await expect(editor).toBeFocused();

    // The toolbar is one tab stop; arrow keys move along it.
    await tool('Heading 1').focus();
    await page.keyboard.press('ArrowRight');
    await expect(tool('Heading 2')).toBeFocused();
    await page.keyboard.press('End');
    await expect(tool('Warning box')).toBeFocused();

    const tables = await editor.locator('table').count();
    await tool('Insert table').click();
    await expect(editor.locator('table')).toHaveCount(tables + 1);
    // A new, empty 3 × 3 table with a header row.
    const inserted = editor.locator('table').filter({ hasNotText: /\S/ }).last();
    await expect(inserted.locator('tr')).toHaveCount(3);
    await expect(inserted.locator('tr').first().locator('th')).toHaveCount(3);

    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await context.close();
  });
}

test('an uploaded image is inserted; a file that is not an image is refused with a message', async ({
  browser
}) => {
  const erik = await personPage(browser, 'erik');
  const { page } = erik;
  await openDoc(page);
  const editor = editorOf(page);
  await caretAtEnd(editor);
  await page.keyboard.press('Enter');
  const insertImage = page.getByRole('toolbar').getByRole('button', { name: 'Insert image', exact: true });

  await insertImage.click();
  const file = page.getByLabel(/Or upload an image/);
  await file.setInputFiles({
    name: 'rules.png',
    mimeType: 'text/plain',
    buffer: Buffer.from('not an image')
  });
  await expect(page.getByRole('alert')).toHaveText(
    'rules.png: That file is not a supported image. Use PNG, JPEG, WebP or GIF.'
  );
  await file.setInputFiles({
    name: 'fake.png',
    mimeType: 'image/png',
    buffer: Buffer.from('not a png at all')
  });
  await expect(page.getByRole('alert')).toHaveText(
    /^fake\.png: (That file is not a supported image|That image could not be read)/
  );
  const images = await editor.locator('img').count();

  const alt = `Karta över lagret ${Date.now()}`;
  await page.getByLabel('Description for screen readers').fill(alt);
  await file.setInputFiles({ name: 'map.png', mimeType: 'image/png', buffer: makePng(64, 48) });
  const image = editor.getByRole('img', { name: alt });
  await expect(image).toHaveAttribute('src', /^\/api\/uploads\/[A-Za-z0-9_-]+/);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  await expect(editor.locator('img')).toHaveCount(images + 1);
  await erik.context.close();
});

test('a guideline prints without the app around it and downloads as Markdown', async ({ browser }) => {
  const { page, context } = await personPage(browser, 'sara');
  await page.goto('/docs/vacation-policy');
  await expect(editorOf(page)).toContainText('25 semesterdagar');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download as Markdown' }).click()
  ]);
  expect(download.suggestedFilename()).toBe('Semesterpolicy Vacation policy.md');
  const file = await download.path();
  const markdown = (await import('node:fs')).readFileSync(file, 'utf8');
  expect(markdown.startsWith('# Semesterpolicy / Vacation policy\n\n# Semesterpolicy\n\n')).toBe(true);
  expect(markdown).toContain('Alla anställda har rätt till **25 semesterdagar** per semesterår');

  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.app-header')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await expect(
    page.getByRole('heading', { level: 1, name: 'Semesterpolicy / Vacation policy' })
  ).toBeVisible();
  await expect(editorOf(page)).toContainText('25 semesterdagar');
  await context.close();
});
