/**
 * The sync layer: the rooms this device keeps, their documents, providers and status.
 *
 * This module loads Yjs, y-websocket and y-dexie; the session imports it with `import()` once the
 * first page has painted from the local store, so that none of them is in the entry chunks.
 * Types may be imported from here freely (they vanish from the build).
 *
 * Close codes (a 44xx close is final for the stock client, see model/close-codes.ts):
 * - 4401: the session ended; `onSessionEnded` lets the app ask the person to sign in again
 *   while their local data stays;
 * - 4403: the room is no longer readable: its connection, rows and stored document go (for the
 *   directory and the person's own room, which they can always read, it means the session
 *   ended instead);
 * - 4409: the server refused a local change: the room's local copy goes and the room is loaded
 *   afresh from the server (sending the same change again would be refused again);
 * - 4408 and 4429: the client was too slow or too fast: try again after the longest backoff;
 * - anything else final (a bad message, an unknown room) leaves the room disconnected.
 *
 * Besides the rooms kept open (wanted-rooms.ts), a room can be held open for a while: by
 * `change()` until the change is in the outbox (from then on the outbox keeps the room open
 * until the server has stored it), and by `loadOlder()` until an older month has synced.
 *
 * A tab keeps at most `MAX_OPEN_ROOMS` connections; past that, the least immediate rooms are
 * kept closed and caught up now and then with those the server says changed
 * (room-budget.ts).
 */
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { liveQuery, type Subscription } from 'dexie';
import yDexie from 'y-dexie';
import { ApiFailure, type Me } from '../api';
import { openUserDb, type DexieAddon, type FikaDb } from '../data/db';
import { forgetRoomRows } from '../data/materialise';
import { getMeta, setMeta } from '../data/meta';
import { CloseCodes } from '../model/close-codes';
import { orgRoom, parseRoomName, userRoom, type Access } from '../model/rooms';
import { onAccessChanged } from '../model/org-room';
import { onRoomsChanged } from '../model/space-shared';
import type { SyncState } from './status';
import { MAX_BACKOFF_MS, RoomSync, type RoomSyncContext } from './room-sync';
import { SyncStatus } from './sync-status.svelte';
import { previousMonth, roomAccess, stillReadable, wantedRooms } from './wanted-rooms';
import { compressRooms } from './compress';
import { feedSpaceIds, fetchMonths, nextOlderRooms, type SpaceMonth } from './older-months';
import {
  CatchUp,
  MAX_OPEN_ROOMS,
  splitRooms,
  syncedWithin,
  tabShare,
  type RoomVersions
} from './room-budget';
import { TabCensus } from './tab-census';

/** When the stored updates are first merged after start, and how often after that (as y-dexie). */
const COMPRESS_DELAY_MS = 10_000;
const COMPRESS_INTERVAL_MS = 300_000;

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
  /** Follows a fresh `/api/me`: opens rooms newly readable, forgets those no longer readable. */
  update(me: Me): void;
  /**
   * Changes a room's document: opens the room if it is not open (with the access `/api/me`
   * gives; month partitions take their space's), waits until its document is loaded from this
   * device's store, runs `fn` in one transaction and resolves once the change is in the outbox,
   * which keeps the room open until the server has stored it. Works offline: the change is sent
   * when the network is back. `fn` should check before it changes anything: what it changed
   * before throwing stays. Rejects with an `ApiFailure` ('forbidden', 'read-only', 'stopped').
   */
  change(roomName: string, fn: (doc: Y.Doc) => void): Promise<void>;
  /**
   * Fetches the next older month partition(s) of a space (of every space in the feed when
   * null) that this device does not have: asks the server which months exist, opens those
   * rooms, waits until each has synced and its rows are written, then lets them go (their data
   * stays). Resolves false when there is nothing older, and at once when offline.
   */
  loadOlder(spaceId: string | null): Promise<boolean>;
  /**
   * Opens a document's room (`doc/<id>`) for an editor: resolves with its live document, loaded
   * from this device's store (so it works offline; one this device has never held waits for the
   * server's copy first, at most 10 s), the provider's awareness for carets and names, and the
   * access `/api/me` gives. The room stays open until `release()` is called.
   * Rejects with an `ApiFailure` ('forbidden', 'stopped').
   */
  openDoc(roomName: string): Promise<OpenDoc>;
  /** Closes every connection (sign-out, page unload). */
  stop(): void;
}

