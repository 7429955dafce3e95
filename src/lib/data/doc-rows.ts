/**
 * The library's rows: a document room's metadata (doc-room.ts) joined with what `/api/me` says
 * of the document (its space, owner and this person's access), which the room does not hold.
 */
import type * as Y from 'yjs';
import type { Me } from '../api';
import { readMeta } from '../model/doc-room';
import type { ReadableRoom } from '../model/org';
import { parseRoomName } from '../model/rooms';
import type { DocumentRow, FikaDb } from './db';

type DocEntry = Extract<ReadableRoom, { kind: 'doc' }>;

function docEntry(me: Me | null | undefined, docId: string): DocEntry | undefined {
  return me?.rooms.find((r): r is DocEntry => r.kind === 'doc' && r.docId === docId);
}

/**
 * The row of a document room. Without an `/api/me` entry for it (not cached yet) the space,
 * owner and access of `previous` are kept, or left empty and read-only.
 */
export function documentRow(
  doc: Y.Doc,
  roomName: string,
  me: Me | null | undefined,
  previous?: DocumentRow
): DocumentRow | null {
  const room = parseRoomName(roomName);
  if (room?.kind !== 'doc') return null;
  const entry = docEntry(me, room.docId);
  return {
    id: room.docId,
    room: roomName,
    ...readMeta(doc),
    spaceId: entry?.spaceId ?? previous?.spaceId ?? '',
    ownerId: entry?.ownerId ?? previous?.ownerId ?? '',
    access: entry?.access ?? previous?.access ?? 'read'
  };
}

/**
 * Brings the documents' space, owner and access in line with a fresh `/api/me` (a co-author
 * added, an owner changed). Rows of documents it no longer lists are left to the sync layer,
 * which forgets their rooms as a whole.
 */
export async function refreshDocumentRows(db: FikaDb, me: Me): Promise<void> {
  const rows = await db.documents.toArray();
  const changed: DocumentRow[] = [];
  for (const row of rows) {
    const entry = docEntry(me, row.id);
    if (!entry) continue;
    if (entry.spaceId !== row.spaceId || entry.ownerId !== row.ownerId || entry.access !== row.access) {
      changed.push({ ...row, spaceId: entry.spaceId, ownerId: entry.ownerId, access: entry.access });
    }
  }
  if (changed.length > 0) await db.documents.bulkPut(changed);
}
