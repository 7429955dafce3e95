/**
 * Where room updates are kept: behind one small interface, so that another store
 * (PostgreSQL) can be added without touching the rooms.
 *
 * The SQLite store appends every accepted update as one row. Rows are written in batches
 * (group commit): the caller collects updates for a few milliseconds and commits them in one
 * transaction, then relays them. A room's rows are merged into one (compaction) when they pile up,
 * so a room loads from a handful of rows however long its history.
 */
import type { Db } from './db';

export interface StoredRoom {
  /** The room's updates in the order they were committed. */
  updates: Uint8Array[];
}

export interface PendingWrite {
  room: string;
  update: Uint8Array;
}

export interface UpdateStore {
  load(room: string): StoredRoom;
  /** Commits all writes in one transaction; throws when nothing was committed. */
  commit(writes: readonly PendingWrite[]): void;
  /** Replaces every stored update of the room with `state` (its merged state) in one transaction. */
  replace(room: string, state: Uint8Array): void;
}

export class SqliteUpdateStore implements UpdateStore {
  private readonly selectRoom;
  private readonly insert;
  private readonly deleteRoom;
  private readonly commitTx;
  private readonly replaceTx;

  constructor(private readonly db: Db) {
    this.selectRoom = db.prepare<[string], { data: Buffer }>(
      'SELECT data FROM room_updates WHERE room = ? ORDER BY id'
    );
    this.insert = db.prepare<[string, Uint8Array, number]>(
      'INSERT INTO room_updates (room, data, created_at) VALUES (?, ?, ?)'
    );
    this.deleteRoom = db.prepare<[string]>('DELETE FROM room_updates WHERE room = ?');
    this.commitTx = db.transaction((writes: readonly PendingWrite[]) => {
      const now = Date.now();
      for (const w of writes) this.insert.run(w.room, w.update, now);
    });
    this.replaceTx = db.transaction((room: string, state: Uint8Array) => {
      this.deleteRoom.run(room);
      this.insert.run(room, state, Date.now());
    });
  }

  load(room: string): StoredRoom {
    const rows = this.selectRoom.all(room);
    return { updates: rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)) };
  }

  commit(writes: readonly PendingWrite[]): void {
    if (writes.length > 0) this.commitTx(writes);
  }

  replace(room: string, state: Uint8Array): void {
    this.replaceTx(room, state);
  }
}