export interface OpenDoc {
  doc: Y.Doc;
  awareness: Awareness;
  access: Access;
  /** Lets the room go (it stays open if something else keeps it). Safe to call twice. */
  release(): void;
}

export interface SyncEngineOptions {
  /** The person's database (the plain view the pages read). */
  db: FikaDb;
  /** The cached `/api/me`, or null before the first. */
  me: Me | null;
  /** The server ended the session (4401): sign in again; local data stays. */
  onSessionEnded: () => void;
  /**
   * The server recorded that people's access changed (a new targeted post, a changed
   * audience): fetch `/api/me` again and pass it to `update`.
   */
  onAccessChanged?: () => void;
  /**
   * The server recorded, in a space's shared room, that the rooms of that space a reader may
   * open could have changed: for a kiosk, which reads no `org` room. Fetch the rooms again.
   */
  onSpaceRoomsChanged?: () => void;
  /**
   * The device forgot these rooms because the person may no longer read them (their rows and
   * stored documents are gone): whatever else holds their content (the search index, cached
   * images) should go too.
   */
  onAccessLost?: (rooms: string[]) => void;
  /** The sync endpoint; this origin's `/sync` by default. */
  url?: string;
  /** Extra query parameters. */
  params?: Record<string, string>;
  /** WebSocket subprotocols: `tokenProtocols(token)` for a client without the session cookie. */
  protocols?: string[];
  /** A WebSocket implementation where the platform has none. */
  WebSocket?: typeof WebSocket;
  /**
   * The month partitions a space has on the server, newest first; `GET
   * /api/spaces/:id/months` by default.
   */
  months?: (spaceId: string) => Promise<SpaceMonth[]>;
  /**
   * False for a kiosk screen (a device, not a person): the directory and an own room are
   * neither opened nor expected, only the rooms `me` lists. True by default.
   */
  personal?: boolean;
  /**
   * The most rooms kept connected at once; by default `MAX_OPEN_ROOMS`, less while other tabs
   * of the app are open (`tabShare`; `CatchUp.max` holds the limit in force).
   */
  maxOpenRooms?: number;
  /** How often rooms kept closed are caught up (every 30 s by default). */
  catchUpMs?: number;
  /** The marks of rooms' last commits; `POST /api/sync/versions` by default. */
  versions?: (rooms: string[]) => Promise<RoomVersions>;
}

export type { SpaceMonth };

/** How long `loadOlder` waits for one month partition to sync. */
const LOAD_TIMEOUT_MS = 30_000;

/** Last month's partitions open at the latest this long after this month's (see #apply). */
const OLDER_MONTHS_PATIENCE_MS = 3000;

/** How long a document never held on this device waits for the server before it opens. */
const FIRST_SYNC_WAIT_MS = 10_000;

