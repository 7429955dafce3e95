/**
 * What the library reads, as functions for `live()` (see state/live.svelte.ts): the
 * materialised `documents` rows, never a document room.
 */
import type { DocStatus } from '../model/doc-room';
import type { DocumentRow, FikaDb } from './db';

export type DocumentSort = 'title' | 'folder' | 'owner' | 'status' | 'updated' | 'review';
export type SortDirection = 'asc' | 'desc';

export interface DocumentQuery {
  spaceId?: string;
  status?: DocStatus;
  /** Only documents whose review date has passed (see `overdue`). */
  overdueOnly?: boolean;
  /** Only titles containing this (case and accents as people type them: base letters match). */
  text?: string;
  sort: DocumentSort;
  direction: SortDirection;
  /** 'yyyy-mm-dd', the day overdue is judged against; today (local time) by default. */
  today?: string;
}

export interface DocumentListItem extends DocumentRow {
  /** '' while the directory has not arrived. */
  ownerName: string;
  spaceName: string;
  overdue: boolean;
}

// Names sort as people expect in their language (å, ä, ö after z in Swedish), not by code unit.
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** A date as 'yyyy-mm-dd' in local time (review dates are calendar days, not instants). */
export function dayString(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Whether a document's review is overdue on `today` ('yyyy-mm-dd'): its review date has passed.
 * The review date itself is the last day it is on time. Drafts count too: a guideline being
 * reworked still has an owner who promised to look at it.
 */
export function overdue(doc: Pick<DocumentRow, 'reviewDate'>, today: string): boolean {
  return doc.reviewDate !== null && doc.reviewDate < today;
}

/** Whether `title` contains `text`, ignoring case and accents (as the collator compares). */
function titleMatches(title: string, text: string): boolean {
  const needle = text.trim();
  if (needle === '') return true;
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
  return fold(title).includes(fold(needle));
}

/**
 * The documents matching `query`, sorted. Ties (and documents with no review date when sorting
 * by it, which come last either way) fall back to the title, so the order never jumps.
 */
export async function listDocuments(db: FikaDb, query: DocumentQuery): Promise<DocumentListItem[]> {
  const today = query.today ?? dayString();
  const rows = await (query.spaceId !== undefined
    ? db.documents.where('spaceId').equals(query.spaceId).toArray()
    : db.documents.toArray());
  const filtered = rows.filter(
    (d) =>
      (query.status === undefined || d.status === query.status) &&
      (!query.overdueOnly || overdue(d, today)) &&
      (query.text === undefined || titleMatches(d.title, query.text))
  );
  const ownerIds = [...new Set(filtered.map((d) => d.ownerId))];
  const spaceIds = [...new Set(filtered.map((d) => d.spaceId))];
  const [people, spaces] = await Promise.all([db.people.bulkGet(ownerIds), db.spaces.bulkGet(spaceIds)]);
  const ownerName = new Map(people.flatMap((p) => (p ? [[p.id, p.name] as const] : [])));
  const spaceName = new Map(spaces.flatMap((s) => (s ? [[s.id, s.name] as const] : [])));
  const items = filtered.map((d) => ({
    ...d,
    ownerName: ownerName.get(d.ownerId) ?? '',
    spaceName: spaceName.get(d.spaceId) ?? '',
    overdue: overdue(d, today)
  }));
  const sign = query.direction === 'asc' ? 1 : -1;
  const byTitle = (a: DocumentListItem, b: DocumentListItem) =>
    collator.compare(a.title, b.title) || a.id.localeCompare(b.id);
  const compare = (a: DocumentListItem, b: DocumentListItem): number => {
    switch (query.sort) {
      case 'title':
        return sign * byTitle(a, b);
      case 'folder':
        return sign * collator.compare(a.folder, b.folder) || byTitle(a, b);
      case 'owner':
        return sign * collator.compare(a.ownerName, b.ownerName) || byTitle(a, b);
      case 'status':
        return sign * a.status.localeCompare(b.status) || byTitle(a, b);
      case 'updated':
        return sign * (a.updatedAt - b.updatedAt) || byTitle(a, b);
      case 'review':
        if (a.reviewDate === b.reviewDate) return byTitle(a, b);
        if (a.reviewDate === null) return 1;
        if (b.reviewDate === null) return -1;
        return sign * a.reviewDate.localeCompare(b.reviewDate);
    }
  };
  return items.sort(compare);
}

/** The documents `userId` owns whose review is overdue, the longest overdue first. */
export async function overdueFor(db: FikaDb, userId: string, today = dayString()): Promise<DocumentRow[]> {
  const rows = await db.documents.where('reviewDate').below(today).toArray();
  return rows
    .filter((d) => d.ownerId === userId && overdue(d, today))
    .sort((a, b) => a.reviewDate!.localeCompare(b.reviewDate!) || collator.compare(a.title, b.title));
}
