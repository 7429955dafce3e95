/**
 * When the room registry commits and relays client updates: at once on a quiet server, grouped
 * to the end of the event-loop turn on a busy one. A real registry on a real SQLite database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { CloseCode } from '../../src/lib/model/close-codes';
import { parseRoomName } from '../../src/lib/model/rooms';
import { openDatabase } from '../../sync-server/src/db';
import { createLogger } from '../../sync-server/src/logger';
import { Metrics } from '../../sync-server/src/metrics';
import { SqliteUpdateStore } from '../../sync-server/src/persistence';
import { RoomRegistry, type Peer } from '../../sync-server/src/rooms';
import { removeDir, tempDataDir } from '../factories';

class RecordingPeer implements Peer {
  static next = 1;
  readonly id = RecordingPeer.next++;
  readonly wantsCommitted = false;
  awarenessIds: number[] | null = null;
  readonly received: Uint8Array[] = [];
  send(message: Uint8Array): void {
    this.received.push(message);
  }
  close(_code: CloseCode): void {}
}

const dirs: string[] = [];
const registries: RoomRegistry[] = [];
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

/**
 * The server counts as busy for 200 ms after a commit here, not the default millisecond, so
 * that a test process preempted between two calls still sees them as close together.
 */
const QUIET_MS = 200;

function setUp(commitDelayMs = 0) {
  const dir = tempDataDir();
  dirs.push(dir);
  const store = new SqliteUpdateStore(openDatabase(dir));
  const metrics = new Metrics();
  const registry = new RoomRegistry(
    store,
    {
      commitDelayMs,
      commitQuietMs: QUIET_MS,
      compactThreshold: 1000,
      compactQuietMs: 1000,
      roomIdleMs: 60_000
    },
    metrics,
    createLogger('silent')
  );
  registries.push(registry);
  const room = parseRoomName('space/s1')!;
  const sender = new RecordingPeer();
  const receiver = new RecordingPeer();
  const loaded = registry.join(room, sender);
  registry.join(room, receiver);
  // A client writing one key after another, as the stock provider sends them.
  const client = new Y.Doc();
  const updates: Uint8Array[] = [];
  client.on('update', (u: Uint8Array) => updates.push(u));
  const write = (n: number): Uint8Array => {
    client.getMap('m').set(`k${n}`, n);
    return updates.at(-1)!;
  };
  const stored = () => store.load('space/s1').updates.length;
  const batches = async () => {
    const { values } = await metrics.commitBatch.get();
    const of = (name: string) => values.find((v) => v.metricName === name)?.value ?? 0;
    return {
      commits: of('fika_sync_commit_batch_updates_count'),
      updates: of('fika_sync_commit_batch_updates_sum')
    };
  };
  return { registry, loaded, sender, receiver, write, stored, batches };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('commit timing', () => {
  it('commits and relays an update on a quiet server before the call returns', async () => {
    const { registry, loaded, sender, receiver, write, stored } = setUp();
    registry.applyClientUpdate(loaded, sender, write(1));
    expect(stored()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(sender.received).toHaveLength(0);

    // Quiet again a while later: the next one goes at once too.
    await wait(QUIET_MS + 50);
    registry.applyClientUpdate(loaded, sender, write(2));
    expect(stored()).toBe(2);
    expect(receiver.received).toHaveLength(2);
  });

  it('groups the updates that follow a commit closely into one commit at the end of the turn', async () => {
    const { registry, loaded, sender, receiver, write, stored, batches } = setUp();
    for (let n = 1; n <= 6; n++) registry.applyClientUpdate(loaded, sender, write(n));
    // The first found the server quiet; the other five wait, unrelayed, for the end of the turn.
    expect(stored()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    await endOfTurn();
    expect(stored()).toBe(6);
    expect(receiver.received).toHaveLength(6);
    expect(await batches()).toEqual({ commits: 2, updates: 6 });

    const doc = new Y.Doc();
    for (const u of receiver.received) {
      // Each relay is a sync-update message: type 0, sync step 'update' (2), then the update.
      expect([...u.subarray(0, 2)]).toEqual([0, 2]);
    }
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(loaded.doc));
    expect(doc.getMap('m').toJSON()).toEqual({ k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6 });
  });

  it('waits for the configured delay when one is set, however quiet the server', async () => {
    const { registry, loaded, sender, receiver, write, stored } = setUp(5);
    registry.applyClientUpdate(loaded, sender, write(1));
    registry.applyClientUpdate(loaded, sender, write(2));
    expect(stored()).toBe(0);
    expect(receiver.received).toHaveLength(0);
    await wait(30);
    expect(stored()).toBe(2);
    expect(receiver.received).toHaveLength(2);
  });
});
