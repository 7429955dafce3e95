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
import type { Journal } from './journal';

export interface StoredRoom {
  /** The room's updates in the order they were committed. */
  updates: Uint8Array[];
}

export interface PendingWrite {
  room: string;
  update: Uint8Array;
}

/** A room that has stored updates, and when it was last written (or merged). */
export interface StoredRoomInfo {
  room: string;
  updatedAt: number;
}

export interface UpdateStore {
  load(room: string): StoredRoom;
  /** The rooms whose names start with `prefix` that have anything stored, in name order. */
  roomsWithPrefix(prefix: string): StoredRoomInfo[];
  /** Commits all writes in one transaction; throws when nothing was committed. */
  commit(writes: readonly PendingWrite[]): void;
  /** Replaces every stored update of the room with `state` (its merged state) in one transaction. */
  replace(room: string, state: Uint8Array): void;
  /** Stores whatever is still in flight; the store is not used afterwards. */
  close(): void;
}

export class SqliteUpdateStore implements UpdateStore {
  private readonly selectRoom;
  private readonly insert;
  private readonly deleteRoom;
  private readonly selectRooms;
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
    // A range on the (room, id) index: every name from the prefix up to, not including, the
    // prefix with its last character's successor.
    this.selectRooms = db.prepare<[string, string], { room: string; updated_at: number }>(
      `SELECT room, MAX(created_at) AS updated_at FROM room_updates
       WHERE room >= ? AND room < ? GROUP BY room ORDER BY room`
    );
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

  roomsWithPrefix(prefix: string): StoredRoomInfo[] {
    if (prefix.length === 0) throw new Error('roomsWithPrefix needs a prefix');
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return this.selectRooms.all(prefix, end).map((r) => ({ room: r.room, updatedAt: r.updated_at }));
  }

  commit(writes: readonly PendingWrite[]): void {
    if (writes.length > 0) this.commitTx(writes);
  }

  replace(room: string, state: Uint8Array): void {
    this.replaceTx(room, state);
  }

  close(): void {
    // Nothing in flight: every commit is in SQLite when it returns.
  }
}

/**
 * SQLite behind the commit journal (see journal.ts): `commit` appends to the journal and
 * returns; the updates reach SQLite `drainDelayMs` later, many in one transaction, and the
 * journal is emptied. Reading a room or replacing its rows first drains, so SQLite is always
 * complete when it is read. If SQLite refuses a drain (disk full), the updates stay in the
 * journal, the drain is retried, and further commits are refused until it succeeds.
 */
export class JournaledStore implements UpdateStore {
  private pending: PendingWrite[] = [];
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;

  constructor(
    private readonly sqlite: UpdateStore,
    private readonly journal: Journal,
    private readonly drainDelayMs: number,
    private readonly onError: (err: unknown) => void
  ) {
    const { records, tailBytes } = journal.read();
    if (tailBytes > 0) onError(new Error(`journal: ${tailBytes} bytes after the last whole record ignored`));
    if (records.length > 0) sqlite.commit(records);
    journal.clear();
  }

  /** Updates recovered from the journal on start-up are in SQLite before the constructor returns. */
  load(room: string): StoredRoom {
    this.drain();
    return this.sqlite.load(room);
  }

  roomsWithPrefix(prefix: string): StoredRoomInfo[] {
    this.drain();
    return this.sqlite.roomsWithPrefix(prefix);
  }

  commit(writes: readonly PendingWrite[]): void {
    if (writes.length === 0) return;
    if (this.failure !== null) this.drain();
    this.journal.append(writes);
    for (const w of writes) this.pending.push(w);
    // Unreferenced: shutting down drains through close(), and the timer must not keep a process alive.
    this.timer ??= setTimeout(() => this.drainInBackground(), this.drainDelayMs).unref();
  }

  replace(room: string, state: Uint8Array): void {
    this.drain();
    this.sqlite.replace(room, state);
  }

  /** Moves everything journaled into SQLite and empties the journal; throws if SQLite refuses. */
  drain(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 && this.failure === null) return;
    try {
      this.sqlite.commit(this.pending);
      this.pending = [];
      this.journal.clear();
      this.failure = null;
    } catch (err) {
      this.failure = err;
      this.timer = setTimeout(() => this.drainInBackground(), RETRY_MS).unref();
      throw err;
    }
  }

  private drainInBackground(): void {
    this.timer = null;
    try {
      this.drain();
    } catch (err) {
      this.onError(err);
    }
  }

  close(): void {
    try {
      this.drain();
    } finally {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.journal.close();
    }
  }
}

const RETRY_MS = 1000;
