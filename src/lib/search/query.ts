/**
 * From what a person typed to a search: plain words, or Lunr's query syntax.
 *
 * Plain words (the usual case) must all match, the last one also as a prefix since it is still
 * being typed; when no item has them all, any of them may match instead (so "who knows forklift
 * certification" still finds the people with that skill). Stop words are dropped unless they are
 * all there is. Each word is searched by its stems in both languages (language.ts); the last
 * word's prefix is the common start of the word and its stems (`semestern` → `semest`, `rikt` →
 * `rikt`), since index terms are stems. scoring.ts does the matching and ranking.
 *
 * Lunr's own syntax (`title:semester`, `+must`, `-not`, `rikt*`, `word~1`, `word^5`) is used
 * when the query contains its marks; when Lunr cannot parse it (a lone `:` or `~`, an unknown
 * field), the query falls back to its plain words, so bad input never throws at the person.
 */
import { fold, isStopWord, lunr, QueryParser, stems } from './language';

/** Lunr's marks; a query with none of them is plain words. */
const SYNTAX = /[:~^*+]|(^|\s)-/;

export type ParsedQuery =
  /** Plain words (scoring.ts matches them): folded, stop words dropped unless nothing else is left. */
  | { kind: 'words'; words: string[]; prefix: string | null; fellBack: boolean }
  /** Lunr's syntax, replayed into a Lunr query per index. */
  | { kind: 'lunr'; words: string[]; build: (q: lunr.Query) => void; fellBack: false };

/** Folded words of a query, with stop words dropped unless all are stop words. */
export function queryWords(input: string): string[] {
  const all = [...input.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => fold(m[0]));
  const content = all.filter((w) => !isStopWord(w));
  // More words than this only slow a search down (and scoring counts words in a byte).
  return [...new Set(content.length > 0 ? content : all)].slice(0, 32);
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** The last word's prefix: the common start of the word and its stems (at least 2 letters). */
export function prefixOf(word: string): string | null {
  if (word.length < 2) return null;
  const prefix = commonPrefix([word, ...stems(word)]);
  return prefix.length >= 2 ? prefix : word;
}

function plain(words: string[], fellBack: boolean): ParsedQuery {
  const last = words[words.length - 1];
  return { kind: 'words', words, prefix: last ? prefixOf(last) : null, fellBack };
}

/**
 * Reads a query. Lunr syntax is parsed once against an empty query to find errors early; the
 * builder then replays it per index.
 */
export function parseQuery(input: string, fields: readonly string[]): ParsedQuery {
  const words = queryWords(input);
  if (SYNTAX.test(input)) {
    try {
      const probe = new lunr.Query([...fields]);
      new QueryParser(input, probe).parse();
      if (probe.clauses.length > 0) {
        return { kind: 'lunr', words, fellBack: false, build: (q) => void new QueryParser(input, q).parse() };
      }
    } catch (e) {
      if (!(e instanceof lunr.QueryParseError)) throw e;
    }
    return plain(words, true);
  }
  return plain(words, false);
}

/** Whether a text word matches one of the query's words (same stem, or the last word's prefix). */
export function matcher(queryWords: string[]): (word: string) => boolean {
  const wanted = new Set(queryWords.flatMap((w) => stems(w)));
  const last = queryWords[queryWords.length - 1];
  const prefix = last ? prefixOf(last) : null;
  return (word) => {
    const f = fold(word);
    if (prefix && f.startsWith(prefix)) return true;
    return stems(f).some((s) => wanted.has(s));
  };
}
