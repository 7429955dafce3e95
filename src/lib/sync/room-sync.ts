/**
 * One room on this device: its document loaded from the local store (y-dexie), kept in step with
 * the server by a stock y-websocket provider, materialised into rows whenever it changes, and its
 * local changes tracked in the outbox until the server has stored them.
 *
 * Order of a start: the room's row is ensured, its document loaded from IndexedDB, its rows
 * materialised, and only then the connection opened, so the first sync step already carries what
 * this device has and the server sends only what it lacks.
 *
 * Outbox confirmation (see outbox.ts for the rules):
 * - the server's sync step 1 on connect and each commit acknowledgement (message 100, asked for
 *   with `?ack=1`) carry a state vector; rows it reaches are deleted;
 * - deletion-only rows are confirmed by a "probe", a sync step 1 sent after the deletion went out
 *   on the same connection: the server answers a step 1 (with a step 2) only once everything
 *   received before it is committed, and answers in order. A deletion went out on a connection
 *   if it was made while connected, or before the connection sent its reply to the server's step
 *   1 (that reply carries the whole delete set). Rows recorded by another tab are confirmed by
 *   the probe that follows a connect, once this tab's document holds them; that tab sends and
 *   probes them on its own connection too.
 *
 * Delivery of important posts: once a room holding posts has synced with the server, every
 * important post in it that someone else wrote and that has no reach entry of this person gets
 * one ("it reached my device"), written here so that it happens whether or not a page shows the
 * post. Only after a sync: an entry written from a stale copy could overwrite the one another
 * device of theirs wrote (with its `openedAt`).
 */
import * as Y from 'yjs';
import { DexieYProvider } from 'y-dexie';
import { WebsocketProvider } from 'y-websocket';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import type { Awareness } from 'y-protocols/awareness';
import type { FikaDb, OutboxRow, RoomRow } from '../data/db';
import { materialise } from '../data/materialise';
import { ACK_PARAM, COMMITTED_MESSAGE, encodeStateParam, STATE_PARAM } from '../model/protocol';
import { parseRoomName, type Access } from '../model/rooms';
import { markReach, personKey, posts, reach } from '../model/space-room';
import { confirmedByState, describeChange } from './outbox';
import { keepsHistory } from './compress';
import type { SyncStatus } from './sync-status.svelte';

/** The y-websocket message type of sync messages. */
const MESSAGE_SYNC = 0;
/** The longest wait between reconnection attempts. */
export const MAX_BACKOFF_MS = 10_000;
/** Changes arriving closer together than this are materialised together. */
const MATERIALISE_DELAY_MS = 50;

export interface RoomSyncContext {
  /** The plain view: rows, outbox. */
  db: FikaDb;
  /** The view with documents (y-dexie). */
  ydb: FikaDb;
  url: string;
  params: Record<string, string>;
  protocols: string[];
  WebSocket?: typeof WebSocket;
  status: SyncStatus;
  /** False when the device knows it has no network: no connection is attempted then. */
  online(): boolean;
  /** The server closed the connection for good (a 44xx code). */
  onClosed(room: RoomSync, code: number): void;
}

/**
 * The stock provider, telling the server on each connection which state of the room this device
 * holds (`STATE_PARAM`), so that the server sends what it lacks at once rather than one round
 * trip later, in answer to the provider's sync step 1. The provider reads `url` for every
 * connection attempt, reconnections included.
 */
class RoomProvider extends WebsocketProvider {
  override get url(): string {
    const state = encodeStateParam(Y.encodeStateVector(this.doc));
    if (state === null) delete this.params[STATE_PARAM];
    else this.params[STATE_PARAM] = state;
    return super.url;
  }
}

/** The connection a change (or a full send) went out on, if any, and when among the others. */
type ChangeSent = { socket: WebSocket | null; seq: number };

export class RoomSync {
  /** The document, once loaded from the local store; rejects when stopped first. */
  readonly loaded: Promise<Y.Doc>;
  /** May change while open (a writer becomes a reader); only a writer's changes are stored. */
  access: Access;

