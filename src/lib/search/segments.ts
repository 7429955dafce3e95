/**
 * The segmented index: a Lunr index cannot change once built, so the items live in a list of
 * segments, oldest first: a large base segment and small recent ones, each a Lunr index with
 * the items it was built from. Queries run against every segment and the answers are combined.
 *
 * - Adding or changing items builds one new small segment from just those items (milliseconds),
 *   so a new post is searchable at once.
 * - The live copy of an item is the one in the newest segment holding it (`owner`). Older copies
 *   of a changed item, and every copy of a deleted one, are tombstoned: still in their segment's
 *   index but filtered out of answers at query time, until a merge rebuilds those segments
 *   without them. Deleted ids are kept in `deleted` (persisted) so a restart still hides them.
 * - Merging (`merge`) rebuilds a suffix of the list (all small segments, or everything) from the
 *   live items into one segment. It always takes the newest segment too, so "newest copy wins"
 *   stays true. The owner of the index (the worker) runs it when idle (`mergeWanted`).
 *
 * Scores come from each segment's own statistics, so an item ranks slightly differently in a
 * small segment than after a merge; ranking within a query is still by Lunr's BM25 per segment.
 */
import { fikaLanguages, lunr, registerLanguages } from './language';
import { matcher, parseQuery, type ParsedQuery } from './query';
import { matchWords } from './scoring';
import { pack, PackedSearch, type PackedIndex } from './packed';
import { highlightAll, snippet } from './snippet';
import type { SearchAnswer, SearchDoc, SearchFilters, SearchHit, SearchRequest } from './types';

/** An item as stored: with its version, to tell on a later start whether it changed. */
export interface StoredDoc extends SearchDoc {
  v: string;
}

/** A segment as persisted: its packed Lunr index and the items it holds (in item-number order). */
export interface SegmentData {
  id: number;
  index: PackedIndex;
  docs: StoredDoc[];
}

/** Boosts per indexed field: skills above titles above labels above text. */
export const FIELDS = { tags: 15, title: 5, meta: 2, text: 1 } as const;
const FIELD_NAMES = Object.keys(FIELDS);

/**
 * When to merge (a full rebuild of 20,000 items takes about 20 s in the worker, so it must
 * be rare; rebuilding small segments is cheap):
 * - more than this many small segments at the end of the list: merge those;
 */
const MAX_SMALL_SEGMENTS = 8;
/** - a segment of this many items or more is not small; it waits for a full merge; */
const SMALL_SEGMENT = 2000;
/**
 * - everything after the base outgrew the base (an amortised doubling, as in log-structured
 *   stores), or a quarter of the base is stale: merge everything.
 */
const STALE_SHARE = 0.25;
const MIN_FULL_MERGE = 500;

interface Segment {
  id: number;
  index: PackedSearch;
  docs: Map<string, StoredDoc>;
}

function buildIndex(docs: Iterable<StoredDoc>): lunr.Index {
  return lunr(function () {
    this.use(fikaLanguages);
    this.ref('id');
    for (const [name, boost] of Object.entries(FIELDS)) this.field(name, { boost });
    for (const d of docs) {
      this.add({
        id: d.id,
        title: d.title,
        text: d.text,
        tags: (d.tags ?? []).join(' '),
        meta: Object.values(d.fields).join(' ')
      });
    }
  });
}

function makeSegment(id: number, docs: StoredDoc[]): Segment {
  const index = pack(
    buildIndex(docs),
    docs.map((d) => d.id)
  );
  return { id, index: new PackedSearch(index), docs: new Map(docs.map((d) => [d.id, d])) };
}

const toData = (s: Segment): SegmentData => ({
  id: s.id,
  index: s.index.data,
  docs: [...s.docs.values()]
});

/**
 * The first `k` of `items` in `order`, without sorting them all: a common word matches
 * thousands of items, of which a page shows twenty.
 */
