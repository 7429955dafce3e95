/**
 * The local store: one Dexie database per signed-in person, `fika-<userId>`.
 *
 * SKELETON: the shape the pages and the sync layer share; implemented with the local store.
 *
 * - `rooms`: one row per synced room, its Yjs document in the `doc` Y.Doc property (y-dexie);
 * - `posts`, `people`, `spaces`: rows materialised from the documents, for the lists (read with
 *   `liveQuery`, never by loading documents);
 * - `meta`: small values (the cached `/api/me`, when the last full sync happened);
 * - `outbox`: one row per local change not yet acknowledged as stored by the server.
 */
import type Dexie from 'dexie';
import type { EntityTable } from 'dexie';
import type * as Y from 'yjs';
import type { PublicPerson, Space } from '../model/org';

export interface RoomRow {
  name: string;
  doc: Y.Doc;
}

export interface PostRow {
  id: string;
  /** The month room the post lives in (`space/<id>/<yyyy-mm>`). */
  room: string;
  spaceId: string;
  authorId: string;
  /** Plain text (Markdown source), for lists and search. */
  text: string;
  createdAt: number;
  editedAt: number | null;
  commentCount: number;
  reactionCount: number;
}

export type PersonRow = PublicPerson;
export type SpaceRow = Space;

export interface MetaRow {
  key: string;
  value: unknown;
}

export interface OutboxRow {
  id?: number;
  room: string;
  /** The Yjs client id and its clock after the change. */
  client: number;
  clock: number;
  at: number;
}

export type FikaDb = Dexie & {
  rooms: EntityTable<RoomRow, 'name'>;
  posts: EntityTable<PostRow, 'id'>;
  people: EntityTable<PersonRow, 'id'>;
  spaces: EntityTable<SpaceRow, 'id'>;
  meta: EntityTable<MetaRow, 'key'>;
  outbox: EntityTable<OutboxRow, 'id'>;
};
