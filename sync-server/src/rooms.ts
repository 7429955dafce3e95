/**
 * Rooms held in memory, and the commit queue that makes relaying safe.
 *
 * Durability contract: an update is committed to storage before any other connection sees it.
 * Accepted updates are applied to the room's Y.Doc at once (so the next update from the same
 * client validates against it), queued, and committed: at once when nothing was committed in the
 * last millisecond, else together with everything read in the same turn of the event loop, or
 * after `commitDelayMs` when that is set (group commit). Only after the commit are they relayed,
 * and any reply that carries document state (sync step 2 to a joining client) waits for the
 * commit too: nobody is ever sent state that a crash could take back.
 *
 * Life of a room: loaded from storage on its first connection; its stored updates are merged
 * into one row once they pass `compactThreshold` and the room is quiet; its document sleeps
 * (leaves memory, read back from storage when next used) once unused for `roomIdleMs`, if small,
 * while its connections and their presence stay; unloaded `roomIdleMs` after its last connection
 * closed.
 */
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Room } from '../../src/lib/model/rooms';
import { CloseCodes } from '../../src/lib/model/close-codes';
import { LoadedRoom, type Peer } from './loaded-room';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { StoredRoomInfo, UpdateStore } from './persistence';
import { encodeCommitted, encodeUpdate, frameMessage } from './messages';
import { dropRenewals, relayPresence } from './presence';

/** Origin of changes the server itself makes (the directory room). */
const SERVER_ORIGIN = Symbol('fika-server');

/**
 * A room's document sleeps only while its stored form is at most this large. Waking it reads
 * and applies the stored form, about 5 ms at this size on the reference machine and more with
 * size, and that is added to whatever woke it; larger rooms keep their document while they are
 * loaded, as they did before rooms slept.
 */
export const SLEEP_MAX_BYTES = 64 * 1024;

/** The longest between two sweeps of the loaded rooms (awareness expiry, sleeping documents). */
const SWEEP_MAX_MS = awarenessProtocol.outdatedTimeout / 10;
/** The shortest, however short the idle time: each sweep walks every loaded room. */
const SWEEP_MIN_MS = 100;

/**
 * Merging rooms as they fall asleep stops for the sweep after this long (each sweep merges at
 * least one), so that many rooms going quiet at once do not hold the event loop; the rest fall
 * asleep on the next sweeps.
 */
const SWEEP_MERGE_BUDGET_MS = 5;

export interface RoomOptions {
  commitDelayMs: number;
  /** How long after a commit the server counts as busy (default `QUIET_MS`; tests set it). */
  commitQuietMs?: number;
  compactThreshold: number;
  compactQuietMs: number;
  roomIdleMs: number;
  /** How long one sweep may merge rooms falling asleep (default `SWEEP_MERGE_BUDGET_MS`; tests set it). */
  sweepMergeBudgetMs?: number;
}

/**
 * A client update arriving this long after the last commit is committed and relayed at once;
 * closer together, updates are grouped until the end of the event-loop turn.
 */
const QUIET_MS = 1;

interface QueuedUpdate {
  room: LoadedRoom;
  update: Uint8Array;
  from: Peer | null;
}

export class RoomRegistry {
  private readonly rooms = new Map<string, LoadedRoom>();
  private queue: QueuedUpdate[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** When the last commit ended (performance.now()), to tell a quiet server from a busy one. */
  private lastFlushAt = -Infinity;
  private closed = false;
  /** Loaded rooms whose document is in memory. */
  private documents = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  /** Names this run of the server in room versions: a restart changes every version. */
  private readonly epoch = randomBytes(6).toString('base64url');
  /** Room name → the number of the last commit that touched it in this run (see `version`). */
  private readonly commits = new Map<string, number>();
  private commitCount = 0;
  /** Called once for each room right after it is loaded (the directory room fills itself here). */
  onLoad: ((room: LoadedRoom) => void) | null = null;

  constructor(
    private readonly store: UpdateStore,
    private readonly opts: RoomOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger
  ) {
    // As often as y-protocols checks awareness, or often enough to notice an unused document
    // within half the idle time when that is shorter (tests).
    const sweepMs = Math.max(SWEEP_MIN_MS, Math.min(SWEEP_MAX_MS, opts.roomIdleMs / 2));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs).unref();
  }

  get size(): number {
    return this.rooms.size;
  }

  get(name: string): LoadedRoom | undefined {
    return this.rooms.get(name);
  }

  names(): string[] {
    return [...this.rooms.keys()];
  }

  /**
   * The stored rooms whose names start with `prefix`, with when each was last written. Updates
   * still waiting for their commit are committed first, so a room written a moment ago is listed.
   */
  storedRooms(prefix: string): StoredRoomInfo[] {
    this.flush();
    return this.store.roomsWithPrefix(prefix);
  }

