/**
 * The sync status as reactive state: what the header shows.
 *
 * The sync layer reports its inputs (the network, each room's connection, the number of local
 * changes not yet stored) and the state is derived from them (status.ts). `lastSyncedAt` is the
 * moment everything was last known to be in step with the server: set when the state becomes
 * `synced`, moved on while it stays so, and set once more when it stops being so (it was in step
 * until then). Each change is handed to `onSynced` so it can be kept for the next start.
 */
import { SvelteMap } from 'svelte/reactivity';
import { deriveSyncState, type RoomConnection, type SyncState } from './status';
import type { SyncSnapshot } from './engine';

export interface SyncStatusOptions {
  online: boolean;
  /** From the previous visit, or null. */
  lastSyncedAt: number | null;
  onSynced?: (at: number) => void;
  now?: () => number;
}

export class SyncStatus implements SyncSnapshot {
  #online = $state(true);
  readonly #rooms = new SvelteMap<string, RoomConnection>();
  #pending = $state(0);
  #lastSyncedAt = $state<number | null>(null);

  readonly state: SyncState = $derived(
    deriveSyncState({ online: this.#online, rooms: [...this.#rooms.values()], pending: this.#pending })
  );

  #wasSynced = false;
  readonly #onSynced: ((at: number) => void) | undefined;
  readonly #now: () => number;

  constructor(options: SyncStatusOptions) {
    this.#online = options.online;
    this.#lastSyncedAt = options.lastSyncedAt;
    this.#onSynced = options.onSynced;
    this.#now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.#pending;
  }

  get lastSyncedAt(): number | null {
    return this.#lastSyncedAt;
  }

  get online(): boolean {
    return this.#online;
  }

  setOnline(online: boolean): void {
    this.#online = online;
    this.#check();
  }

  setRoom(name: string, connection: RoomConnection): void {
    const current = this.#rooms.get(name);
    if (current?.status === connection.status && current.synced === connection.synced) return;
    this.#rooms.set(name, { ...connection });
    this.#check();
  }

  removeRoom(name: string): void {
    if (this.#rooms.delete(name)) this.#check();
  }

  setPending(pending: number): void {
    this.#pending = pending;
    this.#check();
  }

  /** Called now and then (and on traffic) so that `lastSyncedAt` stays current while synced. */
  tick(): void {
    if (this.#wasSynced) this.#mark();
  }

  #check(): void {
    const synced = this.state === 'synced';
    if (synced === this.#wasSynced) return;
    this.#wasSynced = synced;
    this.#mark();
  }

  #mark(): void {
    const at = this.#now();
    this.#lastSyncedAt = at;
    this.#onSynced?.(at);
  }
}
