/**
 * A document's room, `doc/<id>`: one guideline or other rich-text document.
 *
 * Y.Doc shape (version 1):
 *   getMap('meta')          title: string
 *                           folder: string            '' for the top level, else a `/`-separated path
 *                           status: 'draft' | 'published'
 *                           reviewDate: 'yyyy-mm-dd' | null   when the owner must next review it
 *                           requiresConfirmation: boolean     readers confirm having read it
 *                           updatedAt: ms, updatedBy: user id  the last change to meta or body
 *   getXmlFragment('body')  the rich text, as Tiptap's Collaboration extension (`field: 'body'`)
 *                           stores ProseMirror nodes: Y.XmlElement named after the node
 *                           (paragraph, heading with attribute level, bulletList, listItem, ...)
 *                           holding Y.XmlText whose formatting attributes are the marks
 *   getArray('versions')    named versions: plain { id, name, note, snapshot, createdAt,
 *                           createdBy, requiresConfirmation, restoredFrom? }, appended only
 *   getMap('confirmations') user id → { versionId, at }, written by the server only
 *                           (see doc-versions.ts; the room's rule is doc-rules.ts)
 *
 * Every copy of a document room keeps its history (`new Y.Doc({ gc: false })`): a version is a
 * snapshot, and its text is rebuilt from content deleted since.
 *
 * Who owns the document and who may write it is not in the room: the server keeps it (the
 * `documents` table) so that a writer cannot make themselves owner. The server writes the first
 * meta when the document is created; after that writers change it like the body.
 */
import type * as Y from 'yjs';

export const DOC_STATUSES = ['draft', 'published'] as const;
export type DocStatus = (typeof DOC_STATUSES)[number];

/** Lengths, shared by the app's forms and the server's API. */
export const DocLimits = {
  /** Characters in a title. */
  title: 200,
  /** Characters in a folder path. */
  folder: 300,
  /** Co-authors of one document. */
  editors: 100
} as const;

export interface DocMeta {
  title: string;
  folder: string;
  status: DocStatus;
  reviewDate: string | null;
  requiresConfirmation: boolean;
  updatedAt: number;
  updatedBy: string;
}

export const meta = (doc: Y.Doc) => doc.getMap<unknown>('meta');
export const body = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment('body');

const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Whether a value is a review date as kept in meta ('yyyy-mm-dd'). */
export function isReviewDate(value: unknown): value is string {
  return typeof value === 'string' && DATE_PATTERN.test(value);
}

/**
 * The document's metadata, with defaults for what is missing or malformed: a room synced before
 * its first meta arrived, or written by an older or careless client, still reads as a document.
 */
export function readMeta(doc: Y.Doc): DocMeta {
  const m = meta(doc);
  const title = m.get('title');
  const folder = m.get('folder');
  const status = m.get('status');
  const reviewDate = m.get('reviewDate');
  const updatedAt = m.get('updatedAt');
  const updatedBy = m.get('updatedBy');
  return {
    title: typeof title === 'string' ? title : '',
    folder: typeof folder === 'string' ? normaliseFolder(folder) : '',
    status: (DOC_STATUSES as readonly unknown[]).includes(status) ? (status as DocStatus) : 'draft',
    reviewDate: isReviewDate(reviewDate) ? reviewDate : null,
    requiresConfirmation: m.get('requiresConfirmation') === true,
    updatedAt: typeof updatedAt === 'number' && Number.isFinite(updatedAt) ? updatedAt : 0,
    updatedBy: typeof updatedBy === 'string' ? updatedBy : ''
  };
}

/**
 * Changes some of the metadata in one transaction and records who changed it and when. Values
 * equal to the current ones are not written again, so that an unchanged field never wins over a
 * concurrent change made on another device.
 */
export function setMeta(
  doc: Y.Doc,
  patch: Partial<Omit<DocMeta, 'updatedAt' | 'updatedBy'>>,
  userId: string,
  at: number
): void {
  const m = meta(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const next = key === 'folder' ? normaliseFolder(value as string) : value;
      if (m.get(key) !== next) m.set(key, next);
    }
    m.set('updatedAt', at);
    m.set('updatedBy', userId);
  });
}

/** A folder path without empty segments or surrounding spaces: ' a//b / ' → 'a/b'. */
export function normaliseFolder(folder: string): string {
  return folder
    .split('/')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join('/');
}
