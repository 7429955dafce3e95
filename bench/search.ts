/**
 * `npm run bench:search`: Fika's search (the segmented Lunr index of src/lib/search) against
 * MiniSearch on the same generated corpus of 20,000 Swedish and English items (search-corpus.ts),
 * in one Node process. Not part of `npm test`; it rewrites its section of docs/benchmarks.md.
 *
 * Runs in Node, not in the browser's worker: the persisted index is measured as its serialised
 * form (what the worker stores in IndexedDB, by structured clone rather than JSON), and "cold
 * start" is parsing that form and loading it into a searchable index. Query times include
 * Fika's snippets and highlight ranges for the first 20 hits; MiniSearch returns ids and scores.
 */
import os from 'node:os';
import v8 from 'node:v8';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import MiniSearch from 'minisearch';
import { fold, stems } from '../src/lib/search/language';
import { SegmentedIndex, type SegmentData, type StoredDoc } from '../src/lib/search/segments';
import { writeSection } from './docs-section';
import { generateCorpus, random } from './search-corpus';

const COUNT = Number(process.env.BENCH_SEARCH_ITEMS ?? 20_000);
const QUERIES = 300;
const TARGETS = { p95: 15, ready: 1000, newItem: 1000 };

const ms = (t: number) => `${t < 10 ? t.toFixed(2) : t.toFixed(0)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function percentiles(samples: number[]): { p50: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
}

const { items, vocabulary, drawWord } = generateCorpus(COUNT);
const rnd = random(7);
const draw = () => drawWord(rnd);
/** Query words are drawn by their frequency in the corpus: common words, the costly ones, most often. */
const querySets: Record<string, string[]> = {
  '1 word': Array.from({ length: QUERIES }, () => draw()),
  '2 words': Array.from({ length: QUERIES }, () => `${draw()} ${draw()}`),
  '3 words': Array.from({ length: QUERIES }, () => `${draw()} ${draw()} ${draw()}`),
  'prefix (3–5 letters)': Array.from({ length: QUERIES }, () => draw().slice(0, 3 + Math.floor(rnd() * 3))),
  'the 10 most common words': Array.from({ length: QUERIES }, (_, i) => vocabulary[i % 10]!)
};
const words = items.reduce((n, d) => n + d.text.split(' ').length, 0);
const share = (word: string) => items.filter((d) => d.text.includes(word)).length / items.length;
console.log(
  `corpus: ${items.length} items, ${words} words of text; most common content word "${vocabulary[0]}" in ${(share(vocabulary[0]!) * 100).toFixed(0)}% of items`
);

function newItem(n: number): StoredDoc {
  return {
    id: `post:new-${n}`,
    type: 'post',
    title: 'Nytt inlägg',
    text: `Välkommen till nyhetsbrevet nummer ${n}: kvartalsrapportenzz${n} är klar.`,
    fields: {},
    spaceId: 'space-1',
    at: Date.now(),
    href: `/posts/new-${n}`,
    v: '1'
  };
}

// --- Fika (Lunr, segmented) ---
function benchFika() {
  global.gc?.();
  const built = SegmentedIndex.load([], []);
  const [applied, buildMs] = time(() => built.apply(items, []));
  // The worker stores segments in IndexedDB, which copies them by structured clone: v8's
  // serialiser is that format.
  const serialised = v8.serialize(applied.segment);
  const indexBytes = v8.serialize(applied.segment!.index).length;
  const [loaded, readyMs] = time(() => SegmentedIndex.load([v8.deserialize(serialised) as SegmentData], []));
  const newTimes: number[] = [];
  for (let n = 0; n < 10; n++) {
    const [, t] = time(() => {
      loaded.apply([newItem(n)], []);
      const found = loaded
        .search({ query: `kvartalsrapportenzz${n}` })
        .hits.some((h) => h.doc.id === `post:new-${n}`);
      if (!found) throw new Error('new item not found');
    });
    newTimes.push(t);
  }
  const [, mergeMs] = time(() => loaded.merge('all'));
  const latency: Record<string, { p50: number; p95: number }> = {};
  for (const [name, queries] of Object.entries(querySets)) {
    for (const q of queries.slice(0, 20)) loaded.search({ query: q }); // warm-up
    const samples = queries.map((q) => time(() => loaded.search({ query: q, limit: 20 }))[1]);
    latency[name] = percentiles(samples);
  }
  return {
    buildMs,
    size: serialised.length,
    indexBytes,
    readyMs,
    newItem: percentiles(newTimes),
    mergeMs,
    latency
  };
}

// --- MiniSearch, configured alike: same fields and boosts, the same folding, prefix on the last word ---
function benchMiniSearch() {
  global.gc?.();
  const options = {
    fields: ['title', 'text', 'tags', 'meta'],
    storeFields: ['type'],
    processTerm: (term: string) => {
      const f = fold(term);
      return f ? stems(f) : null;
    },
    searchOptions: {
      boost: { tags: 15, title: 5, meta: 2 },
      prefix: (_term: string, i: number, terms: string[]) => i === terms.length - 1
    }
  };
  const flat = (d: StoredDoc) => ({
    id: d.id,
    type: d.type,
    title: d.title,
    text: d.text,
    tags: (d.tags ?? []).join(' '),
    meta: Object.values(d.fields).join(' ')
  });
  const [index, buildMs] = time(() => {
    const m = new MiniSearch(options);
    m.addAll(items.map(flat));
    return m;
  });
  const serialised = JSON.stringify(index);
  const [loaded, readyMs] = time(() => MiniSearch.loadJSON(serialised, options));
  const newTimes: number[] = [];
  for (let n = 0; n < 10; n++) {
    const [, t] = time(() => {
      loaded.add(flat(newItem(n)));
      if (loaded.search(`kvartalsrapportenzz${n}`).length === 0) throw new Error('new item not found');
    });
    newTimes.push(t);
  }
  const latency: Record<string, { p50: number; p95: number }> = {};
  for (const [name, queries] of Object.entries(querySets)) {
    for (const q of queries.slice(0, 20)) loaded.search(q);
    const samples = queries.map((q) => time(() => loaded.search(q).slice(0, 20))[1]);
    latency[name] = percentiles(samples);
  }
  return { buildMs, size: serialised.length, readyMs, newItem: percentiles(newTimes), latency };
}

const fika = benchFika();
console.log('fika', JSON.stringify(fika));
const mini = benchMiniSearch();
console.log('minisearch', JSON.stringify(mini));

const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
const rows: string[][] = [
  ['Index build, all items at once', ms(fika.buildMs), ms(mini.buildMs), ''],
  [
    'Persisted size',
    `${mib(fika.size)} (index ${mib(fika.indexBytes)}, items with texts ${mib(fika.size - fika.indexBytes)})`,
    `${mib(mini.size)} (index only, JSON)`,
    ''
  ],
  [
    'Cold start to search-ready (read the stored form + load)',
    ms(fika.readyMs),
    ms(mini.readyMs),
    `under ${TARGETS.ready} ms: ${yes(fika.readyMs < TARGETS.ready)}`
  ],
  [
    'New item searchable (index + query), median / p95',
    `${ms(fika.newItem.p50)} / ${ms(fika.newItem.p95)}`,
    `${ms(mini.newItem.p50)} / ${ms(mini.newItem.p95)}`,
    `under ${TARGETS.newItem} ms: ${yes(fika.newItem.p95 < TARGETS.newItem)}`
  ],
  ['Background merge of all segments', ms(fika.mergeMs), '(not needed)', ''],
  ...Object.keys(querySets).map((name) => [
    `Query, ${name}: p50 / p95`,
    `${ms(fika.latency[name]!.p50)} / ${ms(fika.latency[name]!.p95)}`,
    `${ms(mini.latency[name]!.p50)} / ${ms(mini.latency[name]!.p95)}`,
    `p95 under ${TARGETS.p95} ms: ${yes(fika.latency[name]!.p95 < TARGETS.p95)}`
  ])
];
const table = [
  '| Figure | Fika (Lunr, segments) | MiniSearch 7 | Target |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`)
].join('\n');
const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown';
const markdown = `## Search (\`npm run bench:search\`)

\`npm run bench:search\` measures the local search on a generated corpus of ${items.length.toLocaleString('en')} Swedish and English
items (${words.toLocaleString('en')} words of text: posts, comments, documents, people, groups), with MiniSearch on the same
corpus in the same run as the reference (same fields, boosts, folding and stemmers; prefix on the last word). It runs
in Node rather than in the browser's worker: the persisted size is the segment in structured-clone form (v8's
serialiser, the form IndexedDB stores), and cold start is reading that form back and loading it; IndexedDB's own
read time is not included. The corpus follows Zipf's law over 30,000 words and query words are drawn by their
frequency in it, so common words (the costly ones) are asked most; the last row asks only the ten most common. ${QUERIES} queries per kind; Fika's times include snippets with highlights for the first 20 hits. Not part of
\`npm test\`.

- Date: ${new Date().toUTCString()}
- Machine: ${os.cpus().length} cores, ${cpu}, ${os.type()} ${os.release()}
- Node: ${process.version}

${table}
`;
// A smaller corpus (BENCH_SEARCH_ITEMS) is a smoke run: its figures are not kept.
if (COUNT === 20_000) await writeSection(path.resolve('docs/benchmarks.md'), 'search', markdown);
console.log(markdown);
