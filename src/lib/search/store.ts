/**
 * Where the search index is kept between starts: a small Dexie database of its own per person,
 * `fika-search-<userId>`, beside their `fika-<userId>`. Kept apart so that the index (rebuilt
 * at will from the rows) never needs a version of the main schema, and deleted with it at
 * sign-out.
 *
 * - `segments`: one row per segment of the index (segments.ts `SegmentData`);
 * - `state`: `deleted`, the ids tombstoned in some segment.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { SegmentData } from './segments';

interface StateRow {
  key: string;
  value: unknown;
}

export const searchDbName = (userId: string): string => `fika-search-${userId}`;

export class SearchStore extends Dexie {
  declare segments: EntityTable<SegmentData, 'id'>;
  declare state: EntityTable<StateRow, 'key'>;

  constructor(userId: string) {
    super(searchDbName(userId));
    this.version(1).stores({ segments: 'id', state: 'key' });
    // Stay closed when another tab deletes the database at sign-out (see db.ts).
    this.on('versionchange', (event: IDBVersionChangeEvent) => {
      if (event.newVersion) return;
      this.close({ disableAutoOpen: true });
      return false;
    });
  }

  async read(): Promise<{ segments: SegmentData[]; deleted: string[] }> {
    return this.transaction('r', this.segments, this.state, async () => {
      const [segments, deleted] = await Promise.all([this.segments.toArray(), this.state.get('deleted')]);
      return { segments, deleted: (deleted?.value as string[] | undefined) ?? [] };
    });
  }

  /** Replaces segments `replaced` by `segment` and records the deleted ids, in one transaction. */
  async write(replaced: number[], segment: SegmentData | null, deleted: string[]): Promise<void> {
    await this.transaction('rw', this.segments, this.state, async () => {
      if (replaced.length > 0) await this.segments.bulkDelete(replaced);
      if (segment) await this.segments.put(segment);
      await this.state.put({ key: 'deleted', value: deleted });
    });
  }
}

export function deleteSearchDb(userId: string): Promise<void> {
  return Dexie.delete(searchDbName(userId));
}
