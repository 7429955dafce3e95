/**
 * The one sync status shown in every page's header, derived from the rooms' connections.
 *
 * - `offline`: the device has no network;
 * - `connecting`: trying to reach the server (also while the server cannot be reached);
 * - `syncing`: connected, and something is still going one way or the other (a room has not
 *   finished its first exchange, or local changes are not yet stored on the server);
 * - `synced`: every room is connected and exchanged, and every local change is stored.
 */
export type SyncState = 'offline' | 'connecting' | 'syncing' | 'synced';

export interface RoomConnection {
  /** The provider's socket state. */
  status: 'connecting' | 'connected' | 'disconnected';
  /** The first exchange since connecting has completed. */
  synced: boolean;
}

export function deriveSyncState(input: {
  online: boolean;
  rooms: readonly RoomConnection[];
  /** Local changes not yet acknowledged as stored by the server. */
  pending: number;
}): SyncState {
  if (!input.online) return 'offline';
  if (input.rooms.length === 0) return 'connecting';
  if (input.rooms.some((r) => r.status !== 'connected')) return 'connecting';
  if (input.rooms.some((r) => !r.synced) || input.pending > 0) return 'syncing';
  return 'synced';
}
