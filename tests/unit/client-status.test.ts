/**
 * The sync status: the state derived from the rooms' connections, and the reactive status
 * with its `lastSyncedAt`.
 */
import { describe, expect, it } from 'vitest';
import { deriveSyncState, type RoomConnection } from '../../src/lib/sync/status';
import { SyncStatus } from '../../src/lib/sync/sync-status.svelte';

const connected: RoomConnection = { status: 'connected', synced: true };
const exchanging: RoomConnection = { status: 'connected', synced: false };
const connecting: RoomConnection = { status: 'connecting', synced: false };

describe('deriveSyncState', () => {
  it('says offline without a network, whatever else', () => {
    expect(deriveSyncState({ online: false, rooms: [connected], pending: 0 })).toBe('offline');
    expect(deriveSyncState({ online: false, rooms: [], pending: 3 })).toBe('offline');
  });

  it('says connecting until every room is connected', () => {
    expect(deriveSyncState({ online: true, rooms: [], pending: 0 })).toBe('connecting');
    expect(deriveSyncState({ online: true, rooms: [connected, connecting], pending: 0 })).toBe('connecting');
    expect(
      deriveSyncState({ online: true, rooms: [{ status: 'disconnected', synced: false }], pending: 0 })
    ).toBe('connecting');
  });

  it('says syncing while a first exchange or a local change is outstanding', () => {
    expect(deriveSyncState({ online: true, rooms: [connected, exchanging], pending: 0 })).toBe('syncing');
    expect(deriveSyncState({ online: true, rooms: [connected], pending: 1 })).toBe('syncing');
  });

  it('says synced when everything is exchanged and stored', () => {
    expect(deriveSyncState({ online: true, rooms: [connected, connected], pending: 0 })).toBe('synced');
  });
});

describe('SyncStatus', () => {
  function status(options: Partial<ConstructorParameters<typeof SyncStatus>[0]> = {}) {
    let now = 1000;
    const kept: number[] = [];
    const s = new SyncStatus({
      online: true,
      lastSyncedAt: null,
      onSynced: (at) => kept.push(at),
      now: () => now,
      ...options
    });
    return { s, kept, advance: (ms: number) => (now += ms) };
  }

  it('derives its state from the rooms and the pending count', () => {
    const { s } = status();
    expect(s.state).toBe('connecting');
    s.setRoom('org', connecting);
    s.setRoom('user/sara', connecting);
    expect(s.state).toBe('connecting');
    s.setRoom('org', exchanging);
    s.setRoom('user/sara', connected);
    expect(s.state).toBe('syncing');
    s.setRoom('org', connected);
    expect(s.state).toBe('synced');
    s.setPending(2);
    expect([s.state, s.pending]).toEqual(['syncing', 2]);
    s.setPending(0);
    s.setOnline(false);
    expect(s.state).toBe('offline');
    s.setOnline(true);
    s.removeRoom('org');
    expect(s.state).toBe('synced');
  });

  it('keeps the last synced time from before, until it syncs', () => {
    const { s, kept } = status({ lastSyncedAt: 42 });
    expect(s.lastSyncedAt).toBe(42);
    s.setRoom('org', exchanging);
    expect(s.lastSyncedAt).toBe(42);
    expect(kept).toEqual([]);
  });

  it('marks when it becomes synced, while it stays synced, and when it stops', () => {
    const { s, kept, advance } = status();
    s.setRoom('org', connected);
    expect(s.lastSyncedAt).toBe(1000);
    advance(60_000);
    s.tick();
    expect(s.lastSyncedAt).toBe(61_000);
    advance(5_000);
    s.setOnline(false); // was in step until now
    expect(s.lastSyncedAt).toBe(66_000);
    advance(60_000);
    s.tick(); // offline: the time stays
    expect(s.lastSyncedAt).toBe(66_000);
    expect(kept).toEqual([1000, 61_000, 66_000]);
  });
});
