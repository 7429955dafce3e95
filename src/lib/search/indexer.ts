/**
 * Keeps a person's search index in step with their local store. Runs in the search worker (and
 * in Node for tests and the benchmark); knows the content types only through their contributors.
 *
 * Start: the persisted segments are loaded (search-ready), then `catchUp` compares every
 * contributor's current item versions with the indexed ones and indexes only the difference:
 * what changed while the app was closed, or everything on the first start. After that,
 * `changed(tables)` is called for the tables Dexie reports written; it runs the same comparison
 * for the contributors watching them, debounced, so a burst of writes becomes one small segment.
 * Merges run a little later when the index asks for one. All work on the index runs one step at
 * a time (`#queue`); queries answer from the index as it is meanwhile.
 */
import type { FikaDb } from '../data/db';
import type { SearchContributor } from './contributor';
import { SegmentedIndex, type StoredDoc } from './segments';
import type { SearchStore } from './store';
import type { SearchAnswer, SearchRequest } from './types';

export interface IndexerOptions {
  /** How long to gather table changes before indexing them (ms). */
  debounceMs?: number;
  /** How long after a change a wanted merge runs (ms). */
  mergeDelayMs?: number;
  /** Called after the index changed (new items searchable). */
  onChange?: () => void;
}

export class SearchIndexer {
  #index = SegmentedIndex.load([], []);
  #queue: Promise<unknown> = Promise.resolve();
  #dirty = new Set<SearchContributor>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #mergeTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  private constructor(
    readonly db: FikaDb,
    readonly store: SearchStore,
    readonly contributors: readonly SearchContributor[],
    readonly options: IndexerOptions
  ) {}

  /** Loads the persisted index: search-ready when this resolves (before any catching up). */
  static async open(
    db: FikaDb,
    store: SearchStore,
    contributors: readonly SearchContributor[],
    options: IndexerOptions = {}
  ): Promise<SearchIndexer> {
    const indexer = new SearchIndexer(db, store, contributors, options);
    const { segments, deleted } = await store.read();
    indexer.#index = SegmentedIndex.load(segments, deleted);
    return indexer;
  }

  get size(): number {
    return this.#index.size;
  }

  get segmentCount(): number {
    return this.#index.segmentCount;
  }

  search(request: SearchRequest): SearchAnswer {
    return this.#index.search(request);
  }

  /** Indexes whatever differs between the store and the index, for every content type. */
  catchUp(): Promise<number> {
    return this.#run(() => this.#sync(this.contributors));
  }

  /** Tables were written: index what changed in them, shortly. */
  changed(tables: Iterable<string>): void {
    const set = new Set(tables);
    for (const c of this.contributors) if (c.tables.some((t) => set.has(t))) this.#dirty.add(c);
    if (this.#dirty.size === 0 || this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const dirty = [...this.#dirty];
      this.#dirty.clear();
      void this.#run(() => this.#sync(dirty)).catch((err: unknown) =>
        console.error('search: indexing failed', err)
      );
    }, this.options.debounceMs ?? 100);
  }

  /** Waits for everything queued so far (tests, the benchmark). */
  async settled(): Promise<void> {
    while (this.#timer !== null || this.#dirty.size > 0) await new Promise((r) => setTimeout(r, 10));
    await this.#queue;
  }

  /** Runs a wanted merge now (otherwise it runs `mergeDelayMs` after a change). */
  merge(): Promise<void> {
    return this.#run(() => this.#merge());
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#mergeTimer !== null) clearTimeout(this.#mergeTimer);
  }

  #run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(step);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Brings the given types in step; answers how many items were indexed or removed. */
  async #sync(contributors: readonly SearchContributor[]): Promise<number> {
    if (this.#closed) return 0;
    const known = this.#index.versions();
    const put: StoredDoc[] = [];
    const remove: string[] = [];
    for (const c of contributors) {
      const current = await c.versions(this.db);
      const prefix = `${c.type}:`;
      const changed = [...current].filter(([id, v]) => known.get(id) !== v).map(([id]) => id);
      for (const id of known.keys()) if (id.startsWith(prefix) && !current.has(id)) remove.push(id);
      if (changed.length === 0) continue;
      const items = await c.items(this.db, changed);
      put.push(...items);
      const found = new Set(items.map((d) => d.id));
      for (const id of changed) if (!found.has(id) && known.has(id)) remove.push(id);
    }
    if (put.length === 0 && remove.length === 0) return 0;
    const { segment, deleted } = this.#index.apply(put, remove);
    this.options.onChange?.();
    await this.store.write([], segment, deleted);
    this.#scheduleMerge();
    return put.length + remove.length;
  }

  #scheduleMerge(): void {
    if (this.#mergeTimer !== null || this.#closed || this.#index.mergeWanted() === null) return;
    this.#mergeTimer = setTimeout(() => {
      this.#mergeTimer = null;
      void this.#run(() => this.#merge()).catch((err: unknown) =>
        console.error('search: merging failed', err)
      );
    }, this.options.mergeDelayMs ?? 2000);
  }

  async #merge(): Promise<void> {
    const kind = this.#index.mergeWanted();
    if (kind === null || this.#closed) return;
    const { replaced, segment, deleted } = this.#index.merge(kind);
    await this.store.write(replaced, segment, deleted);
  }
}
