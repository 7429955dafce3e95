/**
 * How a content type takes part in search: one contributor module per type (contributors/),
 * listed in `contributors/index.ts`. The core and the worker know only this interface, so a new
 * type (forum threads, ideas, projects) is a new module and one line in that list.
 */
import type { FikaDb } from '../data/db';
import type { SearchDoc, SearchType } from './types';

export interface SearchContributor {
  /** Also the prefix of its items' ids (`<type>:<row id>`). */
  type: SearchType;
  /** The Dexie tables whose changes may change this type's items. */
  tables: readonly string[];
  /**
   * Every item of this type on the device, as id → version. Cheap: no text extraction. A version
   * changes whenever anything the item's `SearchDoc` shows would change.
   */
  versions(db: FikaDb): Promise<Map<string, string>>;
  /** The items with these ids, each with its version; ids gone meanwhile are left out. */
  items(db: FikaDb, ids: string[]): Promise<(SearchDoc & { v: string })[]>;
}

/** A short, fast string hash (FNV-1a), for versions of texts. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36) + text.length.toString(36);
}

/** The first line of a text, shortened, as a title for items that have none (posts, comments). */
export function firstLine(text: string, max = 80): string {
  const line =
    text
      .split('\n')
      .map((l) => l.replace(/^[#>*\-\s]+/, '').trim())
      .find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** `<type>:<row id>` → row id. */
export const rowId = (id: string): string => id.slice(id.indexOf(':') + 1);
