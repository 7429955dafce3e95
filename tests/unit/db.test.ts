import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { migrate, openDatabase, SCHEMA_VERSION } from '../../sync-server/src/db';
import { tempDataDir } from '../factories';

describe('schema migrations', () => {
  it('brings a new database to the current version', () => {
    const db = openDatabase(tempDataDir());
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps stored room updates, in order, through every migration', () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'fika.sqlite');
    const db = new Database(file);
    // A database at version 1 with updates in it.
    migrate(db, 1);
    const insert = db.prepare('INSERT INTO room_updates (room, data, created_at) VALUES (?, ?, 0)');
    for (let i = 0; i < 5; i++) insert.run('space/a', Buffer.from([i]));
    migrate(db);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const rows = db.prepare('SELECT data FROM room_updates WHERE room = ? ORDER BY id').all('space/a') as {
      data: Buffer;
    }[];
    expect(rows.map((r) => r.data[0])).toEqual([0, 1, 2, 3, 4]);
    db.close();
  });

  it('refuses a database newer than the code', () => {
    const dir = tempDataDir();
    const db = new Database(path.join(dir, 'fika.sqlite'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this Fika/);
    db.close();
  });
});
