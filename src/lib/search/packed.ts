/**
 * A built Lunr index in a compact, typed form: how segments are kept in memory, stored in
 * IndexedDB and searched.
 *
 * Lunr's own serialisation of 20,000 items was 37 MiB of nested JSON (every posting names its
 * item by its full ref, every item keeps a vector per field), which took over a second to parse
 * and far longer to read back from IndexedDB as an object graph. The same information fits in a
 * few typed arrays, which IndexedDB copies as plain bytes: the sorted terms, and per field each
 * term's items (as numbers) with the BM25 weight Lunr computed for it (field boosts included).
 * Lunr still does the indexing (tokenizer, pipeline, weights); `toLunr` rebuilds a `lunr.Index`
 * on demand for queries in Lunr's own syntax.
 */
import { lunr, searchPipeline } from './language';

export interface PackedIndex {
  fields: string[];
  /** Item number → ref. */
  refs: string[];
  /** Every term, sorted (so a prefix's terms are one run). */
  terms: string[];
  /** Per field: where each term's postings start (terms.length + 1 entries). */
  offsets: Uint32Array[];
  /** Per field: item numbers, term by term. */
  items: Uint32Array[];
  /** Per field: the weight of each posting. */
  weights: Float32Array[];
}

interface LunrData {
  invertedIndex: Record<string, Record<string, Record<string, unknown>> & { _index: number }>;
  fieldVectors: Record<string, { elements: number[] }>;
  fields: string[];
}

/** A term's weight in one item's field vector (sorted [termIndex, weight, …] pairs). */
function weightIn(elements: number[] | undefined, termIndex: number): number {
  if (!elements) return 0;
  let lo = 0;
  let hi = elements.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = elements[mid * 2]!;
    if (at === termIndex) return elements[mid * 2 + 1]!;
    if (at < termIndex) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

export function pack(index: lunr.Index, refs: string[]): PackedIndex {
  const data = index as unknown as LunrData;
  const number = new Map(refs.map((r, i) => [r, i]));
  const terms = Object.keys(data.invertedIndex).sort();
  const fields = [...data.fields];
  const offsets = fields.map(() => new Uint32Array(terms.length + 1));
  const lists = fields.map(() => ({ items: [] as number[], weights: [] as number[] }));
  terms.forEach((term, t) => {
    const entry = data.invertedIndex[term]!;
    fields.forEach((field, f) => {
      offsets[f]![t] = lists[f]!.items.length;
      for (const ref in entry[field]) {
        const n = number.get(ref);
        if (n === undefined) continue;
        lists[f]!.items.push(n);
        lists[f]!.weights.push(weightIn(data.fieldVectors[`${field}/${ref}`]?.elements, entry._index));
      }
    });
  });
  fields.forEach((_, f) => (offsets[f]![terms.length] = lists[f]!.items.length));
  return {
    fields,
    refs,
    terms,
    offsets,
    items: lists.map((l) => Uint32Array.from(l.items)),
    weights: lists.map((l) => Float32Array.from(l.weights))
  };
}

/** A packed index ready to search: term lookup, prefix runs, and Lunr on demand. */
export class PackedSearch {
  readonly #termIds = new Map<string, number>();
  #lunr: lunr.Index | null = null;

  constructor(readonly data: PackedIndex) {
    data.terms.forEach((t, i) => this.#termIds.set(t, i));
  }

  termId(term: string): number | undefined {
    return this.#termIds.get(term);
  }

  /** The ids of the terms starting with `prefix`, the shortest `max` of them. */
  prefixed(prefix: string, max: number): number[] {
    const terms = this.data.terms;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (terms[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const found: number[] = [];
    for (let i = lo; i < terms.length && terms[i]!.startsWith(prefix); i++) found.push(i);
    if (found.length <= max) return found;
    return found.sort((a, b) => terms[a]!.length - terms[b]!.length || a - b).slice(0, max);
  }

  /** Calls `visit` with each (item number, weight) of a term, in every field. */
  each(termId: number, visit: (item: number, weight: number) => void): void {
    const { offsets, items, weights } = this.data;
    for (let f = 0; f < offsets.length; f++) {
      const end = offsets[f]![termId + 1]!;
      const fi = items[f]!;
      const fw = weights[f]!;
      for (let p = offsets[f]![termId]!; p < end; p++) visit(fi[p]!, fw[p]!);
    }
  }

  /** The index as Lunr's own, for queries in Lunr's syntax (built on first use). */
  toLunr(): lunr.Index {
    if (this.#lunr) return this.#lunr;
    const { fields, refs, terms, offsets, items, weights } = this.data;
    const invertedIndex: Record<string, Record<string, unknown>> = {};
    const vectors = new Map<string, number[]>();
    terms.forEach((term, t) => {
      const entry: Record<string, unknown> = { _index: t };
      fields.forEach((field, f) => {
        const postings: Record<string, object> = {};
        for (let p = offsets[f]![t]!; p < offsets[f]![t + 1]!; p++) {
          const ref = refs[items[f]![p]!]!;
          postings[ref] = {};
          const key = `${field}/${ref}`;
          let v = vectors.get(key);
          if (!v) vectors.set(key, (v = []));
          v.push(t, weights[f]![p]!);
        }
        entry[field] = postings;
      });
      invertedIndex[term] = entry;
    });
    const fieldVectors: Record<string, lunr.Vector> = {};
    for (const ref of refs) {
      for (const field of fields) {
        fieldVectors[`${field}/${ref}`] = new lunr.Vector(vectors.get(`${field}/${ref}`) ?? []);
      }
    }
    this.#lunr = new lunr.Index({
      invertedIndex,
      fieldVectors,
      tokenSet: (lunr.TokenSet as unknown as { fromArray(t: string[]): lunr.TokenSet }).fromArray(terms),
      fields,
      pipeline: searchPipeline()
    } as unknown as lunr.Index.Attributes);
    return this.#lunr;
  }
}