  /**
   * A mark that changes whenever something is committed to the room, for a device that keeps
   * the room closed to learn whether it must open it to catch up. Opaque; equal marks mean
   * nothing was committed to the room in between. One map entry per room written since start;
   * a restart changes every mark, so each device catches up with each room once.
   */
  version(name: string): string {
    return `${this.epoch}.${this.commits.get(name) ?? 0}`;
  }

  /** Returns the room, loading it from storage when it is not in memory. */
  load(room: Room): LoadedRoom {
    const existing = this.rooms.get(room.name);
    if (existing) return existing;
    const loaded = new LoadedRoom(room.name, room, this.wakeDoc);
    this.readStored(loaded, loaded.doc);
    this.countDocuments(+1);
    loaded.awareness.on(
      'update',
      (
        { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
        origin: unknown
      ) => relayPresence(loaded, added, updated, removed, origin)
    );
    this.rooms.set(room.name, loaded);
    this.metrics.roomsLoaded.set(this.rooms.size);
    this.onLoad?.(loaded);
    if (loaded.storedRows >= this.opts.compactThreshold) this.queueCompaction(loaded);
    return loaded;
  }

  /** Applies a room's stored updates to `doc`, and notes how many rows and bytes they were. */
  private readStored(room: LoadedRoom, doc: Y.Doc): void {
    const { updates } = this.store.load(room.name);
    if (updates.length > 0) {
      Y.applyUpdate(doc, updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates));
    }
    room.storedRows = updates.length;
    room.storedBytes = updates.reduce((sum, u) => sum + u.byteLength, 0);
  }

  private countDocuments(change: number): void {
    this.documents += change;
    this.metrics.documentsInMemory.set(this.documents);
  }

  /** Reads a sleeping room's document back from storage (`LoadedRoom.doc`). */
  private readonly wakeDoc = (room: LoadedRoom): Y.Doc => {
    const doc = room.emptyDoc();
    this.readStored(room, doc);
    room.setDoc(doc);
    this.countDocuments(+1);
    this.metrics.roomWakes.inc();
    return doc;
  };

  /**
   * Wakes the room if it sleeps. When storage cannot be read the room is dropped (its
   * connections closed with a code the client retries after) and the answer is false.
   */
  ensureAwake(room: LoadedRoom): boolean {
    if (room.docInMemory !== null) return true;
    if (room.unloaded) return false;
    try {
      this.wakeDoc(room);
      return true;
    } catch (err) {
      this.log.error({ err, room: room.name }, 'room could not be read back; reset');
      this.dropRoom(room, 'room could not be read');
      return false;
    }
  }

  /**
   * Every few seconds (on a timer; tests call it too): expired awareness states go, and documents
   * unused for `roomIdleMs` sleep. The rooms are walked in one loop on one timer rather than each
   * keeping its own.
   */
  sweep(): void {
    const wall = Date.now();
    const now = performance.now();
    const mergeUntil = now + (this.opts.sweepMergeBudgetMs ?? SWEEP_MERGE_BUDGET_MS);
    let merged = false;
    for (const room of this.rooms.values()) {
      room.expireAwareness(wall);
      if (room.docInMemory === null) continue;
      if (room.used) {
        room.used = false;
        room.unusedSince = now;
      } else if (now - room.unusedSince >= this.opts.roomIdleMs) {
        if (room.storedRows > 1 && merged && performance.now() > mergeUntil) continue;
        if (this.sleep(room)) merged = true;
      }
    }
  }

  /**
   * Lets the document of an unused room leave memory: most loaded rooms are small and idle
   * (a person's own room, last month's posts) while their readers stay connected, and their
   * documents were most of what the server held for them. Storage holds everything committed,
   * so nothing is lost; the room is merged into one row first, which makes waking it one read.
   * True when it merged rows.
   */
  private sleep(room: LoadedRoom): boolean {
    if (room.pending > 0 || room.deferred.length > 0 || room.storedBytes > SLEEP_MAX_BYTES) return false;
    const merging = room.storedRows > 1;
    if (merging) this.compact(room);
    // A failed merge leaves the rows as they were; waking reads them all, as loading does.
    room.setDoc(null);
    room.owners = null;
    this.countDocuments(-1);
    return merging;
  }

  /**
   * Changes a room's document as the server (the directory room): the change is committed and
   * relayed like a client's. The document has no permanent 'update' listener, because Yjs
   * encodes every transaction's update while one is attached, and client updates need none.
   */
  writeAsServer(loaded: LoadedRoom, change: (doc: Y.Doc) => void): void {
    const updates: Uint8Array[] = [];
    const collect = (update: Uint8Array) => updates.push(update);
    loaded.doc.on('update', collect);
    try {
      loaded.doc.transact(() => change(loaded.doc), SERVER_ORIGIN);
    } finally {
      loaded.doc.off('update', collect);
    }
    for (const update of updates) this.enqueue(loaded, update, null);
  }

