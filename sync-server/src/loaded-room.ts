/**
 * A room held in memory: its document, which sleeps (leaves memory) while unused, its presence
 * and its connections. The registry (rooms.ts) loads, commits, puts to sleep and unloads rooms.
 */
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { Room } from '../../src/lib/model/rooms';
import type { CloseCode } from '../../src/lib/model/close-codes';
import type { Framed } from './messages';
import type { WaitingRenewals } from './presence';

/** A connection as the rooms see it. */
export interface Peer {
  readonly id: number;
  /** The person the peer acts for. */
  readonly userId: string;
  /** The peer asked to be told, after each commit of its updates, what the room has stored. */
  readonly wantsCommitted: boolean;
  /**
   * Awareness client ids this peer has announced, removed when it leaves (null until it announces
   * one). An array: a connection almost always announces one id, and a Set costs more memory.
   */
  awarenessIds: number[] | null;
  send(message: Uint8Array): void;
  /** Sends a message framed once for several peers. */
  sendFramed(framed: Framed): void;
  close(code: CloseCode, detail?: string): void;
}

/**
 * What a sleeping room's awareness points to instead of the document it was made with (an
 * Awareness reads only the client id of its document, once, when it is made).
 */
const ASLEEP = new Y.Doc({ guid: 'asleep' });

export class LoadedRoom {
  /**
   * Document rooms keep their whole history (`gc: false`): a named version is a snapshot, and
   * the text it names is rebuilt from deleted content. Compaction encodes this copy, so it keeps
   * that content too. Other rooms drop deleted content as usual.
   *
   * The document's guid is the room name. Yjs would otherwise make a random UUID for it, which
   * costs about 70 µs (a call to the system's random source per character) and 56 bytes per
   * room; the guid only matters for subdocuments, which rooms do not use.
   *
   * Null while the room sleeps: `doc` then reads it back from storage.
   */
  private current: Y.Doc | null;
  readonly awareness: awarenessProtocol.Awareness;
  /** The document was used since the registry's last sweep. */
  used = true;
  /** When a sweep first found the document unused (performance.now()). */
  unusedSince = 0;
  /** Bytes of the room's stored updates: at least the size of its stored form. */
  storedBytes = 0;
  readonly peers = new Set<Peer>();
  /** Updates applied to `doc` but not yet committed. */
  pending = 0;
  /** Rows in storage for this room. */
  storedRows = 0;
  /** Sends that carry document state, waiting for the pending updates to be committed. */
  deferred: Array<() => void> = [];
  idleTimer: NodeJS.Timeout | null = null;
  compactQueued = false;
  /** When the last commit touching this room happened (performance.now()). */
  lastCommitAt = 0;
  unloaded = false;
  /**
   * The recorded owner of each Yjs client id in this room (see owners.ts), read when the rules
   * first need it and kept while the room is loaded; null until then.
   */
  owners: Map<number, string> | null = null;
  /** Presence renewals not yet relayed (see presence.ts); null for none. */
  renewals: WaitingRenewals | null = null;
  /** The room was found too large to send whole ahead of a connection's exchange (connection.ts). */
  largeState = false;

  constructor(
    readonly name: string,
    readonly room: Room,
    private readonly wake: (room: LoadedRoom) => Y.Doc
  ) {
    this.current = this.emptyDoc();
    this.awareness = new awarenessProtocol.Awareness(this.current);
    this.awareness.setLocalState(null);
    // Each Awareness checks for expired states on its own timer; the registry checks all its
    // rooms on one (expireAwareness), saving a timer and its closure per loaded room.
    clearInterval(this.awareness._checkInterval);
    this.awareness._checkInterval = null;
  }

  /**
   * The room's document, read back from storage if the room sleeps (which throws when storage
   * cannot be read: see `RoomRegistry.ensureAwake` for the paths that must not throw).
   */
  get doc(): Y.Doc {
    this.used = true;
    return this.current ?? this.wake(this);
  }

  /** The document if it is in memory, without waking the room. */
  get docInMemory(): Y.Doc | null {
    return this.current;
  }

  /** Puts a document in place (woken or rebuilt), or none (the room sleeps). */
  setDoc(doc: Y.Doc | null): void {
    this.current = doc;
    this.awareness.doc = doc ?? ASLEEP;
  }

  /** A new, empty document for this room. */
  emptyDoc(): Y.Doc {
    return new Y.Doc({ gc: this.room.kind !== 'doc', guid: this.name });
  }

  /**
   * Removes the states of clients not heard from for the protocol's 30 s (a dropped client), and
   * the record Yjs keeps of a client whose state went as long ago: it only orders messages that
   * could still be on their way, and every page load is a new client, so in a room that stays
   * loaded for weeks the records would otherwise pile up.
   */
  expireAwareness(now: number): void {
    const remove: number[] = [];
    for (const [client, meta] of this.awareness.meta) {
      if (now - meta.lastUpdated < awarenessProtocol.outdatedTimeout) continue;
      if (this.awareness.states.has(client)) remove.push(client);
      else this.awareness.meta.delete(client);
    }
    if (remove.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, remove, 'timeout');
  }
}
