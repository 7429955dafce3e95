/**
 * `npm run bench:feed`: the feed in headless Chromium against the production build and the real
 * server. Not part of `npm test`.
 *
 * Figures:
 * - the newest 50 posts of a 10,000-post local cache, read with the home page's query from
 *   Dexie (IndexedDB in Chromium): first run and the median and p95 of the following runs;
 * - a new device and a space with 50,000 posts (25 months of 2,000): time from pressing
 *   "Sign in" to the first 20 posts on screen (the median of three fresh browsers), and what the
 *   device had downloaded by then;
 * - scrolling the feed down through 1,000 posts from the local store: frame intervals while
 *   scrolling (p50, p95, longest) and how long it took to reach the 1,000th post.
 *
 * Targets (issue "Feed and spaces"): the first 20 posts within 2 s of signing in on a new device;
 * scrolling through 1,000 cached posts stays smooth.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { chromium, type Browser } from '@playwright/test';
import { startAppServer } from './app-server';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/e2e/browser';
import { writeSection } from './docs-section';
import { BENCH_EMAIL, BENCH_PASSWORD, generateFeedData } from './feed-data';
import { median } from './stats';

const POSTS = 50_000;
const MONTHS = 25;
const NEW_DEVICE_RUNS = 3;
const CACHE_POSTS = 10_000;
const READ_RUNS = 30;
const SCROLL_POSTS = 1000;
const FIRST_POSTS_TARGET_MS = 2000;

const log = (message: string) => process.stderr.write(`[bench:feed] ${message}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function newDevice(browser: Browser, baseURL: string): Promise<{ ms: number; bytes: number }> {
  const context = await browser.newContext({ baseURL, locale: 'en-GB', serviceWorkers: 'allow' });
  const page = await context.newPage();
  let bytes = 0;
  page.on('websocket', (ws) =>
    ws.on(
      'framereceived',
      (f) => (bytes += typeof f.payload === 'string' ? f.payload.length : f.payload.byteLength)
    )
  );
  await page.goto('/signin');
  await page.getByLabel('Email').fill(BENCH_EMAIL);
  await page.getByLabel('Password').fill(BENCH_PASSWORD);
  const start = Date.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(
    () => document.querySelectorAll('section[aria-labelledby="latest-posts"] article').length >= 20,
    null,
    { timeout: 60_000, polling: 'raf' }
  );
  const elapsed = Date.now() - start;
  const received = bytes;
  await context.close();
  return { ms: elapsed, bytes: received };
}

async function readFromCache(browser: Browser, baseURL: string): Promise<number[]> {
  const bundle = buildSync({
    entryPoints: ['bench/feed-harness.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    minify: true,
    logLevel: 'silent'
  }).outputFiles[0]!.text;
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto('/healthz');
  await page.addScriptTag({ content: bundle });
  const { times, rows } = await page.evaluate(([posts, runs]) => window.fikaFeedBench(posts, 50, runs), [
    CACHE_POSTS,
    READ_RUNS
  ] as const);
  if (rows !== 50) throw new Error(`the feed query returned ${rows} posts, not 50`);
  await context.close();
  return times;
}

async function scrolling(browser: Browser, baseURL: string) {
  const context = await browser.newContext({
    baseURL,
    locale: 'en-GB',
    viewport: { width: 1280, height: 900 }
  });
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel('Email').fill(BENCH_EMAIL);
  await page.getByLabel('Password').fill(BENCH_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(
    () => document.querySelectorAll('section[aria-labelledby="latest-posts"] article').length >= 20,
    null,
    { timeout: 60_000 }
  );
  // Let the first sync of both months finish, so what follows reads the local store only.
  await page.waitForFunction(
    () => document.querySelector('[data-testid="sync-status"]')?.getAttribute('data-state') === 'synced',
    null,
    {
      timeout: 60_000
    }
  );
  // A string, not a function: the bench runs through tsx, whose helpers do not exist in the page.
  const result = (await page.evaluate(`(async (target) => {
    const frames = [];
    const start = performance.now();
    let last = start;
    const count = () => document.querySelectorAll('section[aria-labelledby="latest-posts"] article').length;
    while (count() < target && performance.now() - start < 120000) {
      await new Promise((resolve) =>
        requestAnimationFrame((t) => {
          frames.push(t - last);
          last = t;
          window.scrollBy(0, 400);
          resolve();
        })
      );
    }
    return { frames: frames.slice(1), elapsed: performance.now() - start, reached: count() };
  })(${SCROLL_POSTS})`)) as { frames: number[]; elapsed: number; reached: number };
  await context.close();
  return result;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fika-bench-feed-'));
  log(`generating ${POSTS} posts over ${MONTHS} months in ${dir}`);
  const t0 = Date.now();
  await generateFeedData(dir, POSTS, MONTHS);
  log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startAppServer(dir);
  const { baseURL } = server;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    log('1. reading the newest 50 of 10,000 cached posts');
    const reads = await readFromCache(browser, baseURL);
    log(`   first ${ms(reads[0]!)} ms, then median ${ms(median(reads.slice(1)))} ms`);

    log('2. new device, 50,000-post space');
    const devices = [];
    for (let i = 0; i < NEW_DEVICE_RUNS; i++) {
      const run = await newDevice(browser, baseURL);
      log(`   run ${i + 1}: ${run.ms} ms, ${(run.bytes / 1024 / 1024).toFixed(1)} MiB received`);
      devices.push(run);
    }
    log('3. scrolling through 1,000 posts');
    const scroll = await scrolling(browser, baseURL);
    log(`   reached ${scroll.reached} posts in ${(scroll.elapsed / 1000).toFixed(1)} s`);

    const firstPosts = median(devices.map((d) => d.ms));
    const rows = [
      ['Newest 50 of a 10,000-post cache from Dexie, first read', `${ms(reads[0]!)} ms`, ''],
      [
        `Newest 50 of a 10,000-post cache from Dexie, next ${READ_RUNS - 1} reads`,
        `median ${ms(median(reads.slice(1)))} ms, p95 ${ms(percentile(reads.slice(1), 95))} ms`,
        ''
      ],
      [
        'New device, 50,000-post space: "Sign in" to the first 20 posts',
        `${firstPosts} ms (runs: ${devices.map((d) => d.ms).join(', ')} ms)`,
        `under ${FIRST_POSTS_TARGET_MS} ms: ${firstPosts < FIRST_POSTS_TARGET_MS ? 'yes' : '**no**'}`
      ],
      [
        'New device: sync data received by then',
        `${(median(devices.map((d) => d.bytes)) / 1024 / 1024).toFixed(1)} MiB (this month's partition, of 25; last month's follows)`,
        ''
      ],
      [
        `Scrolling to post ${SCROLL_POSTS}: frame interval`,
        `p50 ${ms(percentile(scroll.frames, 50))} ms, p95 ${ms(percentile(scroll.frames, 95))} ms, longest ${ms(Math.max(...scroll.frames))} ms`,
        `${scroll.frames.filter((f) => f > 50).length} of ${scroll.frames.length} frames over 50 ms`
      ],
      [
        `Scrolling to post ${SCROLL_POSTS}: time`,
        `${(scroll.elapsed / 1000).toFixed(1)} s (${scroll.reached} posts)`,
        ''
      ]
    ];
    const table = [
      '| Figure | Result | Target |',
      '| --- | --- | --- |',
      ...rows.map((r) => `| ${r.join(' | ')} |`)
    ].join('\n');
    process.stdout.write(`\n${table}\n\n`);
    const section = `## Feed (\`npm run bench:feed\`)

\`npm run bench:feed\` measures the feed in headless Chromium (Debian's) against the production build and the real
server, on generated data: a space with ${POSTS.toLocaleString('en')} posts over ${MONTHS} months, and a local cache of
${CACHE_POSTS.toLocaleString('en')} posts. It is not part of \`npm test\`; rerun it to update this section.

- Date: ${new Date().toUTCString()}
- Machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Linux ${os.release()}
- Node: ${process.version}

${table}
`;
    await writeSection(path.join('docs', 'benchmarks.md'), 'feed', section);
    log('docs/benchmarks.md written');
  } finally {
    await browser.close();
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
