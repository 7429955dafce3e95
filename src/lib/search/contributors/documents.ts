/**
 * Documents of the library: the `documents` rows (title, folder, status) and the text of each
 * document's body, which only its room's Yjs document holds. The text is read from the room's
 * stored updates (y-dexie's `$rooms.doc_updates`, Yjs v2 updates) into a throw-away Y.Doc, so
 * search needs no open room and works offline. An edit of the body does not touch the row, so a
 * document's version also carries the key of its room's newest stored update.
 */
import * as Y from 'yjs';
import type { DocumentRow, FikaDb } from '../../data/db';
import { body } from '../../model/doc-room';
import { rowId, type SearchContributor } from '../contributor';

/** The plain text of a body: blocks on lines of their own, marks and attributes dropped. */
export function bodyText(fragment: Y.XmlFragment | Y.XmlElement): string {
  const lines: string[] = [];
  let line = '';
  const walk = (node: Y.XmlFragment | Y.XmlElement | Y.XmlText | Y.XmlHook) => {
    if (node instanceof Y.XmlText) {
      for (const op of node.toDelta() as { insert?: unknown }[]) {
        if (typeof op.insert === 'string') line += op.insert;
      }
      return;
    }
    if (node instanceof Y.XmlHook) return;
    for (const child of node.toArray()) {
      walk(child);
      if (!(child instanceof Y.XmlText) && line.trim() !== '') {
        lines.push(line.trim());
        line = '';
      }
    }
  };
  walk(fragment);
  if (line.trim() !== '') lines.push(line.trim());
  return lines.join('\n');
}

async function lastUpdateKey(db: FikaDb, room: string): Promise<number> {
  const keys = await db.roomUpdates.where('k').equals(room).primaryKeys();
  return keys.length > 0 ? keys[keys.length - 1]! : 0;
}

async function version(db: FikaDb, d: DocumentRow): Promise<string> {
  return `${d.updatedAt}:${d.title}:${d.folder}:${d.status}:${d.spaceId}:${await lastUpdateKey(db, d.room)}`;
}

async function text(db: FikaDb, room: string): Promise<string> {
  const updates = await db.roomUpdates.where('k').equals(room).toArray();
  const doc = new Y.Doc({ gc: true });
  try {
    for (const u of updates) {
      try {
        Y.applyUpdateV2(doc, u.u);
      } catch {
        // A damaged row loses its own text, not the document's.
      }
    }
    return bodyText(body(doc));
  } finally {
    doc.destroy();
  }
}

export const documents: SearchContributor = {
  type: 'doc',
  tables: ['documents', '$rooms.doc_updates'],
  async versions(db) {
    const rows = await db.documents.toArray();
    const out = new Map<string, string>();
    for (const d of rows) out.set(`doc:${d.id}`, await version(db, d));
    return out;
  },
  async items(db, ids) {
    const rows = await db.documents.bulkGet(ids.map(rowId));
    const out = [];
    for (const d of rows) {
      if (!d) continue;
      out.push({
        id: `doc:${d.id}`,
        type: 'doc',
        title: d.title,
        text: await text(db, d.room),
        fields: { folder: d.folder.replace(/\//g, ' / ') },
        spaceId: d.spaceId,
        at: d.updatedAt,
        href: `/docs/${encodeURIComponent(d.id)}`,
        v: await version(db, d)
      });
    }
    return out;
  }
};
