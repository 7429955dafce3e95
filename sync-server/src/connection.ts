/**
 * One sync connection: its limits (size, rate, send buffer), the message dispatch, and the
 * update pipeline — read-only drop, full decoding, the room kind's rule, then the registry.
 */
import type { Duplex } from 'node:stream';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { WebSocket } from 'ws';
import { CloseCodes, type CloseCode } from '../../src/lib/model/close-codes';
import type { Access, Room } from '../../src/lib/model/rooms';
import { refuse, type UpdateContext, type ValidationResult } from '../../src/lib/model/validation';
import type { Logger } from './logger';
import {
  awarenessEntryCount,
  BadMessageError,
  encodeAwareness,
  encodeAwarenessEntries,
  encodeCommitted,
  encodeSyncStep1,
  encodeSyncStep2,
  frameMessage,
  isEmptyUpdate,
  parseClientMessage,
  type Framed
} from './messages';
import type { LoadedRoom, Peer } from './loaded-room';
import type { SyncService, SyncUser } from './sync';
import { kioskIdOf } from './kiosks';
import { applyPresence, ownPresence, stampPresence } from './presence';
import { holdsNothingNew, newPart, updateFault } from './update-shape';

let nextConnectionId = 1;

/**
 * Requests for the room's whole state (sync step 1, query awareness), each of which makes the
 * server go through the whole document or every presence state: up to a burst are answered at
 * once, and beyond it (one a second sustained) those that come meanwhile wait and are answered
 * together a second later, from one encoding. The stock client sends one step 1 per connection;
 * the app sends one more after each change that only deletes (its answer confirms the change).
 */
const WholeStateRequests = { burst: 10, perSecond: 1 } as const;

/**
 * Presence entries one connection may send: each costs the server a JSON parse and a look at the
 * room, and they are small, so the byte rate alone would let one connection keep the server busy
 * (a few MB of them took the event loop for half a second). The stock client echoes every state
 * it receives, so a client joining a room where n people are present sends n at once, and some n
 * per 15 s after; the burst and the rate leave room for rooms of thousands.
 */
export const PresenceEntries = { burst: 10_000, perSecond: 1_000 } as const;

/**
 * A client that does not say which state it holds (the stock client) is sent the whole room ahead
 * of the exchange when it encodes to at most this many bytes: a few packets, less than the round
 * trip it saves costs on any link, even when the client held most of it already.
 */
export const WHOLE_ROOM_AHEAD_MAX_BYTES = 8 * 1024;

/** Requests for the room's whole state waiting to be answered together. */
interface WaitingRequests {
  /** The latest state vector of the step 1s waiting, and how many there are. */
  stateVector: Uint8Array | null;
  step1s: number;
  awareness: boolean;
}

export class Connection implements Peer {
  readonly id = nextConnectionId++;
  loaded: LoadedRoom | null = null;
  awarenessIds: number[] | null = null;
  alive = true;
  closing = false;
  /**
   * Token buckets for messages and bytes: the configured rate per second sustained, up to the
   * burst at once. Kept as plain fields, refilled together, rather than as two objects per
   * connection.
   */
  private messageTokens: number;
  private byteTokens: number;
  private wholeStateTokens: number = WholeStateRequests.burst;
  private presenceTokens: number = PresenceEntries.burst;
  private waiting: WaitingRequests | null = null;
  private refilledAt: number;
  private droppedUpdates = 0;
  /**
   * The client has answered the server's sync step 1 (its sync step 2 arrived). Until then an
   * update may depend on changes it made offline that only that answer carries: see onUpdate.
   */
  private answeredStep1 = false;
  /**
   * The room was sent ahead of the client's first sync step 1 (see `start`), which therefore
   * gets no answer of its own.
   */
  private firstStep1Answered = false;

  constructor(
    private readonly ws: WebSocket,
    /** The socket under `ws`, for the relays' frames (see `Framed`). */
    private readonly socket: Duplex,
    private readonly sync: SyncService,
    public user: SyncUser,
    readonly sessionId: string,
    public room: Room,
    public access: Access,
    readonly wantsCommitted = false
  ) {
    this.messageTokens = sync.config.messageBurst;
    this.byteTokens = sync.config.bytesBurst;
    this.refilledAt = performance.now();
  }

