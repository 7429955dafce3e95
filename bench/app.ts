/**
 * `npm run bench:app`: the app shell in headless Chromium against the production build, served
 * by the real server on the demo data. Not part of `npm test`.
 *
 * Figures:
 * - JavaScript needed for the first page: every script the page had loaded when its first
 *   content appeared, gzip-compressed here (level 9, as a server would precompress), and the
 *   bytes that actually crossed the wire (the server serves its precompressed Brotli or gzip);
 * - time from navigation to the first contentful paint and to the content (the first post of
 *   the home page in the DOM), online with a cold cache, and offline from the service worker's
 *   cache with the data from IndexedDB; each the median of several loads.
 *
 * Targets (issue "The app shell"): at most 150 KB gzip of JavaScript before the first content;
 * offline reload to content under 500 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { startAppServer } from './app-server';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/e2e/browser';
import { writeSection } from './docs-section';
import { median } from './stats';

const RUNS = 7;
const JS_TARGET_BYTES = 150 * 1000;
const OFFLINE_TARGET_MS = 500;

const log = (message: string) => process.stderr.write(`[bench:app] ${message}\n`);

interface Load {
  fcp: number;
  content: number;
}

/** Records when the first post appears in the DOM, relative to navigation start. */
const CONTENT_PROBE = `
  new MutationObserver((_, observer) => {
    if (document.querySelector('main article')) {
      window.__fikaContent = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

async function measureLoad(page: Page, url: string): Promise<Load> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __fikaContent?: number }).__fikaContent, null, {
    timeout: 30_000
  });
  // The paint entry is queued after the frame that shows the content: wait for it too.
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, {
    timeout: 30_000
  });
  return page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
    return { fcp, content: (window as unknown as { __fikaContent: number }).__fikaContent };
  });
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Email').fill('sara@demo.example');
  await page.getByLabel('Password').fill('fika-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/$/);
  await page.waitForSelector('main article');
}

async function newContext(browser: Awaited<ReturnType<typeof chromium.launch>>, baseURL: string) {
  const context = await browser.newContext({ baseURL, locale: 'en-GB', serviceWorkers: 'allow' });
  await context.addInitScript(CONTENT_PROBE);
  return context;
}

/** Scripts loaded by the time the content appeared: gzip size (level 9) and bytes on the wire. */
async function scriptsOfFirstPage(
  context: BrowserContext,
  baseURL: string
): Promise<{ gzip: number; wire: number; files: number }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.goto('/');
  await page.waitForFunction(() => (window as unknown as { __fikaContent?: number }).__fikaContent);
  const scripts = await page.evaluate(() => {
    const contentAt = (window as unknown as { __fikaContent: number }).__fikaContent;
    return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => new URL(e.name).pathname.endsWith('.js') && e.responseEnd <= contentAt)
      .map((e) => ({ url: e.name, wire: e.encodedBodySize }));
  });
  let gzip = 0;
  let wire = 0;
  for (const s of scripts) {
    const body = await (await fetch(new URL(new URL(s.url).pathname, baseURL))).arrayBuffer();
    gzip += zlib.gzipSync(Buffer.from(body), { level: 9 }).length;
    wire += s.wire;
  }
  await page.close();
  return { gzip, wire, files: scripts.length };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-bench-app-'));
  const server = await startAppServer(dataDir, { demo: true });
  const { baseURL } = server;
  try {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });

    // Signed in once, so that the home page has content; then measured.
    const context = await newContext(browser, baseURL);
    const page = await context.newPage();
    await signIn(page);
    // A fresh context with the same sign-in: no HTTP cache and no service worker; the local
    // database is filled from the server anew.
    const account = await page.evaluate(() => localStorage.getItem('fika.account'));
    const signedInCopy = async () => {
      const fresh = await newContext(browser, baseURL);
      await fresh.addCookies(await context.cookies());
      await fresh.addInitScript((value) => {
        if (value !== null) localStorage.setItem('fika.account', value);
      }, account);
      return fresh;
    };
    log('measuring the scripts of the first page');
    const jsContext = await signedInCopy();
    const js = await scriptsOfFirstPage(jsContext, baseURL);
    await jsContext.close();

    log(`online loads with a cold HTTP cache (${RUNS})`);
    const online: Load[] = [];
    for (let i = 0; i < RUNS; i++) {
      const fresh = await signedInCopy();
      online.push(await measureLoad(await fresh.newPage(), '/'));
      await fresh.close();
    }

    log(`offline reloads from the service worker's cache (${RUNS})`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    log(`online reloads of a returning device (${RUNS})`);
    const returning: Load[] = [];
    for (let i = 0; i < RUNS; i++) returning.push(await measureLoad(page, '/'));
    await context.setOffline(true);
    const offline: Load[] = [];
    for (let i = 0; i < RUNS; i++) offline.push(await measureLoad(page, '/'));
    await browser.close();

    const ms = (v: number) => `${Math.round(v)} ms`;
    const kb = (v: number) => `${(v / 1000).toFixed(1)} KB`;
    const fig = (loads: Load[], key: keyof Load) => median(loads.map((l) => l[key]));
    const rows: Array<[string, string, string, string]> = [
      [
        'JavaScript before the first content, gzip -9',
        kb(js.gzip),
        `≤ ${kb(JS_TARGET_BYTES)}`,
        js.gzip <= JS_TARGET_BYTES ? 'yes' : '**no**'
      ],
      ['… bytes on the wire (precompressed by the server)', kb(js.wire), '', ''],
      ['… script files', String(js.files), '', ''],
      ['Online, cold cache: first contentful paint (median)', ms(fig(online, 'fcp')), '', ''],
      ['Online, cold cache: content shown (median)', ms(fig(online, 'content')), '', ''],
      ['Online reload, returning device: first contentful paint (median)', ms(fig(returning, 'fcp')), '', ''],
      ['Online reload, returning device: content shown (median)', ms(fig(returning, 'content')), '', ''],
      ['Offline reload: first contentful paint (median)', ms(fig(offline, 'fcp')), '', ''],
      [
        'Offline reload: content shown (median)',
        ms(fig(offline, 'content')),
        `< ${OFFLINE_TARGET_MS} ms`,
        fig(offline, 'content') < OFFLINE_TARGET_MS ? 'yes' : '**no**'
      ]
    ];
    const table = [
      '| Figure | Value | Target | Met |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`)
    ].join('\n');
    process.stdout.write(`\n${table}\n`);
    const runs = (loads: Load[]) => loads.map((l) => `${Math.round(l.content)}`).join(', ');
    const section = `## App shell (\`npm run bench:app\`)

Headless Chromium (Debian's package) against the production build served by the real server on the demo
data, signed in as sara. Latest run: ${new Date().toUTCString()}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}.

${table}

- Content shown = the first post of the home page in the DOM, from navigation start; each figure the median of
  ${RUNS} loads (content shown, ms: online cold ${runs(online)}; returning ${runs(returning)}; offline ${runs(offline)}).
- The JavaScript figure counts every script loaded by the time the content appeared, each gzip-compressed at
  level 9; the wire figure is what was transferred (the server sends the build's precompressed Brotli or gzip).
- Online cold loads use a fresh browser context each (no HTTP cache, no service worker, an empty local database:
  a new device), so the content waits for the sync engine and the first exchange with the server; their scripts
  include the lazily loaded engine (Yjs and its providers). A returning device paints its content from the local
  database before the engine loads. Offline loads are reloads with the network off, the app from the service worker's
  cache and the posts from IndexedDB.`;
    await writeSection(path.join('docs', 'benchmarks.md'), 'app', section);
    log('docs/benchmarks.md written');
  } finally {
    server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
