/**
 * Which local changes a server state vector shows stored: rows recorded from real Yjs
 * transactions, vectors from real documents that received some of the updates.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { OutboxRow } from '../../src/lib/data/db';
import { confirmedByState, describeChange } from '../../src/lib/sync/outbox';
import { writeNote } from '../../src/lib/model/user-room';

/** Records outbox rows for every local transaction on `doc`, as the sync layer does. */
function recorder(doc: Y.Doc, room = 'user/sara'): { rows: OutboxRow[]; updates: Uint8Array[] } {
  const rows: OutboxRow[] = [];
  const updates: Uint8Array[] = [];
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    const change = describeChange({
      client: doc.clientID,
      before: tr.beforeState.get(doc.clientID) ?? 0,
      after: tr.afterState.get(doc.clientID) ?? 0,
      deleted: tr.deleteSet.clients.size > 0
    });
    if (change) rows.push({ id: rows.length + 1, room, at: 0, ...change });
  });
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { rows, updates };
}

describe('describeChange', () => {
  it('tells insertions, deletion-only changes and no change apart', () => {
    expect(describeChange({ client: 7, before: 3, after: 5, deleted: true })).toEqual({
      client: 7,
      clock: 5
    });
    expect(describeChange({ client: 7, before: 5, after: 5, deleted: true })).toEqual({
      client: 7,
      clock: 5,
      deletionOnly: true
    });
    expect(describeChange({ client: 7, before: 5, after: 5, deleted: false })).toBeNull();
  });
});

describe('confirmedByState', () => {
  it('confirms the changes whose updates the server has, and no others', () => {
    const device = new Y.Doc();
    const { rows, updates } = recorder(device);
    writeNote(device, 'one');
    writeNote(device, 'one two');
    writeNote(device, 'one two three');
    expect(rows).toHaveLength(3);

    const server = new Y.Doc();
    Y.applyUpdate(server, updates[0]!);
    Y.applyUpdate(server, updates[1]!);
    const state = Y.decodeStateVector(Y.encodeStateVector(server));
    expect(confirmedByState(rows, state)).toEqual([1, 2]);

    Y.applyUpdate(server, updates[2]!);
    expect(confirmedByState(rows, Y.decodeStateVector(Y.encodeStateVector(server)))).toEqual([1, 2, 3]);
  });

  it('confirms nothing from an empty or unrelated vector', () => {
    const device = new Y.Doc();
    const { rows } = recorder(device);
    writeNote(device, 'hello');
    const other = new Y.Doc();
    writeNote(other, 'something else entirely');
    expect(confirmedByState(rows, new Map())).toEqual([]);
    expect(confirmedByState(rows, Y.decodeStateVector(Y.encodeStateVector(other)))).toEqual([]);
  });

  it('never confirms a deletion-only change by state vector (its clock does not move)', () => {
    const device = new Y.Doc();
    const { rows, updates } = recorder(device);
    writeNote(device, 'hello world');
    writeNote(device, 'hello');
    expect(rows.map((r) => r.deletionOnly ?? false)).toEqual([false, true]);
    expect(rows[1]!.clock).toBe(rows[0]!.clock);

    // The server has the insertion but not the deletion: the vector alone cannot tell.
    const server = new Y.Doc();
    Y.applyUpdate(server, updates[0]!);
    expect(confirmedByState(rows, Y.decodeStateVector(Y.encodeStateVector(server)))).toEqual([1]);
  });

  it('keeps rows of other clients (another tab) apart', () => {
    const tab1 = new Y.Doc();
    const tab2 = new Y.Doc();
    const r1 = recorder(tab1);
    const r2 = recorder(tab2);
    writeNote(tab1, 'a');
    writeNote(tab2, 'b');
    const rows = [...r1.rows, ...r2.rows.map((r) => ({ ...r, id: 10 }))];
    const server = new Y.Doc();
    Y.applyUpdate(server, r2.updates[0]!);
    expect(confirmedByState(rows, Y.decodeStateVector(Y.encodeStateVector(server)))).toEqual([10]);
  });
});
