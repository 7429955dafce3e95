/**
 * The SQLite database: opening it (WAL) and its versioned schema migrations.
 *
 * `PRAGMA user_version` holds the number of migrations applied. Each migration runs in one
 * transaction; a database newer than this code refuses to open rather than be damaged.
 * Never edit a released migration: add the next one.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const migrations: string[] = [
  // 1: the organisation, sessions, login throttling and room updates
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'staff')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('department', 'location', 'team')),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, name)
  );
  CREATE TABLE memberships (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
  );
  CREATE INDEX memberships_user ON memberships(user_id);
  CREATE TABLE spaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('news', 'community', 'project')),
    audience TEXT NOT NULL CHECK (audience IN ('everyone', 'groups')),
    posting_policy TEXT NOT NULL CHECK (posting_policy IN ('members', 'editors')),
    kiosk_visible INTEGER NOT NULL DEFAULT 0 CHECK (kiosk_visible IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE space_audience (
    space_id TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (space_id, group_id)
  );
  CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE document_editors (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (document_id, user_id)
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_seen_at INTEGER NOT NULL,
    user_agent TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX login_failures_key ON login_failures(key, at);
  CREATE TABLE room_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX room_updates_room ON room_updates(room, id);
  `,
  // 2: room updates without AUTOINCREMENT, which cost every commit a write to sqlite_sequence.
  // Row ids stay ordered without it: a new row gets the largest id in use plus one.
  `
  CREATE TABLE room_updates_v2 (
    id INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  INSERT INTO room_updates_v2 (id, room, data, created_at) SELECT id, room, data, created_at FROM room_updates;
  DROP TABLE room_updates;
  ALTER TABLE room_updates_v2 RENAME TO room_updates;
  CREATE INDEX room_updates_room ON room_updates(room, id);
  `,
  // 3: who owns each Yjs client id in a room (the ownership rules of space and post rooms)
  `
  CREATE TABLE room_clients (
    room TEXT NOT NULL,
    client INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, client)
  ) WITHOUT ROWID;
  `,
  // 4: the feed: targeted posts (a post room's audience: chosen groups within its space) and
  // uploaded images (the files are in <dataDir>/uploads; these rows say whose and where).
  `
  CREATE TABLE targeted_posts (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
  );
  CREATE INDEX targeted_posts_space ON targeted_posts(space_id);
  CREATE TABLE targeted_post_groups (
    post_id TEXT NOT NULL REFERENCES targeted_posts(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, group_id)
  );
  CREATE INDEX targeted_post_groups_group ON targeted_post_groups(group_id);
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    space_id TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL REFERENCES users(id),
    type TEXT NOT NULL CHECK (type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
    bytes INTEGER NOT NULL CHECK (bytes > 0),
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX uploads_space ON uploads(space_id);
  `,
  // 5: an image of a targeted post is readable by that post's audience only
  `
  ALTER TABLE uploads ADD COLUMN post_id TEXT REFERENCES targeted_posts(id) ON DELETE CASCADE;
  `,
  // 6: kiosk screens: devices without a personal account that read chosen kiosk-visible spaces.
  // Token, pairing secret and pairing code are stored as SHA-256 hashes only (see kiosks.ts).
  `
  CREATE TABLE kiosks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    location_group_id TEXT REFERENCES groups(id) ON DELETE SET NULL,
    language TEXT NOT NULL CHECK (language IN ('sv', 'en')),
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    revoked_at INTEGER,
    token_hash TEXT UNIQUE,
    pairing_secret_hash TEXT UNIQUE,
    pairing_code_hash TEXT UNIQUE,
    pairing_expires_at INTEGER
  );
  CREATE TABLE kiosk_spaces (
    kiosk_id TEXT NOT NULL REFERENCES kiosks(id) ON DELETE CASCADE,
    space_id TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    PRIMARY KEY (kiosk_id, space_id)
  ) WITHOUT ROWID;
  `,
  // 7: profiles: skills, in the order the person listed them, and a short line about oneself
  // (both published in the `org` room)
  `
  ALTER TABLE users ADD COLUMN about TEXT NOT NULL DEFAULT '' CHECK (length(about) <= 160);
  CREATE TABLE user_skills (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    skill TEXT NOT NULL CHECK (length(skill) BETWEEN 1 AND 60),
    PRIMARY KEY (user_id, position)
  ) WITHOUT ROWID;
  `,
  // 8: what each person uploaded lately, for the daily upload allowance (uploads.ts)
  `
  CREATE INDEX uploads_owner_time ON uploads(owner_id, created_at);
  `
];

export const SCHEMA_VERSION = migrations.length;

export interface OpenOptions {
  synchronous?: 'full' | 'normal';
}

/** The database's file name in the data directory. */
export const DATABASE_FILE = 'fika.sqlite';

/**
 * A database Fika cannot use as it is, said so that whoever starts Fika can act on it: one
 * written by a newer Fika, or a file that is not an SQLite database (damaged, or something else).
 */
export class DatabaseError extends Error {}

/** True for SQLite's errors that say a file is not a readable database. */
export function isUnreadableDatabase(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

/**
 * Opens (creating if needed) `<dataDir>/fika.sqlite` and brings its schema up to date. A database
 * it cannot use is closed again, untouched, and reported as a `DatabaseError`.
 */
export function openDatabase(dataDir: string, opts: OpenOptions = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, DATABASE_FILE);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    db.close();
    if (isUnreadableDatabase(err)) {
      throw new DatabaseError(
        `${file} is not a database Fika can read (${(err as Error).message}). ` +
          'Restore the data directory from a backup, or give Fika another one (FIKA_DATA_DIR).'
      );
    }
    throw err;
  }
  return db;
}

/** Applies the migrations not yet applied, up to `target` (all of them by default). */
export function migrate(db: Db, target = migrations.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new DatabaseError(
      `the database ${db.name} is schema version ${current}, newer than this Fika (${migrations.length}). ` +
        'Upgrade Fika.'
    );
  }
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
