/**
 * The local store: one Dexie database per signed-in person, `fika-<userId>`.
 *
 * - `rooms`: one row per synced room, its Yjs document in the `doc` Y.Doc property (y-dexie);
 * - `posts`, `people`, `groups`, `spaces`, `documents`, ...: rows materialised from the documents, for the lists (read with
 *   `liveQuery`, never by loading documents);
 * - `meta`: small values (the cached `/api/me`, when the last full sync happened);
 * - `outbox`: one row per local change not yet acknowledged as stored by the server.
 *
 * Two views of one database. The first page must paint from Dexie without loading Yjs, but the
 * y-dexie addon imports Yjs. So the app reads through a plain instance (`openUserDb(id)`), which
 * declares the table y-dexie keeps document updates in (`$rooms.doc_updates`, `++i,k`) as an
 * ordinary table, and the sync layer, loaded later, opens a second instance of the same database
 * with the addon (`openUserDb(id, { yDexie })`), which declares `rooms.doc` as a Y.Doc property
 * and so creates the very same object stores. Both declare version 1 with identical physical
 * stores, so either may create the database and neither ever upgrades it; IndexedDB allows many
 * connections to one database, and Dexie's change notifications are keyed by database name, so
 * each instance's `liveQuery` sees the other's writes (and other tabs').
 *
 * On the plain instance, `rooms` rows carry only their name: the `doc` property exists on the
 * addon's instance alone.
 */
import Dexie from 'dexie';
import type { EntityTable, Table } from 'dexie';
import type * as Y from 'yjs';
import type { Group, PublicPerson, Space } from '../model/org';
import type { Access } from '../model/rooms';
import type { PostImage, Reaction } from '../model/space-room';
import type { NotifyLevel, SpaceChoice } from '../model/user-room';
import type { DocStatus } from '../model/doc-room';

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
  /** A "must read" announcement. */
  important: boolean;
  /** The groups a targeted post is for (its room is `post/<spaceId>/<id>`); empty otherwise. */
  targetGroupIds: string[];
  images: PostImage[];
  mentions: string[];
  /**
   * `createdAt` when the post is important, absent otherwise: a sparse index, so that the feed
   * finds the few important posts without reading every row (booleans cannot be indexed).
   */
  importantAt?: number;
}

/** A comment or reply, owned by the room its post lives in. */
export interface CommentRow {
  id: string;
  room: string;
  postId: string;
  /** The comment it replies to, or null for a comment on the post. */
  parentId: string | null;
  authorId: string;
  text: string;
  createdAt: number;
  editedAt: number | null;
  mentions: string[];
}

/** One person's reaction to a post: `key` is `<postId>/<userId>/<reaction>`. */
export interface ReactionRow {
  key: string;
  room: string;
  postId: string;
  userId: string;
  reaction: Reaction;
  at: number;
}

/**
 * What one person did with an important post: `key` is `<postId>/<userId>`. From the room's
 * `reach` and `reads` maps: when it reached their device, when they opened it, when they
 * confirmed "I have read this" (null: not yet).
 */
export interface ReachRow {
  key: string;
  room: string;
  postId: string;
  userId: string;
  deliveredAt: number | null;
  openedAt: number | null;
  confirmedAt: number | null;
}

/** A pinned post, owned by its space's shared room `space/<id>`. */
export interface PinRow {
  postId: string;
  spaceId: string;
  /** The room the post lives in. */
  room: string;
  by: string;
  at: number;
}

/** When the person first read a post (owned by their own room). */
export interface ReadRow {
  postId: string;
  at: number;
}

/** The person's settings for one space (owned by their own room); absent: the defaults. */
export interface SpaceSettingRow {
  spaceId: string;
  choice: SpaceChoice | null;
  notify: NotifyLevel;
}

/** A notification marked read one by one (owned by the person's own room). */
export interface NotificationReadRow {
  id: string;
  at: number;
}

/**
 * A document of the library, owned by its room `doc/<id>`: the room's metadata, plus what
 * `/api/me` says of it (its space, its owner, and whether this person may write it).
 */
export interface DocumentRow {
  id: string;
  room: string;
  spaceId: string;
  title: string;
  /** '' for the top level, else a `/`-separated path. */
  folder: string;
  status: DocStatus;
  /** 'yyyy-mm-dd' or null. */
  reviewDate: string | null;
  requiresConfirmation: boolean;
  /** '' until `/api/me` has listed the document. */
  ownerId: string;
  updatedAt: number;
  updatedBy: string;
  access: Access;
}

export type PersonRow = PublicPerson;
export type GroupRow = Group;
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
  /**
   * The change only deleted content. Deletions do not advance a clock, so a state vector cannot
   * show them stored; the sync layer confirms these by a round trip instead (see sync/room-sync.ts).
   */
  deletionOnly?: boolean;
}

