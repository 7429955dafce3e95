/**
 * Who owns each Yjs client id in a room (`room_clients`), for the ownership rules of space and
 * post rooms (src/lib/model/space-rules.ts).
 *
 * A client id first seen on a person's connection to a room is theirs there for good. A room's
 * owners are read once, when the rules first need them, and kept with the loaded room. A claim
 * is written to SQLite before the update that makes it is applied: should the server stop in
 * between, the id is recorded with no content yet, which gives nobody anything. The rules let a
 * client id be claimed only while the room has no structs from it, so an id whose content came
 * without a recorded owner stays nobody's.
 */
import type { Db } from './db';

export interface OwnerRecord {
  room: string;
  client: number;
  userId: string;
}

export class ClientOwners {
  private readonly select;
  private readonly insert;
  private readonly insertMany;

  constructor(db: Db) {
    this.select = db.prepare<[string], { client: number; user_id: string }>(
      'SELECT client, user_id FROM room_clients WHERE room = ?'
    );
    this.insert = db.prepare<[string, number, string]>(
      'INSERT OR IGNORE INTO room_clients (room, client, user_id) VALUES (?, ?, ?)'
    );
    this.insertMany = db.transaction((records: readonly OwnerRecord[]) => {
      for (const r of records) this.insert.run(r.room, r.client, r.userId);
    });
  }

  /** The recorded owners of a room's client ids. */
  load(room: string): Map<number, string> {
    const owners = new Map<number, string>();
    for (const row of this.select.all(room)) owners.set(row.client, row.user_id);
    return owners;
  }

  /**
   * Records `clients` as `userId`'s in `room`, in one transaction, and in `owners` (the room's
   * map in memory). An id already recorded keeps its owner.
   */
  claim(room: string, owners: Map<number, string>, clients: readonly number[], userId: string): void {
    const fresh = clients.filter((c) => !owners.has(c));
    if (fresh.length === 0) return;
    this.insertMany(fresh.map((client) => ({ room, client, userId })));
    for (const client of fresh) owners.set(client, userId);
  }

  /** Records owners directly (the demo's seeded content). */
  record(records: readonly OwnerRecord[]): void {
    this.insertMany(records);
  }
}
