/** Helpers for showing search answers. */
import { t, type MessageKey } from '../i18n/index.svelte';
import { SEARCH_TYPES, type SearchHit, type SearchType } from './types';

/**
 * Hits grouped by type. Groups come in the order of their best hit, so the ranking still decides
 * what is seen first ("who knows …" puts people on top); within a group the order is kept.
 */
export function groupByType(hits: SearchHit[]): { type: SearchType; hits: SearchHit[] }[] {
  const groups = new Map<SearchType, SearchHit[]>();
  for (const hit of hits) {
    const list = groups.get(hit.doc.type) ?? [];
    list.push(hit);
    groups.set(hit.doc.type, list);
  }
  return [...groups].map(([type, list]) => ({ type, hits: list }));
}

/** The label of a type ("Documents"), or its name for a type without one. */
export function typeLabel(type: SearchType): string {
  return (SEARCH_TYPES as readonly string[]).includes(type) ? t(`search.type.${type}` as MessageKey) : type;
}
