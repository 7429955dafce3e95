import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { LoadedRoom } from '../../sync-server/src/loaded-room';
import { parseRoomName } from '../../src/lib/model/rooms';

/** A client's awareness state as it arrives at the server, with its clock. */
function clientState(name: string): { id: number; update: Uint8Array; client: awarenessProtocol.Awareness } {
  const client = new awarenessProtocol.Awareness(new Y.Doc());
  client.setLocalState({ user: { name } });
  const update = awarenessProtocol.encodeAwarenessUpdate(client, [client.clientID]);
  return { id: client.clientID, update, client };
}

describe('awareness expiry in a loaded room', () => {
  it('drops states not renewed within 30 s and tells the room, and keeps fresh ones', () => {
    const room = new LoadedRoom('space/s1', parseRoomName('space/s1')!, () => {
      throw new Error('the room never sleeps here');
    });
    const removed: number[] = [];
    room.awareness.on('update', ({ removed: gone }: { removed: number[] }) => removed.push(...gone));
    const stale = clientState('Sara');
    const fresh = clientState('Johan');
    awarenessProtocol.applyAwarenessUpdate(room.awareness, stale.update, 'peer');
    awarenessProtocol.applyAwarenessUpdate(room.awareness, fresh.update, 'peer');
    const start = Date.now();

    room.expireAwareness(start + 29_000);
    expect(room.awareness.states.has(stale.id)).toBe(true);

    // Johan's client renews its state; Sara's went away without saying so.
    room.awareness.meta.get(fresh.id)!.lastUpdated = start + 20_000;
    room.expireAwareness(start + 31_000);
    expect(room.awareness.states.has(stale.id)).toBe(false);
    expect(room.awareness.states.has(fresh.id)).toBe(true);
    expect(removed).toEqual([stale.id]);
    stale.client.destroy();
    fresh.client.destroy();
  });

  it('forgets a client 30 s after its state went', () => {
    const room = new LoadedRoom('space/s1', parseRoomName('space/s1')!, () => {
      throw new Error('the room never sleeps here');
    });
    const left = clientState('Sara');
    awarenessProtocol.applyAwarenessUpdate(room.awareness, left.update, 'peer');
    awarenessProtocol.removeAwarenessStates(room.awareness, [left.id], 'peer');
    const start = Date.now();
    // Kept a while, so that a message still on its way cannot bring the state back.
    room.expireAwareness(start + 29_000);
    expect(room.awareness.meta.has(left.id)).toBe(true);
    room.expireAwareness(start + 31_000);
    expect(room.awareness.meta.has(left.id)).toBe(false);
    left.client.destroy();
  });
});