/** One y-dexie update row: `k` is the room name, `u` a Yjs update (v2 encoding). */
export interface RoomUpdateRow {
  i: number;
  k: string;
  u: Uint8Array;
  f?: number;
}

/** Where y-dexie keeps the updates of `rooms.doc` (its naming: `$<table>.<prop>_updates`). */
export const ROOM_UPDATES_TABLE = '$rooms.doc_updates';

/** A Dexie addon such as y-dexie's default export. */
export type DexieAddon = (db: Dexie) => void;

export const dbName = (userId: string): string => `fika-${userId}`;

/**
 * The schema, for both views, declared in one place so the two views always declare the same
 * stores. Version 2 added the feed's tables; its upgrade empties `posts` so that every room's
 * rows are materialised afresh, with the new fields, when the room next loads. Version 3 adds
 * indexes only; version 4 the documents.
 */
function declareSchema(db: Dexie, withYDocs: boolean): void {
  const v1 = {
    posts: 'id, room, spaceId, createdAt',
    people: 'id, name',
    groups: 'id, name',
    spaces: 'id, name',
    meta: 'key',
    outbox: '++id, room'
  };
  db.version(1).stores(
    withYDocs
      ? { rooms: 'name, doc: Y.Doc', ...v1 }
      : { rooms: 'name', [ROOM_UPDATES_TABLE]: '++i, k', ...v1 }
  );
  db.version(2)
    .stores({
      posts: 'id, room, spaceId, createdAt, [spaceId+createdAt]',
      comments: 'id, room, postId, createdAt',
      reactions: 'key, room, postId',
      reach: 'key, room, postId',
      pins: 'postId, spaceId',
      reads: 'postId',
      spaceSettings: 'spaceId',
      notificationReads: 'id'
    })
    .upgrade((tx) => tx.table('posts').clear());
  // Version 3: indexes for the feed's top (important posts) and the notifications (mentions of
  // a person, replies to their posts and comments). Rows get `importantAt` here and on their
  // next materialisation; months no longer kept open keep their rows.
  db.version(3)
    .stores({
      posts: 'id, room, spaceId, createdAt, [spaceId+createdAt], importantAt, authorId, *mentions',
      comments: 'id, room, postId, createdAt, authorId, parentId, *mentions'
    })
    .upgrade((tx) =>
      tx
        .table('posts')
        .toCollection()
        .modify((post: PostRow) => {
          if (post.important) post.importantAt = post.createdAt;
        })
    );
  // Version 4: the document library, one row per document room (see materialise.ts); rows
  // appear as the rooms sync.
  db.version(4).stores({ documents: 'id, spaceId, folder, status, reviewDate, updatedAt' });
}

export class FikaDb extends Dexie {
  declare rooms: EntityTable<RoomRow, 'name'>;
  declare posts: EntityTable<PostRow, 'id'>;
  declare people: EntityTable<PersonRow, 'id'>;
  declare groups: EntityTable<GroupRow, 'id'>;
  declare spaces: EntityTable<SpaceRow, 'id'>;
  declare meta: EntityTable<MetaRow, 'key'>;
  declare outbox: EntityTable<OutboxRow, 'id'>;
  declare comments: EntityTable<CommentRow, 'id'>;
  declare reactions: EntityTable<ReactionRow, 'key'>;
  declare reach: EntityTable<ReachRow, 'key'>;
  declare pins: EntityTable<PinRow, 'postId'>;
  declare reads: EntityTable<ReadRow, 'postId'>;
  declare spaceSettings: EntityTable<SpaceSettingRow, 'spaceId'>;
  declare notificationReads: EntityTable<NotificationReadRow, 'id'>;
  declare documents: EntityTable<DocumentRow, 'id'>;

  constructor(
    readonly userId: string,
    options: { yDexie?: DexieAddon } = {}
  ) {
    super(dbName(userId), { addons: options.yDexie ? [options.yDexie] : [] });
    declareSchema(this, options.yDexie !== undefined);
    // Dexie's default answer to another connection's request is to close and reopen on the next
    // query. For a deletion (sign-out in another tab) reopening would create the database again,
    // empty: stay closed instead. (A later subscriber runs first and `false` skips the default.)
    this.on('versionchange', (event: IDBVersionChangeEvent) => {
      if (event.newVersion) return;
      this.close({ disableAutoOpen: true });
      return false;
    });
  }

  /** The y-dexie updates of every room's document. */
  get roomUpdates(): Table<RoomUpdateRow, number> {
    return this.table(ROOM_UPDATES_TABLE);
  }
}

/**
 * Opens (lazily, on first use) the person's database. Without options it is the plain view the
 * pages read; the sync layer passes y-dexie to get the view with documents.
 */
export function openUserDb(userId: string, options: { yDexie?: DexieAddon } = {}): FikaDb {
  return new FikaDb(userId, options);
}

/** Deletes the person's database. Waits while another connection to it is still open. */
export function deleteUserDb(userId: string): Promise<void> {
  return Dexie.delete(dbName(userId));
}
