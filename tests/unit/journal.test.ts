/**
 * The commit journal and the store behind it, on real files and a real SQLite database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../sync-server/src/db';
import { decodeJournal, encodeRecord, Journal, JOURNAL_FILE } from '../../sync-server/src/journal';
import { JournaledStore, SqliteUpdateStore } from '../../sync-server/src/persistence';
import { tempDataDir } from '../factories';

const record = (room: string, ...bytes: number[]) => ({ room, update: Uint8Array.from(bytes) });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rowsOf(db: ReturnType<typeof openDatabase>, room: string): number[][] {
  const rows = db.prepare('SELECT data FROM room_updates WHERE room = ? ORDER BY id').all(room) as {
    data: Buffer;
  }[];
  return rows.map((r) => [...r.data]);
}

describe('commit journal', () => {
  it('reads back what was appended, in order, across batches', () => {
    const file = path.join(tempDataDir(), JOURNAL_FILE);
    const journal = new Journal(file, { sync: false });
    journal.append([record('space/a', 1, 2), record('doc/å-ä', 3)]);
    journal.append([record('space/a', 4, 5, 6)]);
    expect(journal.read()).toEqual({
      records: [record('space/a', 1, 2), record('doc/å-ä', 3), record('space/a', 4, 5, 6)],
      tailBytes: 0
    });
    journal.clear();
    expect(journal.read().records).toEqual([]);
    expect(fs.statSync(file).size).toBe(0);
    journal.close();
  });

  it('stops at a record cut short or failing its checksum, keeping every whole one before it', () => {
    const whole = Buffer.concat([encodeRecord(record('a', 1)), encodeRecord(record('b', 2))]);
    const last = encodeRecord(record('c', 3, 4, 5));
    const torn = decodeJournal(Buffer.concat([whole, last.subarray(0, last.length - 2)]));
    expect(torn.records).toEqual([record('a', 1), record('b', 2)]);
    expect(torn.tailBytes).toBe(last.length - 2);

    const flipped = Buffer.concat([whole, last]);
    flipped[flipped.length - 1]! ^= 0xff;
    expect(decodeJournal(flipped).records).toEqual([record('a', 1), record('b', 2)]);
    expect(decodeJournal(Buffer.from([0x00, 1, 2, 3])).records).toEqual([]);
  });
});

describe('journaled store', () => {
  it('moves journaled updates into SQLite shortly after, and empties the journal', async () => {
    const dir = tempDataDir();
    const db = openDatabase(dir);
    const journal = new Journal(path.join(dir, JOURNAL_FILE), { sync: false });
    const store = new JournaledStore(new SqliteUpdateStore(db), journal, 20, (err) => {
      throw err;
    });
    store.commit([record('space/a', 1), record('space/a', 2)]);
    expect(journal.bytes).toBeGreaterThan(0);
    expect(rowsOf(db, 'space/a')).toEqual([]);
    await sleep(60);
    expect(rowsOf(db, 'space/a')).toEqual([[1], [2]]);
    expect(journal.bytes).toBe(0);

    // Reading a room drains first: it never misses what was committed.
    store.commit([record('space/a', 3)]);
    expect(store.load('space/a').updates.map((u) => [...u])).toEqual([[1], [2], [3]]);
    store.close();
    db.close();
  });

  it('stores on start-up what a killed process left in the journal', () => {
    const dir = tempDataDir();
    const db = openDatabase(dir);
    const crashed = new Journal(path.join(dir, JOURNAL_FILE), { sync: false });
    const before = new JournaledStore(new SqliteUpdateStore(db), crashed, 60_000, () => undefined);
    before.commit([record('space/a', 1)]);
    before.commit([record('space/b', 2), record('space/a', 3)]);
    // The process dies: no drain, no close; only the file remains.
    crashed.close();
    expect(rowsOf(db, 'space/a')).toEqual([]);

    const journal = new Journal(path.join(dir, JOURNAL_FILE), { sync: false });
    const after = new JournaledStore(new SqliteUpdateStore(db), journal, 20, () => undefined);
    expect(rowsOf(db, 'space/a')).toEqual([[1], [3]]);
    expect(rowsOf(db, 'space/b')).toEqual([[2]]);
    expect(journal.bytes).toBe(0);
    after.close();
    db.close();
  });

  it('keeps updates in the journal while SQLite refuses them, and refuses new commits until it recovers', async () => {
    const dir = tempDataDir();
    const db = openDatabase(dir);
    const journal = new Journal(path.join(dir, JOURNAL_FILE), { sync: false });
    const errors: unknown[] = [];
    const store = new JournaledStore(new SqliteUpdateStore(db), journal, 10, (err) => errors.push(err));
    db.pragma('query_only = ON'); // every write now fails, as on a full disk
    store.commit([record('space/a', 1)]);
    await sleep(50);
    expect(errors.length).toBeGreaterThan(0);
    expect(journal.read().records).toEqual([record('space/a', 1)]);
    expect(() => store.commit([record('space/a', 2)])).toThrow();

    db.pragma('query_only = OFF');
    store.commit([record('space/a', 2)]);
    store.close();
    expect(rowsOf(db, 'space/a')).toEqual([[1], [2]]);
    db.close();
  });
});