  /**
   * Takes one message of `bytes`, holding `presenceEntries` presence entries, from the buckets;
   * false when any is short.
   */
  private withinRate(bytes: number, presenceEntries: number): boolean {
    const c = this.sync.config;
    const now = performance.now();
    const seconds = (now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.messageTokens = Math.min(c.messageBurst, this.messageTokens + seconds * c.messagesPerSecond);
    this.byteTokens = Math.min(c.bytesBurst, this.byteTokens + seconds * c.bytesPerSecond);
    this.wholeStateTokens = Math.min(
      WholeStateRequests.burst,
      this.wholeStateTokens + seconds * WholeStateRequests.perSecond
    );
    this.presenceTokens = Math.min(
      PresenceEntries.burst,
      this.presenceTokens + seconds * PresenceEntries.perSecond
    );
    if (this.messageTokens < 1 || this.byteTokens < bytes || this.presenceTokens < presenceEntries)
      return false;
    this.messageTokens -= 1;
    this.byteTokens -= bytes;
    this.presenceTokens -= presenceEntries;
    return true;
  }

  /**
   * Takes one request for the room's whole state; null when it may be answered now, else the
   * requests waiting to be answered together, which it joins.
   */
  private wholeStateWait(): WaitingRequests | null {
    if (this.waiting === null && this.wholeStateTokens >= 1) {
      this.wholeStateTokens -= 1;
      return null;
    }
    if (this.waiting === null) {
      this.waiting = { stateVector: null, step1s: 0, awareness: false };
      setTimeout(() => this.answerWaiting(), 1000 / WholeStateRequests.perSecond).unref();
    }
    return this.waiting;
  }

  private answerWaiting(): void {
    const waiting = this.waiting;
    this.waiting = null;
    const loaded = this.loaded;
    if (!waiting || this.closing || !loaded) return;
    if (waiting.stateVector && this.sync.registry.ensureAwake(loaded)) {
      this.answerStep1(loaded, waiting.stateVector, waiting.step1s);
    }
    if (waiting.awareness) this.sendAwareness(loaded);
  }

  /** Answers `count` sync step 1s with the one state vector, once what is pending is stored. */
  private answerStep1(loaded: LoadedRoom, stateVector: Uint8Array, count: number): void {
    this.sync.registry.whenCommitted(loaded, () => {
      const answer = encodeSyncStep2(loaded.doc, stateVector);
      if (count === 1) this.send(answer);
      else {
        const framed = frameMessage(answer);
        for (let i = 0; i < count; i++) this.sendFramed(framed);
      }
    });
  }

  /** Sends every presence state in the room. */
  private sendAwareness(loaded: LoadedRoom): void {
    const ids = [...loaded.awareness.getStates().keys()];
    if (ids.length > 0)
      this.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(loaded.awareness, ids)));
  }

  get userId(): string {
    return this.user.id;
  }

  get log(): Logger {
    return this.sync.log;
  }

  /**
   * Joins the room and opens the exchange. When nothing in the room waits for its commit, what
   * the client lacks goes first, as a sync step 2, without waiting for the client to ask with
   * its step 1: against `knownState` (what the client said it holds) or, when it said nothing,
   * the whole room if it is small. The client is then in sync one round trip sooner. Everything
   * committed after it reaches the client as relays, so that step 2 also answers the client's
   * first step 1.
   */
  start(knownState: Uint8Array | null = null): void {
    const loaded = this.sync.registry.join(this.room, this);
    this.loaded = loaded;
    // The same room, parsed from the same name: share the room's copy rather than keep one per
    // connection.
    this.room = loaded.room;
    if (loaded.pending === 0) {
      const ahead = this.stateAhead(loaded, knownState);
      if (ahead !== null) {
        this.send(ahead);
        this.firstStep1Answered = true;
      }
    }
    this.sync.registry.whenCommitted(loaded, () => {
      this.send(encodeSyncStep1(loaded.doc));
      this.sendAwareness(loaded);
    });
  }

  /** The sync step 2 sent ahead of the exchange (see `start`), or null when none is. */
  private stateAhead(loaded: LoadedRoom, knownState: Uint8Array | null): Uint8Array | null {
    if (knownState !== null) return encodeSyncStep2(loaded.doc, knownState);
    if (loaded.largeState) return null;
    const whole = encodeSyncStep2(loaded.doc);
    if (whole.byteLength <= WHOLE_ROOM_AHEAD_MAX_BYTES) return whole;
    // Rooms seldom shrink: this one is not encoded again for this purpose while it stays loaded.
    loaded.largeState = true;
    return null;
  }

  send(message: Uint8Array): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(message);
    this.sent(message.byteLength);
  }

  /**
   * Sends a message framed once for many connections. Written straight to the socket, in order
   * with what `ws` writes itself (it queues only while compressing, which is off). Once `ws`
   * has begun closing, nothing more is written.
   */
  sendFramed(framed: Framed): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    this.socket.write(framed.frame);
    this.sent(framed.message.byteLength);
  }

  /** Counts what was sent, and lets go of a client that does not read it. */
  private sent(bytes: number): void {
    this.sync.metrics.bytesSent += bytes;
    if (this.ws.bufferedAmount > this.sync.config.maxBufferedBytes) {
      this.close(CloseCodes.SlowClient, `send buffer over ${this.sync.config.maxBufferedBytes} bytes`);
      // The client is not reading, so the close frame would wait behind the buffer: free it now.
      this.ws.terminate();
    }
  }

  close(code: CloseCode, detail?: string): void {
    if (this.closing) return;
    this.closing = true;
    this.sync.metrics.closes.inc({ code: String(code.code) });
    const level = code.code === CloseCodes.GoingAway.code ? 'debug' : 'warn';
    this.log[level](
      { conn: this.id, user: this.user.id, room: this.room.name, code: code.code, detail },
      `sync connection closed: ${code.reason}`
    );
    this.ws.close(code.code, code.reason);
    this.detach();
  }

  ping(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** Drops a connection that stopped answering pings. */
  terminate(): void {
    this.ws.terminate();
    this.detach();
  }

  /** The socket closed (either side). */
  detach(): void {
    this.closing = true;
    if (this.loaded) {
      this.sync.registry.leave(this.loaded, this);
      this.loaded = null;
    }
    this.sync.forget(this);
  }

  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing || !this.loaded) return;
    this.sync.metrics.bytesReceived += data.byteLength;
    if (!isBinary) return this.close(CloseCodes.BadMessage, 'text frame');
    if (data.byteLength > this.sync.config.maxMessageBytes) return this.close(CloseCodes.MessageTooLarge);
    if (!this.withinRate(data.byteLength, awarenessEntryCount(data)))
      return this.close(CloseCodes.RateLimited);
    let message;
    try {
      message = parseClientMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      return this.close(CloseCodes.BadMessage, (err as BadMessageError).message);
    }
    const loaded = this.loaded;
    switch (message.type) {
      case 'sync-step-1': {
        if (this.firstStep1Answered) {
          // Answered ahead, and by the relays since (see `start`).
          this.firstStep1Answered = false;
          return;
        }
        if (!this.sync.registry.ensureAwake(loaded)) return;
        const stateVector = message.stateVector.slice();
        const waiting = this.wholeStateWait();
        if (waiting === null) return this.answerStep1(loaded, stateVector, 1);
        // The client's state only grows: an answer to its latest state vector answers the earlier ones.
        waiting.stateVector = stateVector;
        waiting.step1s++;
        return;
      }
      case 'sync-update':
        if (!this.sync.registry.ensureAwake(loaded)) return;
        this.onUpdate(loaded, message.update.slice(), message.step2);
        if (message.step2) this.answeredStep1 = true;
        return;
      case 'awareness': {
        // A kiosk screen is nobody: it shows no presence, and nothing it sends reaches anyone.
        if (kioskIdOf(this.user.id) !== null) return;
        // Only the states of this connection's own clients, or of clients nobody else announced.
        const own = ownPresence(loaded, this, message.clients);
        if (typeof own === 'string') return this.close(CloseCodes.BadMessage, own);
        if (own.length === 0) return;
        // Each state names the connection's person, whatever name the client put in it.
        const stamped = stampPresence(own, this.user);
        const update =
          stamped === own && own.length === message.clients.length
            ? message.update
            : encodeAwarenessEntries(stamped);
        applyPresence(loaded, this, update, stamped);
        return;
      }
      case 'query-awareness': {
        const waiting = this.wholeStateWait();
        if (waiting === null) this.sendAwareness(loaded);
        else waiting.awareness = true;
        return;
      }
    }
  }

  /** The room's client-id owners, read on first use and kept with the loaded room. */
  private ownersOf(loaded: LoadedRoom): Map<number, string> {
    loaded.owners ??= this.sync.owners.load(loaded.name);
    return loaded.owners;
  }

  /**
   * What the rule sees. The owners and the space are looked up only for the rooms whose rules
   * use them (space and post rooms), and then from memory or the authority's short-lived cache.
   */
  private context(
    loaded: LoadedRoom,
    update: Uint8Array,
    decoded: ReturnType<typeof Y.decodeUpdate>
  ): UpdateContext {
    const room = this.room;
    const spaceId = room.kind === 'space' || room.kind === 'post' ? room.spaceId : null;
    return {
      user: this.user,
      room,
      access: this.access,
      doc: loaded.doc,
      update,
      decoded,
      ownerOf: (client) => this.ownersOf(loaded).get(client) ?? null,
      space: spaceId === null ? null : this.sync.authority.spaceContext(this.user, spaceId)
    };
  }

  private onUpdate(loaded: LoadedRoom, update: Uint8Array, step2 = false): void {
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(update);
    } catch (err) {
      return this.close(CloseCodes.BadMessage, `malformed update: ${(err as Error).message}`);
    }
    const fault = updateFault(decoded);
    if (fault !== null) return this.close(CloseCodes.BadMessage, `malformed update: ${fault}`);
    if (isEmptyUpdate(decoded)) return;
    if (holdsNothingNew(loaded.doc, decoded)) {
      // Nothing to judge, apply, store or relay: the room holds all of it, stored or about to be.
      // Typically the client's answer to the server's step 1 right after the room was sent to it,
      // carrying back the room's delete set; refusing it would refuse the client for holding what
      // the room holds.
      if (this.wantsCommitted && this.access === 'write') {
        this.sync.registry.whenCommitted(loaded, () => this.send(encodeCommitted(loaded.doc)));
      }
      return;
    }
    if (this.access !== 'write') {
      this.sync.metrics.updatesRefused.inc({ reason: 'read-only' });
      this.droppedUpdates++;
      // One line for the first dropped update and then one per hundred, not one per update.
      if (this.droppedUpdates % 100 === 1) {
        this.log.warn(
          { conn: this.id, user: this.user.id, room: this.room.name, dropped: this.droppedUpdates },
          'update from a read-only connection dropped'
        );
      }
      return;
    }
    let result: ValidationResult;
    try {
      result = this.sync.rules[this.room.kind](this.context(loaded, update, decoded));
    } catch (err) {
      this.log.error({ err, room: this.room.name }, 'validation rule failed');
      result = refuse('rule-error', 'The update could not be checked.');
    }
    if (!result.ok && result.error === 'gap' && !this.answeredStep1 && !step2) {
      // The stock client sends each new local change as soon as its socket opens, before it has
      // answered the server's step 1 with everything else it holds: a change typed while the
      // room connected can depend on earlier offline ones the server has not seen yet. Such an
      // update is set aside, not applied: the answer carries its content along with what it
      // depends on, and is checked whole.
      this.sync.metrics.updatesRefused.inc({ reason: 'gap-before-sync' });
      this.log.debug(
        { conn: this.id, user: this.user.id, room: this.room.name },
        'update ahead of the sync answer set aside'
      );
      return;
    }
    if (!result.ok) {
      this.sync.metrics.updatesRefused.inc({ reason: result.error });
      return this.close(CloseCodes.UpdateRefused, `${result.error}: ${result.message}`);
    }
    if (result.claims && result.claims.length > 0) {
      try {
        // Recorded before the update is applied: see owners.ts.
        this.sync.owners.claim(loaded.name, this.ownersOf(loaded), result.claims, this.user.id);
      } catch (err) {
        this.log.error({ err, room: this.room.name }, 'recording client ids failed');
        return this.close(CloseCodes.InternalError, 'client ids could not be recorded');
      }
    }
    const fresh = newPart(loaded.doc, update, decoded);
    try {
      this.sync.registry.applyClientUpdate(loaded, this, fresh);
    } catch (err) {
      this.close(CloseCodes.BadMessage, `update could not be applied: ${(err as Error).message}`);
      this.sync.registry.restore(loaded, 'an update failed to apply');
    }
  }
}
