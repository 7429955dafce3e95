/**
 * What search indexes and answers. Every content type turns its rows into `SearchDoc`s (see
 * contributors/), so the core knows nothing of posts or people.
 */

/** A content type's name, as its contributor registers it ('post', 'person', ...). */
export type SearchType = string;

/** The types there are now, for the type filter; each has its label `search.type.<type>`. */
export const SEARCH_TYPES = ['post', 'comment', 'doc', 'person', 'group'] as const;

export interface SearchDoc {
  /** Unique across types: `<type>:<row id>`. */
  id: string;
  type: SearchType;
  title: string;
  /** The body text (plain; Markdown is fine, its marks are not words). */
  text: string;
  /**
   * Short labelled values shown with the result and indexed with a moderate boost
   * (department, location, author, folder).
   */
  fields: Record<string, string>;
  /** Keywords that define the item, boosted above titles: a person's skills. */
  tags?: string[];
  /** The space it belongs to, '' when none (people, groups). */
  spaceId: string;
  /** When it was written or last changed (ms), for "recent" and the date filter. */
  at: number;
  /** Where it opens in the app. */
  href: string;
}

/** A span [start, end) of a string to highlight. */
export type Range = [number, number];

export interface Snippet {
  text: string;
  ranges: Range[];
}

export interface SearchHit {
  doc: Omit<SearchDoc, 'text'>;
  score: number;
  title: Snippet;
  snippet: Snippet;
}

export interface SearchFilters {
  types?: SearchType[];
  spaceIds?: string[];
  /** Inclusive, ms. */
  from?: number;
  /** Inclusive, ms. */
  to?: number;
}

export interface SearchRequest {
  query: string;
  filters?: SearchFilters;
  limit?: number;
}

export interface SearchAnswer {
  hits: SearchHit[];
  /** How many matched before the limit. */
  total: number;
  /** The query could not be read as Lunr syntax and was searched as plain words. */
  fellBack: boolean;
}
