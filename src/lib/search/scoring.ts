/**
 * Matching and scoring plain-word queries on a packed index (packed.ts), without Lunr's query
 * engine.
 *
 * Lunr's `query()` scores every item that matches any term, and a required wildcard term
 * rebuilds its match set once per expanded term and field (quadratic): with common words or short
 * prefixes over 20,000 items that took tens of milliseconds. Here the items having every word are
 * found first (a word's items are those of any of its terms, in any field; the smallest word
 * first), and only those are scored: the sum over the query's terms of the BM25 weight Lunr
 * computed for the item (field boosts included) times the term's boost. That is Lunr's dot
 * product without its per-query normalisation, which does not change the order within a query.
 */
import { stems } from './language';
import type { PackedSearch } from './packed';

/** Most expansions a prefix brings (the shortest terms, closest to what was typed). */
const MAX_EXPANSIONS = 64;
/** A word found whole needs its prefix only for a few longer forms. */
const MAX_EXPANSIONS_WHOLE = 8;
export const EXACT_BOOST = 10;
export const PREFIX_BOOST = 1;

/** A word's terms in this index, each with its boost. */
function wordTerms(index: PackedSearch, word: string, prefix: string | null): Map<number, number> {
  const terms = new Map<number, number>();
  const exact = stems(word).flatMap((s) => {
    const id = index.termId(s);
    return id === undefined ? [] : [id];
  });
  if (prefix) {
    const max = exact.length > 0 ? MAX_EXPANSIONS_WHOLE : MAX_EXPANSIONS;
    for (const id of index.prefixed(prefix, max)) terms.set(id, PREFIX_BOOST);
  }
  for (const id of exact) terms.set(id, EXACT_BOOST);
  return terms;
}

/** Items matched by a query: their numbers, and every item's score by its number. */
export interface Matches {
  items: number[];
  scores: Float64Array;
}

/**
 * Items of `index` matching `words` (all of them, or any with `mode: 'any'`), the last word
 * also as `prefix`, with their scores. Plain arrays indexed by item number, not maps: a common
 * word matches thousands of items.
 */
export function matchWords(
  index: PackedSearch,
  words: string[],
  prefix: string | null,
  mode: 'all' | 'any'
): Matches {
  const size = index.data.refs.length;
  const scores = new Float64Array(size);
  const items: number[] = [];
  const perWord = words.map((w, i) => wordTerms(index, w, i === words.length - 1 ? prefix : null));
  if (mode === 'all' && perWord.some((w) => w.size === 0)) return { items, scores };
  // With several words, an item is a candidate when every word has one of its terms there.
  let allowed: Uint8Array | null = null;
  if (mode === 'all' && perWord.length > 1) {
    // How many words, in order, an item has: counted up only from the previous word's count.
    const count = new Uint8Array(size);
    for (const [w, terms] of perWord.entries()) {
      for (const id of terms.keys()) {
        index.each(id, (item) => {
          if (count[item] === w) count[item] = w + 1;
        });
      }
    }
    allowed = count.map((c) => (c === perWord.length ? 1 : 0));
  }
  // Each term once, with the highest boost any word gives it.
  const terms = new Map<number, number>();
  for (const w of perWord) for (const [id, b] of w) terms.set(id, Math.max(b, terms.get(id) ?? 0));
  for (const [id, boost] of terms) {
    index.each(id, (item, weight) => {
      if (allowed && allowed[item] === 0) return;
      if (scores[item] === 0) items.push(item);
      // A weight of 0 still counts as matched (MIN_VALUE keeps it apart from "not seen").
      scores[item] = scores[item]! + (boost * weight || Number.MIN_VALUE);
    });
  }
  return { items, scores };
}