  /**
   * Lets a room the server loaded for itself (to write into it) leave memory once idle, as it
   * would after its last connection left; a room with connections stays.
   */
  releaseIfIdle(loaded: LoadedRoom): void {
    if (loaded.peers.size === 0) this.scheduleUnload(loaded);
  }

  /** Adds a connection to a room (loading it), cancelling a pending unload. */
  join(room: Room, peer: Peer): LoadedRoom {
    const loaded = this.load(room);
    if (loaded.idleTimer) {
      clearTimeout(loaded.idleTimer);
      loaded.idleTimer = null;
    }
    loaded.peers.add(peer);
    return loaded;
  }

  /** Removes a connection; its awareness states go, and the room unloads when idle. */
  leave(loaded: LoadedRoom, peer: Peer): void {
    if (!loaded.peers.delete(peer)) return;
    if (loaded.unloaded) return;
    const clients = peer.awarenessIds;
    peer.awarenessIds = null;
    if (clients && clients.length > 0) {
      awarenessProtocol.removeAwarenessStates(loaded.awareness, clients, null);
    }
    if (loaded.peers.size === 0) this.scheduleUnload(loaded);
  }

  /**
   * Applies a validated client update and queues it for commit; it is relayed to the room's
   * other connections once committed.
   */
  applyClientUpdate(loaded: LoadedRoom, peer: Peer, update: Uint8Array): void {
    Y.applyUpdate(loaded.doc, update, peer);
    this.enqueue(loaded, update, peer);
  }

  /** Runs `send` once everything applied to the room so far is committed. */
  whenCommitted(loaded: LoadedRoom, send: () => void): void {
    if (loaded.pending === 0) send();
    else loaded.deferred.push(send);
  }

  private enqueue(loaded: LoadedRoom, update: Uint8Array, from: Peer | null): void {
    this.queue.push({ room: loaded, update, from });
    loaded.pending++;
    if (this.timer === null && this.immediate === null && !this.closed) {
      if (this.opts.commitDelayMs > 0) {
        // A delay gathers more per commit.
        this.timer = setTimeout(() => this.flush(), this.opts.commitDelayMs);
      } else if (performance.now() - this.lastFlushAt >= (this.opts.commitQuietMs ?? QUIET_MS)) {
        // A quiet server commits and relays at once: there is nothing to group this update with,
        // and waiting for the end of the event-loop turn would only add to its relay latency.
        this.flush();
      } else {
        // A busy one commits everything read in this turn of the event loop together, right
        // after it (group commit without waiting).
        this.immediate = setImmediate(() => this.flush());
      }
    }
  }

  /** Commits every queued update in one transaction, then relays them. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const started = performance.now();
    try {
      this.store.commit(batch.map((q) => ({ room: q.room.name, update: q.update })));
    } catch (err) {
      this.metrics.commitSeconds.observe((performance.now() - started) / 1000);
      this.failBatch(batch, err);
      return;
    }
    const now = performance.now();
    const touched = new Set<LoadedRoom>();
    let acknowledge: Map<LoadedRoom, Set<Peer>> | null = null;
    for (const { room, update, from } of batch) {
      room.pending--;
      room.storedRows++;
      room.storedBytes += update.byteLength;
      room.lastCommitAt = now;
      touched.add(room);
      if (room.peers.size > (from && room.peers.has(from) ? 1 : 0)) {
        const framed = frameMessage(encodeUpdate(update));
        for (const peer of room.peers) if (peer !== from) peer.sendFramed(framed);
      }
      if (from?.wantsCommitted && room.peers.has(from)) {
        acknowledge ??= new Map();
        let peers = acknowledge.get(room);
        if (!peers) acknowledge.set(room, (peers = new Set()));
        peers.add(from);
      }
    }
    // The metrics after the relays, which are what the commit was waiting for.
    this.lastFlushAt = performance.now();
    this.metrics.commitSeconds.observe((now - started) / 1000);
    this.metrics.commitBatch.observe(batch.length);
    this.metrics.updatesApplied.inc(batch.length);
    // One acknowledgement per room and peer per commit, after the relays: the room's state vector.
    if (acknowledge) {
      for (const [room, peers] of acknowledge) {
        const framed = frameMessage(encodeCommitted(room.doc));
        for (const peer of peers) peer.sendFramed(framed);
      }
    }
    for (const room of touched) {
      this.commits.set(room.name, ++this.commitCount);
      if (room.pending === 0 && room.deferred.length > 0) {
        const deferred = room.deferred;
        room.deferred = [];
        for (const send of deferred) send();
      }
      if (room.storedRows >= this.opts.compactThreshold) this.queueCompaction(room);
    }
  }

  /**
   * Storage refused a batch (disk full, I/O error). Nothing in it was relayed; the rooms it
   * touched hold state that is not stored, so they are dropped from memory and their
   * connections closed: clients reconnect and send their changes again.
   */
  private failBatch(batch: QueuedUpdate[], err: unknown): void {
    const rooms = new Set(batch.map((q) => q.room));
    this.log.error({ err, rooms: [...rooms].map((r) => r.name) }, 'commit failed; rooms reset');
    for (const room of rooms) this.dropRoom(room, 'storage failure');
  }

