/**
 * From what a person typed to Lunr queries, and the words to highlight.
 *
 * Plain words (the usual case) are searched two ways at once: the word through the pipeline
 * (folded and stemmed in both languages, boost 10) and its folded form as a prefix (`rikt*`,
 * boost 1), because Lunr's wildcard terms skip the stemmer. So `rikt` finds `riktlinjer` while
 * typing, and a whole word ranks its stemmed matches above mere prefix matches. Words are
 * optional (any may match; items matching more rank higher), stop words are dropped unless they
 * are all there is.
 *
 * Lunr's own syntax (`title:semester`, `+must`, `-not`, `rikt*`, `word~1`, `word^5`) is used
 * when the query contains its marks; when Lunr cannot parse it (a lone `:` or `~`, an unknown
 * field), the query falls back to its plain words, so bad input never throws at the person.
 */
import { fold, isStopWord, lunr, QueryParser, stems } from './language';

/** Lunr's marks; a query with none of them is plain words. */
const SYNTAX = /[:~^*+]|(^|\s)-/;

export interface ParsedQuery {
  /** Folded words the query searches for (stop words dropped unless nothing else is left). */
  words: string[];
  /** A Lunr query builder for one index. */
  build: (q: lunr.Query) => void;
  /** Whether Lunr's syntax could not be read and plain words are searched instead. */
  fellBack: boolean;
}

/** Folded words of a query, with stop words dropped unless all are stop words. */
export function queryWords(input: string): string[] {
  const all = [...input.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => fold(m[0]));
  const content = all.filter((w) => !isStopWord(w));
  return [...new Set(content.length > 0 ? content : all)];
}

function plainBuilder(words: string[]): (q: lunr.Query) => void {
  return (q) => {
    for (const word of words) {
      q.term(word, { boost: 10, usePipeline: true });
      if (word.length >= 2) {
        q.term(word, { boost: 1, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
      }
    }
  };
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
        return {
          words,
          fellBack: false,
          build: (q) => {
            new QueryParser(input, q).parse();
          }
        };
      }
    } catch (e) {
      if (!(e instanceof lunr.QueryParseError)) throw e;
    }
    return { words, fellBack: true, build: plainBuilder(words) };
  }
  return { words, fellBack: false, build: plainBuilder(words) };
}

/** Whether a text word matches one of the query's words (same stem, or the query word is its prefix). */
export function matcher(queryWords: string[]): (word: string) => boolean {
  const wanted = new Set(queryWords.flatMap((w) => stems(w)));
  const prefixes = queryWords.filter((w) => w.length >= 2);
  return (word) => {
    const f = fold(word);
    if (prefixes.some((p) => f.startsWith(p))) return true;
    return stems(f).some((s) => wanted.has(s));
  };
}
