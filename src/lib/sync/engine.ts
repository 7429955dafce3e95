/**
 * The sync layer: the rooms this device keeps, their documents, providers and status.
 *
 * SKELETON: the shape the session and the pages use; implemented with the sync layer.
 */
import type * as Y from 'yjs';
import type { SyncState } from './status';

export interface SyncSnapshot {
  state: SyncState;
  /** Local changes not yet stored on the server. */
  pending: number;
  /** When everything was last in step with the server (ms), or null if never on this device. */
  lastSyncedAt: number | null;
}

export interface SyncEngine {
  /** Reactive: read it in a component and it updates. */
  readonly status: SyncSnapshot;
  /** The person's own room (`user/<id>`), loaded from the local store and syncing. */
  userDoc(): Promise<Y.Doc>;
  /** Closes every connection (sign-out, page unload). */
  stop(): void;
}