/** Resolves when `synced` does, or after `FIRST_SYNC_WAIT_MS`. */
async function firstSync(synced: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_SYNC_WAIT_MS)));
  try {
    await Promise.race([synced, waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** How often `lastSyncedAt` moves on while synced, and the month partitions are checked. */
const TICK_MS = 60_000;

function defaultUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;
}

// Only a definite "no network" counts: where `onLine` is unknown (not a browser), try.
const isOnline = (): boolean => typeof navigator === 'undefined' || navigator.onLine !== false;

/** Starts syncing for the owner of `options.db`. */
export async function createSyncEngine(options: SyncEngineOptions): Promise<FikaSyncEngine> {
  const lastSyncedAt = await getMeta(options.db, 'lastSyncedAt').catch(() => null);
  return new FikaSyncEngine(options, lastSyncedAt);
}

export class FikaSyncEngine implements SyncEngine {
  readonly status: SyncStatus;
  readonly #db: FikaDb;
  readonly #ydb: FikaDb;
  readonly #options: SyncEngineOptions;
  readonly #context: RoomSyncContext;
  readonly #rooms = new Map<string, RoomSync>();
  /** Rooms the server refused since the last fresh `/api/me` (a cached one may still list them). */
  readonly #forbidden = new Set<string>();
  #me: Me | null;
  #month = '';
  /** Rooms with local changes not yet stored, kept open until they are. */
  #pendingRooms: string[] = [];
  /** Called after each new list of pending rooms. */
  #pendingListeners = new Set<() => void>();
  /** Rooms held open by `change()` and `loadOlder()`: access and how many hold each. */
  readonly #held = new Map<string, { access: Access; count: number }>();
  #stopped = false;
  /** How many editors hold each document open (their presence is cleared when none does). */
  readonly #editors = new Map<string, number>();
  /** Last month's partitions are open (see #apply). */
  #olderMonthsOpen = false;
  #olderMonthsTimer: ReturnType<typeof setTimeout> | null = null;
  #sessionEnded = false;
  readonly #pending: Subscription;
  readonly #ticker: ReturnType<typeof setInterval>;
  #compressTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #catchUp: CatchUp;
  readonly #census: TabCensus | null = null;

  constructor(options: SyncEngineOptions, lastSyncedAt: number | null) {
    this.#options = options;
    this.#db = options.db;
    this.#me = options.me;
    // y-dexie's own merging drops deleted content, which document versions need (compress.ts).
    this.#ydb = openUserDb(options.db.userId, { yDexie: yDexie({ gc: false }) as DexieAddon });
    this.#scheduleCompress(COMPRESS_DELAY_MS);
    this.status = new SyncStatus({
      online: isOnline(),
      lastSyncedAt,
      onSynced: (at) => {
        setMeta(this.#db, 'lastSyncedAt', at).catch((err: unknown) =>
          this.#failed('keeping the sync time', err)
        );
      }
    });
    this.#context = {
      db: this.#db,
      ydb: this.#ydb,
      url: options.url ?? defaultUrl(),
      params: options.params ?? {},
      protocols: options.protocols ?? [],
      WebSocket: options.WebSocket,
      status: this.status,
      online: () => this.status.online,
      onClosed: (room, code) => this.#onClosed(room, code)
    };
    this.#pending = liveQuery(() =>
      Promise.all([this.#db.outbox.count(), this.#db.outbox.orderBy('room').uniqueKeys()])
    ).subscribe({
      next: ([count, rooms]) => {
        this.status.setPending(count);
        const names = (rooms as string[]).sort();
        if (names.join('\n') !== this.#pendingRooms.join('\n')) {
          this.#pendingRooms = names;
          if (!this.#stopped) this.#apply();
        }
        for (const listener of [...this.#pendingListeners]) listener();
      },
      error: (err: unknown) => this.#failed('counting changes', err)
    });
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.#onOnline);
      window.addEventListener('offline', this.#onOffline);
    }
    this.#catchUp = new CatchUp(
      {
        open: (name, access) => this.#rooms.get(name) ?? this.#open(name, access),
        isOpen: (room) => this.#rooms.get(room.name) === room,
        openCount: () => this.#rooms.size,
        online: () => this.status.online,
        done: () => this.#apply(),
        failed: (what, err) => this.#failed(what, err)
      },
      {
        maxOpenRooms: options.maxOpenRooms ?? MAX_OPEN_ROOMS,
        intervalMs: options.catchUpMs,
        versions: options.versions,
        store: {
          load: () => getMeta(this.#db, 'rooms.caughtUp'),
          keep: (room, mark) => this.#changeMarks((marks) => ({ ...marks, [room]: mark })),
          prune: (rooms) =>
            this.#changeMarks((marks) =>
              Object.fromEntries(rooms.flatMap((r) => (r in marks ? [[r, marks[r]!]] : [])))
            )
        }
      }
    );
    if (options.maxOpenRooms === undefined) {
      this.#census = new TabCensus((tabs) => {
        if (this.#stopped) return;
        this.#catchUp.setMax(tabShare(tabs));
        this.#apply();
      });
    }
    this.#ticker = setInterval(this.#tick, TICK_MS);
    this.#apply();
  }

  /** The rooms open now (for tests and diagnostics). */
  get openRooms(): string[] {
    return [...this.#rooms.keys()];
  }

  userDoc(): Promise<Y.Doc> {
    const room = this.#rooms.get(userRoom(this.#db.userId));
    return room ? room.loaded : Promise.reject(new Error('sync stopped'));
  }

  update(me: Me): void {
    if (this.#stopped) return;
    this.#me = me;
    this.#forbidden.clear();
    this.#apply();
    void this.#forgetUnreadable(me);
  }

  async change(roomName: string, fn: (doc: Y.Doc) => void): Promise<void> {
    if (this.#stopped) throw new ApiFailure(0, 'stopped', 'Sync has stopped.');
    const access = this.#writeAccess(roomName);
    this.#hold(roomName, access);
    try {
      const room = this.#rooms.get(roomName);
      if (!room) throw new ApiFailure(403, 'forbidden', `${roomName} may not be opened.`);
      const doc = await room.loaded;
      doc.transact(() => fn(doc));
      await room.recorded();
      await this.#untilPendingKnown(roomName);
    } finally {
      this.#release(roomName);
    }
  }

  async openDoc(roomName: string): Promise<OpenDoc> {
    if (this.#stopped) throw new ApiFailure(0, 'stopped', 'Sync has stopped.');
    const access = parseRoomName(roomName)?.kind === 'doc' ? roomAccess(this.#me, roomName) : undefined;
    if (access === undefined || this.#forbidden.has(roomName)) {
      throw new ApiFailure(403, 'forbidden', `${roomName} may not be opened.`);
    }
    this.#hold(roomName, access);
    let released = false;
    let presence: Awareness | null = null;
    const release = () => {
      if (released) return;
      released = true;
      // The person's presence (name, caret) is shown while at least one editor has it open; the
      // room itself may stay open for the library.
      if (presence) {
        const left = (this.#editors.get(roomName) ?? 1) - 1;
        if (left > 0) this.#editors.set(roomName, left);
        else {
          this.#editors.delete(roomName);
          presence.setLocalState(null);
        }
      }
      this.#release(roomName);
    };
    try {
      const room = this.#rooms.get(roomName);
      if (!room) throw new ApiFailure(403, 'forbidden', `${roomName} may not be opened.`);
      const doc = await room.loaded;
      // A document this device has never held opens once the server's copy is here, or after a
      // moment: an editor shown empty and filled under the person's caret would put what they
      // type somewhere they did not choose. Offline, the empty copy opens at once.
      if (doc.store.clients.size === 0 && this.status.online) await firstSync(room.synced);
      const awareness = room.awareness;
      if (!awareness) throw new ApiFailure(0, 'stopped', 'Sync has stopped.');
      if (released) throw new ApiFailure(0, 'stopped', 'Released before it was open.');
      // Fields set on a cleared state are ignored (y-protocols): start from an empty one.
      if (awareness.getLocalState() === null) awareness.setLocalState({});
      presence = awareness;
      this.#editors.set(roomName, (this.#editors.get(roomName) ?? 0) + 1);
      return { doc, awareness, access: room.access, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** The access to write `roomName` with, or a failure saying why it cannot be written. */
  #writeAccess(roomName: string): Access {
    const room = parseRoomName(roomName);
    if (room === null || room.kind === 'org' || this.#forbidden.has(roomName)) {
      throw new ApiFailure(403, 'forbidden', `${roomName} may not be written.`);
    }
    let access: Access | undefined = this.#rooms.get(roomName)?.access ?? this.#held.get(roomName)?.access;
    if (access === undefined) {
      if (room.kind === 'user') access = room.userId === this.#db.userId ? 'write' : undefined;
      // A targeted post just created is not in the cached `/api/me` yet: the server decides.
      else access = roomAccess(this.#me, roomName) ?? (room.kind === 'post' ? 'write' : undefined);
    }
    if (access === undefined) throw new ApiFailure(403, 'forbidden', `${roomName} may not be written.`);
    if (access === 'read') throw new ApiFailure(403, 'read-only', `${roomName} may only be read.`);
    return access;
  }

  /**
   * Waits until the outbox's live list of rooms includes `roomName`, or the room has no
   * unstored change left (none was made, or the server already stored it).
   */
  async #untilPendingKnown(roomName: string): Promise<void> {
    for (;;) {
      if (this.#stopped || this.#pendingRooms.includes(roomName)) return;
      const next = new Promise<void>((resolve) => {
        const listener = () => {
          this.#pendingListeners.delete(listener);
          resolve();
        };
        this.#pendingListeners.add(listener);
      });
      if ((await this.#db.outbox.where('room').equals(roomName).count()) === 0) return;
      await next;
    }
  }

  #hold(name: string, access: Access): void {
    const held = this.#held.get(name);
    if (held) held.count++;
    else this.#held.set(name, { access, count: 1 });
    this.#apply();
  }

  #release(name: string): void {
    const held = this.#held.get(name);
    if (!held) return;
    if (--held.count > 0) return;
    this.#held.delete(name);
    if (!this.#stopped) this.#apply();
  }

  async loadOlder(spaceId: string | null): Promise<boolean> {
    if (this.#stopped || !this.status.online) return false;
    const spaceIds = spaceId === null ? await feedSpaceIds(this.#db) : [spaceId];
    const now = new Date();
    const open = wantedRooms(this.#db.userId, this.#me, now, this.#pendingRooms, this.#options.personal);
    const stored = new Set((await this.#db.rooms.toCollection().primaryKeys()) as string[]);
    const source = this.#options.months ?? fetchMonths;
    let lists: SpaceMonth[][];
    try {
      lists = await Promise.all(spaceIds.map((id) => source(id)));
    } catch (err) {
      if (err instanceof ApiFailure && err.error === 'offline') return false;
      throw err;
    }
    const rooms = nextOlderRooms(
      spaceIds,
      lists,
      (room) => open.has(room) || stored.has(room) || this.#forbidden.has(room)
    );
    if (rooms.length === 0) return false;
    await Promise.all(rooms.map((room) => this.#loadMonth(room)));
    return true;
  }

  /** Opens a month partition until it has synced and its rows are written. */
  async #loadMonth(name: string): Promise<void> {
    const access = roomAccess(this.#me, name);
    if (access === undefined) return;
    this.#hold(name, access);
    try {
      const room = this.#rooms.get(name);
      if (!room) throw new ApiFailure(403, 'forbidden', `${name} may not be opened.`);
      if (!(await syncedWithin(room, () => this.#rooms.get(name) === room, LOAD_TIMEOUT_MS))) {
        throw new ApiFailure(0, 'load-failed', `${name} could not be loaded.`);
      }
    } catch (err) {
      this.#release(name);
      // Half a month is not "on the device": forget it, so that the next attempt loads it again.
      if (!this.#stopped && !this.#rooms.has(name)) {
        await forgetRoomRows(this.#db, name).catch((e: unknown) => this.#failed(`forgetting ${name}`, e));
      }
      throw err;
    }
    this.#release(name);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const listener of this.#pendingListeners) listener();
    for (const room of this.#rooms.values()) room.stop();
    this.#rooms.clear();
    this.#pending.unsubscribe();
    clearInterval(this.#ticker);
    if (this.#olderMonthsTimer) clearTimeout(this.#olderMonthsTimer);
    if (this.#compressTimer) clearTimeout(this.#compressTimer);
    this.#catchUp.stop();
    this.#census?.stop();
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.#onOnline);
      window.removeEventListener('offline', this.#onOffline);
    }
    this.#ydb.close();
  }

  /**
   * Changes the kept catch-up marks in a transaction of their own: the device's tabs share them,
   * and change them in turn.
   */
  #changeMarks(change: (marks: Record<string, string>) => Record<string, string>): Promise<void> {
    return this.#db.transaction('rw', this.#db.meta, async () => {
      await setMeta(this.#db, 'rooms.caughtUp', change((await getMeta(this.#db, 'rooms.caughtUp')) ?? {}));
    });
  }

  /** Merges the stored updates of every room now and then, keeping documents' history. */
  #scheduleCompress(delay: number): void {
    this.#compressTimer = setTimeout(() => {
      this.#compressTimer = null;
      compressRooms(this.#ydb, COMPRESS_INTERVAL_MS)
        .catch((err: unknown) => {
          if (!this.#stopped) console.debug('sync: merging stored updates failed', err);
        })
        .finally(() => {
          if (!this.#stopped) this.#scheduleCompress(COMPRESS_INTERVAL_MS);
        });
    }, delay);
  }

  /** Opens the rooms wanted now and closes the others (their data stays). */
  #apply(): void {
    const now = new Date();
    this.#month = now.toISOString().slice(0, 7);
    const wanted = wantedRooms(this.#db.userId, this.#me, now, this.#pendingRooms, this.#options.personal);
    for (const [name, { access }] of this.#held) if (!wanted.has(name)) wanted.set(name, access);
    for (const name of this.#forbidden) wanted.delete(name);
    const keep = new Set([...this.#held.keys(), ...this.#pendingRooms]);
    const { open, closed } = splitRooms(wanted, keep, this.#month, this.#catchUp.max);
    for (const [name, room] of this.#rooms) {
      const access = wanted.get(name);
      if (access === undefined || (!open.has(name) && !this.#catchUp.has(name))) {
        room.stop();
        this.#rooms.delete(name);
      } else room.access = access;
    }
    this.#catchUp.keepClosed(closed);
    // Last month's partitions wait until this month's have synced (or a moment has passed), so
    // that on a new device the newest posts do not share the network and the main thread with
    // older ones; they open at once when they hold unsaved changes.
    const previous = previousMonth(now).toISOString().slice(0, 7);
    const waiting = (name: string) => {
      const room = parseRoomName(name);
      return (
        !this.#olderMonthsOpen &&
        room?.kind === 'space' &&
        room.month === previous &&
        !this.#pendingRooms.includes(name)
      );
    };
    for (const [name, access] of open) {
      if (this.#rooms.has(name) || waiting(name)) continue;
      this.#open(name, access);
    }
    if (!this.#olderMonthsOpen && !this.#olderMonthsTimer) {
      const current = [...this.#rooms.values()].filter((r) => {
        const room = parseRoomName(r.name);
        return room?.kind === 'space' && room.month === this.#month;
      });
      const release = () => {
        if (this.#olderMonthsOpen || this.#stopped) return;
        this.#olderMonthsOpen = true;
        if (this.#olderMonthsTimer) clearTimeout(this.#olderMonthsTimer);
        this.#apply();
      };
      this.#olderMonthsTimer = setTimeout(release, OLDER_MONTHS_PATIENCE_MS);
      void Promise.all(current.map((r) => r.synced)).then(release);
    }
  }

  #open(name: string, access: Access): RoomSync {
    const room = new RoomSync(name, access, this.#context);
    this.#rooms.set(name, room);
    room.loaded.catch((err: unknown) => {
      // A room closed while it was opening (no longer wanted, or its connection given to
      // another) has nothing to report.
      if (this.#rooms.get(name) === room) this.#failed(`opening ${name}`, err);
    });
    if (name === orgRoom() && this.#options.onAccessChanged) {
      const listener = this.#options.onAccessChanged;
      void room.loaded.then(
        (doc) => onAccessChanged(doc, () => !this.#stopped && listener()),
        () => undefined
      );
    }
    const parsed = parseRoomName(name);
    if (parsed?.kind === 'space' && parsed.month === null && this.#options.onSpaceRoomsChanged) {
      const listener = this.#options.onSpaceRoomsChanged;
      void room.loaded.then(
        (doc) => onRoomsChanged(doc, () => !this.#stopped && listener()),
        () => undefined
      );
    }
    return room;
  }

  /** Deletes what this device holds of spaces the person may no longer read. */
  async #forgetUnreadable(me: Me): Promise<void> {
    const forgotten: string[] = [];
    try {
      const names = (await this.#db.rooms.toCollection().primaryKeys()) as string[];
      for (const name of names) {
        if (stillReadable(me, name) || this.#held.has(name) || this.#stopped) continue;
        this.#rooms.get(name)?.stop();
        this.#rooms.delete(name);
        await forgetRoomRows(this.#db, name);
        forgotten.push(name);
      }
    } catch (err) {
      this.#failed('forgetting rooms', err);
    }
    if (forgotten.length > 0 && !this.#stopped) this.#options.onAccessLost?.(forgotten);
  }

  #onClosed(room: RoomSync, code: number): void {
    if (this.#stopped || this.#rooms.get(room.name) !== room) return;
    // Everyone may read the directory and their own room: a refusal there means the connection
    // was not this person's (the browser's cookie now belongs to someone else), so the session
    // is what ended; their data must not go.
    const own = room.name === 'org' || room.name === userRoom(this.#db.userId);
    switch (code) {
      case CloseCodes.Unauthorized.code:
        this.#endSession();
        return;
      case CloseCodes.Forbidden.code:
        if (own) {
          this.#endSession();
          return;
        }
        this.#forbidden.add(room.name);
        void this.#drop(room).then((dropped) => {
          if (dropped && !this.#stopped) this.#options.onAccessLost?.([room.name]);
        });
        return;
      case CloseCodes.UpdateRefused.code:
        void this.#drop(room).then(() => {
          if (!this.#stopped && !this.#rooms.has(room.name)) this.#open(room.name, room.access);
        });
        return;
      case CloseCodes.SlowClient.code:
      case CloseCodes.RateLimited.code:
      case CloseCodes.TooManyConnections.code:
        room.retryLater(MAX_BACKOFF_MS);
        return;
      default:
        console.warn(`sync: ${room.name} closed by the server (${code})`);
    }
  }

  #endSession(): void {
    if (this.#sessionEnded) return;
    this.#sessionEnded = true;
    this.#options.onSessionEnded();
  }

  /** Stops a room and deletes its rows, outbox and stored document; true once they are gone. */
  async #drop(room: RoomSync): Promise<boolean> {
    room.stop();
    this.#rooms.delete(room.name);
    try {
      await forgetRoomRows(this.#db, room.name);
      return true;
    } catch (err) {
      this.#failed(`forgetting ${room.name}`, err);
      return false;
    }
  }

  #onOnline = (): void => {
    this.status.setOnline(true);
    for (const room of this.#rooms.values()) room.resume();
    this.#catchUp.soon();
  };

  #onOffline = (): void => {
    this.status.setOnline(false);
    for (const room of this.#rooms.values()) room.pause();
  };

  #tick = (): void => {
    this.status.tick();
    // A new month has its own partitions.
    if (new Date().toISOString().slice(0, 7) !== this.#month) this.#apply();
  };

  #failed(what: string, err: unknown): void {
    if (this.#stopped) return;
    console.error(`sync: ${what} failed`, err);
  }
}