  /**
   * Rebuilds a room's in-memory copy from storage after an update failed half-way through being
   * applied. What is pending is committed first. The half-applied change was neither stored nor
   * relayed, so storage then holds exactly what the room's connections have been sent, and they
   * stay open. Only when storage cannot be read back are they closed, with a code the client
   * retries after, and the room unloaded.
   */
  restore(room: LoadedRoom, reason: string): void {
    this.flush();
    if (room.unloaded) return;
    try {
      const doc = room.emptyDoc();
      this.readStored(room, doc);
      if (room.docInMemory === null) this.countDocuments(+1);
      room.setDoc(doc);
      this.log.error({ room: room.name, reason }, 'room restored from storage');
    } catch (err) {
      this.log.error({ err, room: room.name, reason }, 'room could not be restored; reset');
      this.dropRoom(room, reason);
    }
  }

  private dropRoom(room: LoadedRoom, reason: string): void {
    room.pending = 0;
    room.deferred = [];
    for (const peer of [...room.peers]) peer.close(CloseCodes.InternalError, reason);
    this.unload(room);
  }

  /**
   * Merging re-encodes the whole document, which takes the event loop for a while in a big
   * room; so it waits until the room has been quiet for `compactQuietMs`, unless the room is so
   * busy that its stored rows reach ten times the threshold.
   */
  private queueCompaction(room: LoadedRoom): void {
    const force = room.storedRows >= this.opts.compactThreshold * 10;
    if (room.compactQueued && !force) return;
    room.compactQueued = true;
    if (force) {
      setImmediate(() => this.compact(room));
      return;
    }
    const check = () => {
      if (room.unloaded) return;
      const quietFor = performance.now() - room.lastCommitAt;
      if (quietFor >= this.opts.compactQuietMs) this.compact(room);
      else setTimeout(check, this.opts.compactQuietMs - quietFor).unref();
    };
    setTimeout(check, this.opts.compactQuietMs).unref();
  }

  /** Merges the room's stored updates into one row equal to the committed document. */
  compact(room: LoadedRoom): void {
    room.compactQueued = false;
    // A sleeping room's rows are as they were when it fell asleep, merged then.
    const doc = room.docInMemory;
    if (room.unloaded || room.storedRows <= 1 || doc === null) return;
    if (room.pending > 0) {
      // The in-memory document holds uncommitted updates; try after the next commit.
      room.compactQueued = true;
      setTimeout(() => this.compact(room), this.opts.commitDelayMs + 1);
      return;
    }
    const before = room.storedRows;
    try {
      const state = Y.encodeStateAsUpdate(doc);
      this.store.replace(room.name, state);
      room.storedRows = 1;
      room.storedBytes = state.byteLength;
      this.metrics.compactions.inc();
      this.log.debug({ room: room.name, rows: before }, 'room compacted');
    } catch (err) {
      this.log.error({ err, room: room.name }, 'compaction failed; stored updates kept');
    }
  }

  private scheduleUnload(room: LoadedRoom): void {
    if (room.idleTimer || this.closed || room.unloaded) return;
    room.idleTimer = setTimeout(() => {
      room.idleTimer = null;
      if (room.peers.size > 0) return;
      if (room.pending > 0) {
        this.scheduleUnload(room);
        return;
      }
      if (room.storedRows > 1) this.compact(room);
      this.unload(room);
    }, this.opts.roomIdleMs);
  }

  private unload(room: LoadedRoom): void {
    if (room.unloaded) return;
    room.unloaded = true;
    if (room.idleTimer) clearTimeout(room.idleTimer);
    room.idleTimer = null;
    dropRenewals(room);
    room.awareness.destroy();
    const doc = room.docInMemory;
    if (doc !== null) {
      doc.destroy();
      this.countDocuments(-1);
    }
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
    this.metrics.roomsLoaded.set(this.rooms.size);
  }

  /** Commits what is pending and unloads every room (shutdown). */
  close(): void {
    clearInterval(this.sweepTimer);
    this.flush();
    this.closed = true;
    for (const room of [...this.rooms.values()]) this.unload(room);
    try {
      this.store.close();
    } catch (err) {
      // What could not be stored is still in the journal, and is stored on the next start.
      this.log.error({ err }, 'storing the last updates failed on shutdown');
    }
  }
}