  readonly #ctx: RoomSyncContext;
  readonly #ownsRows: boolean;
  readonly #holdsPosts: boolean;
  #doc: Y.Doc | null = null;
  #local: DexieYProvider | null = null;
  #ws: WebsocketProvider | null = null;
  #stopped = false;
  /** The server closed the connection for good (until `retryLater`). */
  #terminal = false;
  #materialiseTimer: ReturnType<typeof setTimeout> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The latest state vector the server sent: what it has stored. */
  #serverState: Map<number, number> | null = null;
  /** Sync step 1 messages sent on this connection, oldest first, with the rows each answer confirms. */
  #probes: number[][] = [];
  /** Orders local changes against full sends (the reply to the server's step 1). */
  #seq = 0;
  #fullSend: ChangeSent | null = null;
  /** Resolves once the room has synced with the server and its rows are written. */
  readonly synced: Promise<void>;

  /**
   * The provider's awareness (who else has the room open, and where their caret is), once
   * `loaded` has resolved; null before and after a stop.
   */
  get awareness(): Awareness | null {
    return this.#stopped ? null : (this.#ws?.awareness ?? null);
  }
  #resolveSynced: () => void = () => {};
  /** The latest local change's outbox row being written. */
  #recording: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    access: Access,
    ctx: RoomSyncContext
  ) {
    this.access = access;
    this.#ctx = ctx;
    const room = parseRoomName(name);
    this.#ownsRows = room !== null;
    this.#holdsPosts = room?.kind === 'post' || (room?.kind === 'space' && room.month !== null);
    this.synced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
    this.#report();
    this.loaded = this.#start();
    // The engine reports failures; a rejection nobody awaits must not surface as unhandled.
    this.loaded.catch(() => {});
  }

  async #start(): Promise<Y.Doc> {
    const { ydb } = this.#ctx;
    // y-dexie destroys a document whose row is missing: make sure the row exists first.
    await ydb.transaction('rw', ydb.rooms, async () => {
      if (!(await ydb.rooms.get(this.name))) await ydb.rooms.add({ name: this.name } as RoomRow);
    });
    const row = await ydb.rooms.get(this.name);
    if (!row) throw new Error(`room ${this.name} vanished while opening`);
    this.#throwIfStopped();
    const doc = row.doc;
    // A document room keeps its history: its named versions are snapshots of it (doc-versions.ts).
    if (keepsHistory(this.name)) doc.gc = false;
    this.#doc = doc;
    this.#local = DexieYProvider.load(doc);
    await this.#local.whenLoaded;
    this.#throwIfStopped();
    await this.#materialise();
    this.#throwIfStopped();

    doc.on('afterTransaction', this.#onTransaction);
    if (this.#ownsRows) doc.on('update', this.#scheduleMaterialise);

    const ws = new RoomProvider(this.#ctx.url, this.name, doc, {
      connect: false,
      params: { ...this.#ctx.params, [ACK_PARAM]: '1' },
      protocols: this.#ctx.protocols,
      // y-dexie keeps this device's tabs consistent through IndexedDB.
      disableBc: true,
      maxBackoffTime: MAX_BACKOFF_MS,
      ...(this.#ctx.WebSocket ? { WebSocketPolyfill: this.#ctx.WebSocket } : {})
    });
    this.#ws = ws;
    this.#installHandlers(ws);
    ws.on('status', ({ status }) => {
      // y-websocket sends its own step 1 right after reporting `connected`: its answer confirms nothing.
      this.#probes = status === 'connected' ? [[]] : [];
      this.#report(status);
    });
    ws.on('sync', (synced: boolean) => {
      if (!synced) return this.#report();
      // Rows first, then "synced": whoever waits for the status finds the lists complete.
      if (this.#materialiseTimer !== null) {
        clearTimeout(this.#materialiseTimer);
        this.#materialiseTimer = null;
      }
      void this.#materialise().then(() => {
        this.#deliver();
        this.#report();
        this.#resolveSynced();
      });
    });
    ws.on('closed', ({ code }) => {
      this.#terminal = true;
      this.#ctx.onClosed(this, code);
    });
    if (this.#ctx.online()) ws.connect();
    return doc;
  }

  #installHandlers(ws: WebsocketProvider): void {
    const handleSync = ws.messageHandlers[MESSAGE_SYNC];
    if (!handleSync) throw new Error('y-websocket has no sync handler');
    ws.messageHandlers[MESSAGE_SYNC] = (encoder, decoder, provider, emitSynced, messageType) => {
      const peek = decoding.clone(decoder);
      const kind = decoding.readVarUint(peek);
      if (kind === syncProtocol.messageYjsSyncStep1) {
        const serverState = Y.decodeStateVector(decoding.readVarUint8Array(peek));
        // Writes our reply (everything the server lacks, and the whole delete set) into
        // `encoder`, which the provider sends as soon as this handler returns.
        handleSync(encoder, decoder, provider, emitSynced, messageType);
        this.#fullSend = { socket: ws.ws, seq: ++this.#seq };
        void this.#confirm(serverState);
        // After the reply has gone out: confirm the deletions it carried.
        setTimeout(() => void this.#probeDeletions(), 0);
        return;
      }
      handleSync(encoder, decoder, provider, emitSynced, messageType);
      if (kind === syncProtocol.messageYjsSyncStep2) this.#answered();
    };
    ws.messageHandlers[COMMITTED_MESSAGE] = (_encoder, decoder) => {
      void this.#confirm(Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
    };
  }

  /** Records a row for each local change (not one applied from the server or from another tab). */
  #onTransaction = (tr: Y.Transaction): void => {
    if (!tr.local || tr.origin === this.#ws || tr.origin === this.#local) return;
    // A reader's changes are dropped by the server: they would stay pending for ever.
    if (this.access !== 'write') return;
    const doc = tr.doc;
    const change = describeChange({
      client: doc.clientID,
      before: tr.beforeState.get(doc.clientID) ?? 0,
      after: tr.afterState.get(doc.clientID) ?? 0,
      deleted: tr.deleteSet.clients.size > 0
    });
    if (!change) return;
    // The provider sends the update in this same turn when it is connected.
    const sent: ChangeSent = { socket: this.#ws?.wsconnected ? this.#ws.ws : null, seq: ++this.#seq };
    this.#recording = this.#record({ room: this.name, ...change, at: Date.now() }, sent);
  };

  /** Resolves once the outbox rows of the local changes made so far are written. */
  recorded(): Promise<void> {
    return this.#recording;
  }

  /** Writes a reach entry for each important post from someone else that has none of ours. */
  #deliver(): void {
    const doc = this.#doc;
    const userId = this.#ctx.db.userId;
    if (!this.#holdsPosts || !doc || this.#stopped || this.access !== 'write' || !this.#ws?.synced) return;
    const due: string[] = [];
    for (const [id, post] of posts(doc).entries()) {
      if (!(post instanceof Y.Map) || post.get('important') !== true || post.get('authorId') === userId)
        continue;
      if (!reach(doc).has(personKey(id, userId))) due.push(id);
    }
    if (due.length === 0) return;
    const at = Date.now();
    doc.transact(() => {
      for (const id of due) markReach(doc, id, userId, at, false);
    });
  }

  async #record(row: OutboxRow, sent: ChangeSent): Promise<void> {
    const { db } = this.#ctx;
    try {
      const id = await db.outbox.add(row);
      if (id === undefined) return;
      if (row.deletionOnly) {
        const socket = this.#ws?.wsconnected ? this.#ws.ws : null;
        const wentOut =
          socket !== null &&
          (sent.socket === socket || (this.#fullSend?.socket === socket && this.#fullSend.seq > sent.seq));
        // Otherwise the probe after the next connect covers it.
        if (wentOut) this.#probe([id]);
      } else if (this.#serverState && confirmedByState([{ ...row, id }], this.#serverState).length > 0) {
        // The acknowledgement overtook the write.
        await db.outbox.delete(id);
      }
    } catch (err) {
      this.#failed('recording a change', err);
    }
  }

  async #confirm(serverState: Map<number, number>): Promise<void> {
    this.#serverState = serverState;
    const { db, status } = this.#ctx;
    status.tick();
    try {
      const rows = await db.outbox.where('room').equals(this.name).toArray();
      const ids = confirmedByState(rows, serverState);
      if (ids.length > 0) await db.outbox.bulkDelete(ids);
    } catch (err) {
      this.#failed('confirming changes', err);
    }
  }

  async #probeDeletions(): Promise<void> {
    try {
      const rows = await this.#ctx.db.outbox.where('room').equals(this.name).toArray();
      const ids = rows.flatMap((r) => (r.deletionOnly && r.id !== undefined ? [r.id] : []));
      if (ids.length > 0) this.#probe(ids);
    } catch (err) {
      this.#failed('confirming deletions', err);
    }
  }

  /** Sends a sync step 1; its answer confirms `ids`. */
  #probe(ids: number[]): void {
    const ws = this.#ws;
    const socket = ws?.ws;
    if (!ws?.wsconnected || !socket || socket.readyState !== socket.OPEN || !this.#doc) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.#doc);
    socket.send(encoding.toUint8Array(encoder));
    this.#probes.push(ids);
  }

  /** The server answered the oldest step 1 still waiting. */
  #answered(): void {
    const ids = this.#probes.shift();
    if (!ids || ids.length === 0) return;
    this.#ctx.db.outbox.bulkDelete(ids).catch((err: unknown) => this.#failed('confirming deletions', err));
  }

  #scheduleMaterialise = (): void => {
    if (this.#materialiseTimer !== null || this.#stopped) return;
    this.#materialiseTimer = setTimeout(() => {
      this.#materialiseTimer = null;
      void this.#materialise().then(() => this.#deliver());
    }, MATERIALISE_DELAY_MS);
  };

  async #materialise(): Promise<void> {
    if (!this.#ownsRows || !this.#doc || this.#stopped) return;
    try {
      await materialise(this.#ctx.db, this.name, this.#doc);
    } catch (err) {
      this.#failed('materialising', err);
    }
  }

  #report(status?: 'connecting' | 'connected' | 'disconnected'): void {
    if (this.#stopped) return;
    const ws = this.#ws;
    const current = ws
      ? ws.wsconnected
        ? 'connected'
        : ws.wsconnecting
          ? 'connecting'
          : 'disconnected'
      : 'connecting';
    this.#ctx.status.setRoom(this.name, { status: status ?? current, synced: ws?.synced ?? false });
  }

  /** The network is gone: stop trying until it is back (the changes wait in the store). */
  pause(): void {
    if (this.#ws?.shouldConnect) this.#ws.disconnect();
  }

  /** The network is back: connect now rather than after the backoff wait. */
  resume(): void {
    const ws = this.#ws;
    if (!ws || this.#stopped || this.#terminal || ws.wsconnected) return;
    ws.disconnect();
    ws.connect();
  }

  /** Connects again after `ms` (after a close the server meant as "not now"). */
  retryLater(ms: number): void {
    if (this.#stopped || this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#terminal = false;
      if (!this.#stopped && this.#ctx.online()) this.#ws?.connect();
    }, ms);
  }

  /** Closes the connection and lets go of the document; the stored data stays. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#materialiseTimer !== null) clearTimeout(this.#materialiseTimer);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#ws?.destroy();
    if (this.#doc) {
      this.#doc.off('afterTransaction', this.#onTransaction);
      this.#doc.off('update', this.#scheduleMaterialise);
      // Also stops y-dexie's provider (it listens for the document's destruction).
      this.#doc.destroy();
    }
    this.#ctx.status.removeRoom(this.name);
  }

  #throwIfStopped(): void {
    if (this.#stopped) throw new Error(`room ${this.name} stopped while opening`);
  }

  #failed(what: string, err: unknown): void {
    // After a stop (sign-out) the database may be closed or gone: nothing left to do.
    if (this.#stopped) return;
    console.error(`sync: ${what} failed in ${this.name}`, err);
  }
}
