/**
 * Words for search: how text becomes index terms, shared by indexing, querying and snippets so
 * that the three always agree.
 *
 * Fika's content mixes Swedish and English, often in one post, and an item carries no language.
 * So every word is stemmed by both the Swedish and the English Snowball stemmers of
 * `lunr-languages`, and both stems are index terms (a Lunr pipeline function may return several
 * tokens). A query word is stemmed the same way, so `riktlinjer` meets `riktlinje` through the
 * Swedish stem and `policies` meets `policy` through the English one. The cost is an occasional
 * match through the other language's stem, which ranking keeps below real matches.
 *
 * Letters: å, ä and ö are letters of their own in Swedish (not a, a, o with marks), so they are
 * kept; every other accent is folded away (é → e, ü → u), and æ/ø are read as ä/ö. lunr-languages'
 * Swedish trimmer keeps Latin letters but folds nothing, and its stemmer would treat `café` and
 * `cafe` as different words, hence the own `fold` step before stemming.
 */
import lunr from 'lunr';
import stemmerSupport from 'lunr-languages/lunr.stemmer.support.js';
import swedish from 'lunr-languages/lunr.sv.js';

/** A pipeline function as Lunr calls it (its typings declare one argument and no `undefined`). */
type Step = (
  token: lunr.Token,
  i: number,
  tokens: lunr.Token[]
) => lunr.Token | lunr.Token[] | null | undefined;

type LunrWithSv = typeof lunr & {
  sv: { stemmer: Step; stopWordFilter: Step };
  stemmer: Step;
  stopWordFilter: Step;
};

let ready = false;

/** Lunr with Swedish registered, once per realm (the plugins add to the shared `lunr` object). */
function lunrSv(): LunrWithSv {
  if (!ready) {
    stemmerSupport(lunr);
    swedish(lunr);
    ready = true;
  }
  return lunr as LunrWithSv;
}

const KEEP = new Set(['a\u030a', 'a\u0308', 'o\u0308']);
const PLAIN = /^[a-z0-9åäö]*$/;

/** Lower case, accents folded except å, ä, ö (see the module comment). */
export function fold(word: string): string {
  const lower = word.toLowerCase();
  // Nearly every word has nothing to fold.
  if (PLAIN.test(lower)) return lower;
  return lower
    .replace(/æ/g, 'ä')
    .replace(/ø/g, 'ö')
    .normalize('NFD')
    .replace(/([a-z]?)(\p{M}+)/gu, (_m, base: string, marks: string) =>
      KEEP.has(base + marks) ? base + marks : base
    )
    .normalize('NFC');
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text with where each starts and ends (for snippets). */
export function words(text: string): { word: string; start: number; end: number }[] {
  const out: { word: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/**
 * Stemming is the costly step of indexing, querying and highlighting, and a corpus repeats its
 * words endlessly: remember the stems of recent words (a bounded cache, emptied when full).
 */
const stemCache = new Map<string, string[]>();
const STEM_CACHE_SIZE = 50_000;

/** Both languages' stems of a folded word, without duplicates. */
export function stems(folded: string): string[] {
  let cached = stemCache.get(folded);
  if (cached === undefined) {
    if (stemCache.size >= STEM_CACHE_SIZE) stemCache.clear();
    cached = computeStems(folded);
    stemCache.set(folded, cached);
  }
  return cached;
}

/**
 * Swedish definite forms the Snowball stemmer leaves alone: `-et` (mötet, projektet, huset) and
 * `-an` (fikan, soppan). Their indefinite forms' stems are added too, so `mötet` meets `möte` and
 * `fikan` meets `fika`; an English word with the same ending (market, ticket) gets an extra stem
 * that rarely meets anything.
 */
function definiteVariants(folded: string): string[] {
  if (folded.length < 5) return [];
  if (folded.endsWith('et')) return [folded.slice(0, -1), folded.slice(0, -2)];
  if (folded.endsWith('an')) return [folded.slice(0, -1)];
  return [];
}

function computeStems(folded: string): string[] {
  const out = new Set(stemsOf(folded));
  for (const variant of definiteVariants(folded)) for (const s of stemsOf(variant)) out.add(s);
  return [...out];
}

function stemsOf(folded: string): string[] {
  const l = lunrSv();
  const sv = l.sv.stemmer(new lunr.Token(folded, {}), 0, []);
  const en = l.stemmer(new lunr.Token(folded, {}), 0, []);
  const out = new Set<string>();
  if (sv && !Array.isArray(sv)) out.add(sv.toString());
  if (en && !Array.isArray(en)) out.add(en.toString());
  return [...out];
}

/** Whether a folded word is a stop word in either language (too common to search for). */
export function isStopWord(folded: string): boolean {
  const l = lunrSv();
  const token = new lunr.Token(folded, {});
  return !l.sv.stopWordFilter(token, 0, []) || !l.stopWordFilter(token, 0, []);
}

// Pipeline functions, registered under fixed labels so that a persisted index can be loaded.

const trimmer: lunr.PipelineFunction = (token) =>
  token.update((s) => s.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));

const folder: lunr.PipelineFunction = (token) => token.update((s) => fold(s));

const stopWords: lunr.PipelineFunction = (token) => (isStopWord(token.toString()) ? null : token);

const dualStemmer: lunr.PipelineFunction = (token) => {
  const s = stems(token.toString());
  const metadata = (token as unknown as { metadata: object }).metadata;
  return s.map((stem, i) => (i === 0 ? token.update(() => stem) : new lunr.Token(stem, metadata)));
};

/** Lunr's query parser (public, but missing from its typings); throws `lunr.QueryParseError`. */
export const QueryParser = (
  lunr as unknown as { QueryParser: new (input: string, query: lunr.Query) => { parse(): lunr.Query } }
).QueryParser;

let registered = false;

function register(): void {
  if (registered) return;
  lunrSv();
  lunr.Pipeline.registerFunction(trimmer, 'fika-trimmer');
  lunr.Pipeline.registerFunction(folder, 'fika-fold');
  lunr.Pipeline.registerFunction(stopWords, 'fika-stop-words');
  lunr.Pipeline.registerFunction(dualStemmer, 'fika-stem-sv-en');
  registered = true;
}

/** A Lunr builder plugin: Fika's indexing and query pipelines in place of Lunr's English ones. */
export function fikaLanguages(builder: lunr.Builder): void {
  register();
  builder.pipeline.reset();
  builder.pipeline.add(trimmer, folder, stopWords, dualStemmer);
  builder.searchPipeline.reset();
  builder.searchPipeline.add(trimmer, folder, dualStemmer);
}

/** The query pipeline, for an index rebuilt from its packed form (packed.ts). */
export function searchPipeline(): lunr.Pipeline {
  register();
  const pipeline = new lunr.Pipeline();
  pipeline.add(trimmer, folder, dualStemmer);
  return pipeline;
}

/** Makes sure the pipeline functions exist before `lunr.Index.load`. */
export function registerLanguages(): void {
  register();
}

export { lunr };