export function best<T>(items: readonly T[], k: number, order: (a: T, b: T) => number): T[] {
  const top: T[] = [];
  for (const item of items) {
    if (top.length === k && order(item, top[k - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && order(item, top[i - 1]!) < 0) i--;
    top.splice(i, 0, item);
    if (top.length > k) top.pop();
  }
  return top;
}

function passes(doc: SearchDoc, f: SearchFilters | undefined): boolean {
  if (!f) return true;
  if (f.types && f.types.length > 0 && !f.types.includes(doc.type)) return false;
  if (f.spaceIds && f.spaceIds.length > 0 && !f.spaceIds.includes(doc.spaceId)) return false;
  if (f.from !== undefined && doc.at < f.from) return false;
  if (f.to !== undefined && doc.at > f.to) return false;
  return true;
}

/** What a snippet is cut from: the text, or for items without one (people) their labels and skills. */
function bodyOf(doc: StoredDoc): string {
  if (doc.text.trim()) return doc.text;
  return [...Object.values(doc.fields), ...(doc.tags ?? [])].filter((v) => v.trim()).join('\n');
}

function withoutText(doc: StoredDoc): Omit<SearchDoc, 'text'> {
  const { text: _text, v: _v, ...rest } = doc;
  return rest;
}

export class SegmentedIndex {
  private segments: Segment[] = [];
  private owner = new Map<string, number>();
  private deleted = new Set<string>();
  private nextId = 1;

  /** An index from persisted segments (oldest first) and deleted ids. */
  static load(segments: SegmentData[], deleted: Iterable<string>): SegmentedIndex {
    registerLanguages();
    const s = new SegmentedIndex();
    for (const data of [...segments].sort((a, b) => a.id - b.id)) {
      const seg: Segment = {
        id: data.id,
        index: new PackedSearch(data.index),
        docs: new Map(data.docs.map((d) => [d.id, d]))
      };
      s.segments.push(seg);
      for (const id of seg.docs.keys()) s.owner.set(id, seg.id);
      s.nextId = Math.max(s.nextId, seg.id + 1);
    }
    for (const id of deleted) {
      s.deleted.add(id);
      s.owner.delete(id);
    }
    return s;
  }

  /** How many live items there are. */
  get size(): number {
    return this.owner.size;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** The version of every live item, for finding what changed since. */
  versions(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, segId] of this.owner) {
      const v = this.segments.find((s) => s.id === segId)?.docs.get(id)?.v;
      if (v !== undefined) out.set(id, v);
    }
    return out;
  }

  /** The live copy of an item. */
  get(id: string): StoredDoc | undefined {
    const segId = this.owner.get(id);
    return segId === undefined ? undefined : this.segments.find((s) => s.id === segId)?.docs.get(id);
  }

  /**
   * Adds or replaces `put` and removes `remove`. Returns the new segment to persist (null when
   * nothing was put) and the deleted ids as they now are.
   */
  apply(put: StoredDoc[], remove: string[]): { segment: SegmentData | null; deleted: string[] } {
    let segment: SegmentData | null = null;
    if (put.length > 0) {
      const seg = makeSegment(this.nextId++, put);
      this.segments.push(seg);
      for (const d of put) {
        this.owner.set(d.id, seg.id);
        this.deleted.delete(d.id);
      }
      segment = toData(seg);
    }
    const putIds = new Set(put.map((d) => d.id));
    for (const id of remove) {
      if (putIds.has(id) || !this.owner.has(id)) continue;
      this.owner.delete(id);
      this.deleted.add(id);
    }
    return { segment, deleted: [...this.deleted] };
  }

  /** Which merge would help now, if any. */
  mergeWanted(): 'small' | 'all' | null {
    if (this.segments.length < 2) return null;
    const [base, ...rest] = this.segments as [Segment, ...Segment[]];
    const after = rest.reduce((n, s) => n + s.docs.size, 0);
    const stale = [...base.docs.keys()].filter((id) => this.owner.get(id) !== base.id).length;
    if (after > Math.max(MIN_FULL_MERGE, base.docs.size)) return 'all';
    if (stale > Math.max(MIN_FULL_MERGE, base.docs.size * STALE_SHARE)) return 'all';
    if (this.#smallTail() > MAX_SMALL_SEGMENTS) return 'small';
    return null;
  }

  /** How many segments at the end of the list (never the base) are small. */
  #smallTail(): number {
    let n = 0;
    for (let i = this.segments.length - 1; i > 0 && this.segments[i]!.docs.size < SMALL_SEGMENT; i--) n++;
    return n;
  }

  /**
   * Rebuilds the small segments at the end (`small`) or all of them (`all`) into one holding only their
   * live items. Returns the ids of the segments it replaced and the new one (null when nothing
   * live was left), with the deleted ids as they now are.
   */
  merge(kind: 'small' | 'all'): { replaced: number[]; segment: SegmentData | null; deleted: string[] } {
    const from = kind === 'all' ? 0 : this.segments.length - this.#smallTail();
    const merged = this.segments.slice(from);
    const kept = this.segments.slice(0, from);
    if (merged.length === 0) return { replaced: [], segment: null, deleted: [...this.deleted] };
    const live = merged.flatMap((s) => [...s.docs.values()].filter((d) => this.owner.get(d.id) === s.id));
    const replaced = merged.map((s) => s.id);
    this.segments = kept;
    let segment: SegmentData | null = null;
    if (live.length > 0) {
      const seg = makeSegment(this.nextId++, live);
      this.segments.push(seg);
      for (const d of live) this.owner.set(d.id, seg.id);
      segment = toData(seg);
    }
    // A deleted id needs its tombstone only while some remaining segment still holds a copy.
    for (const id of this.deleted) {
      if (!this.segments.some((s) => s.docs.has(id))) this.deleted.delete(id);
    }
    return { replaced, segment, deleted: [...this.deleted] };
  }

  /** Answers a query; an empty one lists the most recent items. */
  search(request: SearchRequest): SearchAnswer {
    const limit = request.limit ?? 20;
    const parsed = parseQuery(request.query, FIELD_NAMES);
    // Nothing searchable (empty, or only marks such as a lone ':'): the most recent items.
    if (parsed.words.length === 0)
      return { ...this.recent(request.filters, limit), fellBack: parsed.fellBack };
    let scored = this.#matches(parsed, 'all', request.filters);
    if (scored.length === 0 && parsed.kind === 'words' && parsed.words.length > 1) {
      scored = this.#matches(parsed, 'any', request.filters);
    }
    const top = best(scored, limit, (a, b) => b.score - a.score || b.doc.at - a.doc.at);
    const matches = matcher(parsed.words);
    const hits: SearchHit[] = top.map(({ doc, score }) => ({
      doc: withoutText(doc),
      score,
      title: highlightAll(doc.title, matches),
      snippet: snippet(bodyOf(doc), matches)
    }));
    return { hits, total: scored.length, fellBack: parsed.fellBack };
  }

  /** The live items a query matches in any segment, with their scores. */
  #matches(parsed: ParsedQuery, mode: 'all' | 'any', filters: SearchFilters | undefined) {
    const scored: { doc: StoredDoc; score: number }[] = [];
    const keep = (seg: Segment, ref: string, score: number) => {
      if (this.owner.get(ref) !== seg.id) return;
      const doc = seg.docs.get(ref);
      if (doc && passes(doc, filters)) scored.push({ doc, score });
    };
    for (const seg of this.segments) {
      if (parsed.kind === 'words') {
        const refs = seg.index.data.refs;
        const { items, scores } = matchWords(seg.index, parsed.words, parsed.prefix, mode);
        for (const item of items) keep(seg, refs[item]!, scores[item]!);
      } else {
        for (const r of seg.index.toLunr().query(parsed.build)) keep(seg, r.ref, r.score);
      }
    }
    return scored;
  }

  /** The newest live items passing the filters. */
  recent(filters: SearchFilters | undefined, limit = 20): SearchAnswer {
    const live: StoredDoc[] = [];
    for (const seg of this.segments) {
      for (const d of seg.docs.values()) {
        if (this.owner.get(d.id) === seg.id && passes(d, filters)) live.push(d);
      }
    }
    const none = () => false;
    return {
      hits: best(live, limit, (a, b) => b.at - a.at).map((doc) => ({
        doc: withoutText(doc),
        score: 0,
        title: { text: doc.title, ranges: [] },
        snippet: snippet(bodyOf(doc), none)
      })),
      total: live.length,
      fellBack: false
    };
  }
}
