/**
 * Named versions and read confirmations of a document room (see doc-room.ts for the whole
 * shape). Shared by the app and the server.
 *
 * A version is a Yjs snapshot (state vector and delete set) of the room when it was published:
 * the text of any version can be rebuilt from the room's history, which is why document rooms
 * are never garbage-collected (`gc: false` on every copy: the server's, the devices', the
 * demo's). A snapshot is a few bytes to a few kilobytes whatever the document's length.
 *
 *   getArray('versions')    one plain object per version, in the order they arrived:
 *                           { id, name, note, snapshot: Uint8Array (Y.encodeSnapshot),
 *                             createdAt: ms, createdBy: user id,
 *                             requiresConfirmation: boolean,
 *                             restoredFrom?: version id   (a restore, recorded as a version) }
 *   getMap('confirmations') written by the server only (POST /api/documents/:id/confirmations),
 *                           keyed by user id: { versionId, at: ms }
 *
 * Restoring never rewrites history: the version's body is copied over the current body as one
 * new change, and the restore is recorded as a version of its own.
 */
import * as Y from 'yjs';
import { body, meta } from './doc-room';

export interface DocVersion {
  id: string;
  name: string;
  note: string;
  snapshot: Uint8Array;
  createdAt: number;
  createdBy: string;
  requiresConfirmation: boolean;
  restoredFrom: string | null;
}

export interface Confirmation {
  versionId: string;
  at: number;
}

/** Lengths and counts, shared by the publish dialog and the server's rule. */
export const VersionLimits = {
  /** Characters in a version's name. */
  name: 100,
  /** Characters in a version's note. */
  note: 2000,
  /** Versions one document keeps. */
  count: 1000,
  /** Bytes in one encoded snapshot. */
  snapshot: 1_000_000
} as const;

export const versionsOf = (doc: Y.Doc) => doc.getArray<unknown>('versions');
export const confirmationsOf = (doc: Y.Doc) => doc.getMap<unknown>('confirmations');

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function parseVersion(value: unknown): DocVersion | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || !ID_PATTERN.test(v.id)) return null;
  if (!(v.snapshot instanceof Uint8Array)) return null;
  if (typeof v.createdAt !== 'number' || !Number.isFinite(v.createdAt)) return null;
  return {
    id: v.id,
    name: typeof v.name === 'string' ? v.name.slice(0, VersionLimits.name) : '',
    note: typeof v.note === 'string' ? v.note.slice(0, VersionLimits.note) : '',
    snapshot: v.snapshot,
    createdAt: v.createdAt,
    createdBy: typeof v.createdBy === 'string' ? v.createdBy : '',
    requiresConfirmation: v.requiresConfirmation === true,
    restoredFrom: typeof v.restoredFrom === 'string' ? v.restoredFrom : null
  };
}

/**
 * The document's versions, oldest first (by time, then id, so that versions published at once
 * on two devices are in the same order everywhere). Malformed entries are left out.
 */
export function readVersions(doc: Y.Doc): DocVersion[] {
  const list: DocVersion[] = [];
  for (const value of versionsOf(doc).toArray()) {
    const version = parseVersion(value);
    if (version) list.push(version);
  }
  return list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A new random version id. */
export function newVersionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface PublishInput {
  name: string;
  note?: string;
  requiresConfirmation: boolean;
}

/**
 * Publishes the document as it is now: a named version with a snapshot of the room, and the
 * document's status `published`, in one transaction. With `requiresConfirmation` everyone in
 * the audience is asked to confirm this version (earlier confirmations stop counting).
 */
export function publishVersion(doc: Y.Doc, input: PublishInput, userId: string, at: number): DocVersion {
  if (doc.gc) throw new Error('a document room must be loaded with gc: false to keep versions');
  const name = input.name.trim().slice(0, VersionLimits.name);
  if (name === '') throw new Error('a version needs a name');
  let version: DocVersion | null = null;
  doc.transact(() => {
    const m = meta(doc);
    if (m.get('status') !== 'published') m.set('status', 'published');
    if (input.requiresConfirmation && m.get('requiresConfirmation') !== true) {
      m.set('requiresConfirmation', true);
    }
    m.set('updatedAt', at);
    m.set('updatedBy', userId);
    version = {
      id: newVersionId(),
      name,
      note: (input.note ?? '').trim().slice(0, VersionLimits.note),
      // Taken after the meta change, inside the same transaction: the version includes it.
      snapshot: Y.encodeSnapshot(Y.snapshot(doc)),
      createdAt: at,
      createdBy: userId,
      requiresConfirmation: input.requiresConfirmation,
      restoredFrom: null
    };
    versionsOf(doc).push([toEntry(version)]);
  });
  return version!;
}

function toEntry(version: DocVersion): Record<string, unknown> {
  const { restoredFrom, ...rest } = version;
  return restoredFrom === null ? { ...rest } : { ...rest, restoredFrom };
}

/**
 * The room as it was at `version`: a separate, read-only-by-convention Y.Doc (changes to it go
 * nowhere). Throws when the room's copy lacks the history the snapshot needs.
 */
export function versionDoc(doc: Y.Doc, version: DocVersion): Y.Doc {
  if (doc.gc) throw new Error('a document room must be loaded with gc: false to show versions');
  return Y.createDocFromSnapshot(doc, Y.decodeSnapshot(version.snapshot));
}

/**
 * Makes the version's body the current body again, as one new change on top of the history
 * (which stays as it was), and records the restore as a version. Returns that record.
 */
export function restoreVersion(doc: Y.Doc, version: DocVersion, userId: string, at: number): DocVersion {
  const old = body(versionDoc(doc, version));
  let record: DocVersion | null = null;
  doc.transact(() => {
    const current = body(doc);
    if (current.length > 0) current.delete(0, current.length);
    const copies = old.toArray().map((node) => node.clone());
    if (copies.length > 0) current.insert(0, copies as Array<Y.XmlElement | Y.XmlText>);
    const m = meta(doc);
    m.set('updatedAt', at);
    m.set('updatedBy', userId);
    record = {
      id: newVersionId(),
      name: version.name,
      note: '',
      snapshot: Y.encodeSnapshot(Y.snapshot(doc)),
      createdAt: at,
      createdBy: userId,
      requiresConfirmation: false,
      restoredFrom: version.id
    };
    versionsOf(doc).push([toEntry(record)]);
  });
  return record!;
}

/**
 * The version readers are asked to confirm now: the newest version that required confirmation,
 * while the document is published and requires it; null otherwise. A later version published
 * without asking (a small correction) does not ask again.
 */
export function requiredVersion(doc: Y.Doc): DocVersion | null {
  const m = meta(doc);
  if (m.get('status') !== 'published' || m.get('requiresConfirmation') !== true) return null;
  const versions = readVersions(doc);
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (v.requiresConfirmation && v.restoredFrom === null) return v;
  }
  return null;
}

/** Every recorded confirmation, by user id (malformed entries left out). */
export function readConfirmations(doc: Y.Doc): Map<string, Confirmation> {
  const out = new Map<string, Confirmation>();
  for (const [userId, value] of confirmationsOf(doc)) {
    if (typeof value !== 'object' || value === null) continue;
    const { versionId, at } = value as Record<string, unknown>;
    if (typeof versionId === 'string' && typeof at === 'number') out.set(userId, { versionId, at });
  }
  return out;
}

/**
 * Whether the person must still confirm the document: it asks for a version and their
 * confirmation (if any) is of another one.
 */
export function needsConfirmation(doc: Y.Doc, userId: string): DocVersion | null {
  const required = requiredVersion(doc);
  if (!required) return null;
  return readConfirmations(doc).get(userId)?.versionId === required.id ? null : required;
}

/** Records a confirmation (the server does this, after its checks). */
export function recordConfirmation(doc: Y.Doc, userId: string, versionId: string, at: number): void {
  confirmationsOf(doc).set(userId, { versionId, at });
}
