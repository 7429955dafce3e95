/**
 * Presence (awareness) in a loaded room: whose client ids each connection speaks for, and the
 * relay of every change.
 *
 * A change (a client joining, leaving, or its state changing) is relayed at once. A renewal, the
 * same state again with a higher clock, which the stock client sends every 15 s so that others
 * do not drop it after 30 s, is relayed with the room's next change or 3 s after the first
 * renewal began to wait (`sendRenewals`), together with the room's other renewals. In a room of
 * n connected clients that is at most n messages per 3 s instead of n² per 15 s. Each room waits
 * on its own timer, so rooms whose clients renew at the same moment do not all send at once.
 *
 * A connection speaks only for its own clients' presence. The stock client also echoes every
 * state it receives back to the server; entries for a client id that another person's
 * connection announced are dropped (`ownPresence`), so nobody can speak as someone else's
 * client or remove their presence. The same person's new connection (a reconnect the server has
 * not noticed yet) takes over the ids of their earlier one.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { equalityDeep } from 'lib0/function';
import { encodeAwareness, frameMessage, type AwarenessEntry } from './messages';
import type { LoadedRoom, Peer } from './loaded-room';

/**
 * What one connection may announce. The stock client announces one client (its document's); a
 * state holds a name, a colour and a caret. More would only grow what the server keeps and what
 * it sends to everyone in the room, and to everyone who joins it.
 */
export const PresenceLimits = { clientsPerConnection: 8, stateLength: 16 * 1024 } as const;

/**
 * The entries of an awareness message that `peer` may apply: new states of its own clients and
 * of clients nobody else announced, dropping echoes and the states of another person's clients.
 * A sentence saying why when the message goes beyond the limits above.
 */
export function ownPresence(
  room: LoadedRoom,
  peer: Peer,
  entries: readonly AwarenessEntry[]
): AwarenessEntry[] | string {
  const own: AwarenessEntry[] = [];
  let announced = peer.awarenessIds?.length ?? 0;
  for (const entry of entries) {
    if (entry.stateLength > PresenceLimits.stateLength) {
      return `presence state of client ${entry.clientID} over ${PresenceLimits.stateLength} characters`;
    }
    // A state at a clock the room already has is an echo (the stock client sends back every
    // state it receives): Yjs would ignore it, and it announces nothing. Dropped here, before the
    // scan of the room's connections below, which would otherwise run for every echoed entry.
    const known = room.awareness.meta.get(entry.clientID);
    if (entry.state !== null && known !== undefined && entry.clock <= known.clock) continue;
    // Removing a state the room does not hold removes nothing, and Yjs would still keep a record
    // of the client for it: a stream of removals for made-up ids would grow the room without end.
    if (entry.state === null && !room.awareness.states.has(entry.clientID)) continue;
    if (peer.awarenessIds?.includes(entry.clientID)) own.push(entry);
    else if (!heldByOthers(room, peer, entry.clientID)) {
      own.push(entry);
      if (entry.state !== null) announced++;
    }
  }
  if (announced > PresenceLimits.clientsPerConnection) {
    return `presence of more than ${PresenceLimits.clientsPerConnection} clients on one connection`;
  }
  return own;
}

/** Who a connection is, as far as its presence states may say. */
export interface PresencePerson {
  id: string;
  /** The name the server knows, when it knows one. */
  name?: string;
}

const COLOUR = /^#[0-9a-f]{6}$/i;

/**
 * The entries with every state's `user` made to name the connection's person: the editor shows
 * `user.name` at another person's caret, and a name the client chose could be anyone's. A state
 * holding a `user` field gets `{ id, name }` from the server (the name the client sent only when
 * the server knows none), with the client's `color` kept when it is a `#rrggbb` value; nothing else
 * of `user` is kept. States without a `user` field (other clients' own shapes) are left alone.
 * Returns `entries` itself when no state changed.
 */
export function stampPresence(entries: AwarenessEntry[], person: PresencePerson): AwarenessEntry[] {
  let stamped: AwarenessEntry[] | null = null;
  entries.forEach((entry, at) => {
    const state = entry.state;
    if (typeof state !== 'object' || state === null || Array.isArray(state) || !('user' in state)) return;
    const claimed = (state as { user: unknown }).user;
    const claim = typeof claimed === 'object' && claimed !== null ? (claimed as Record<string, unknown>) : {};
    const user: Record<string, unknown> = { id: person.id };
    const name = person.name ?? (typeof claim.name === 'string' ? claim.name : undefined);
    if (name !== undefined) user.name = name;
    if (typeof claim.color === 'string' && COLOUR.test(claim.color)) user.color = claim.color;
    if (equalityDeep(claim, user)) return;
    stamped ??= [...entries];
    stamped[at] = { ...entry, state: { ...state, user } };
  });
  return stamped ?? entries;
}

/** Whether another person's connection in the room has announced the state of `clientID`. */
function heldByOthers(room: LoadedRoom, peer: Peer, clientID: number): boolean {
  for (const other of room.peers) {
    if (other !== peer && other.userId !== peer.userId && other.awarenessIds?.includes(clientID)) return true;
  }
  return false;
}

/**
 * The client ids whose state the message being applied by `applyPresence` repeats unchanged
 * (renewals). Set only while Yjs applies it, when its `update` event calls `relayPresence`.
 */
let renewing: readonly number[] = [];

/** Applies the entries of an awareness message that `peer` may apply (see `ownPresence`). */
export function applyPresence(
  room: LoadedRoom,
  peer: Peer,
  update: Uint8Array,
  entries: readonly AwarenessEntry[]
): void {
  const states = room.awareness.states;
  const renewals: number[] = [];
  for (const { clientID, state } of entries) {
    if (state !== null && states.has(clientID) && equalityDeep(states.get(clientID), state)) {
      renewals.push(clientID);
    }
  }
  renewing = renewals;
  try {
    awarenessProtocol.applyAwarenessUpdate(room.awareness, update, peer);
  } finally {
    renewing = [];
  }
}

/**
 * Records which client ids the connection that caused an awareness change (`origin`) announced
 * or removed, and sends the change to every connection of the room, the sender too (the stock
 * client counts it as a sign of life), with the renewals waiting. Renewals alone wait.
 */
export function relayPresence(
  room: LoadedRoom,
  added: number[],
  updated: number[],
  removed: number[],
  origin: unknown
): void {
  const peer = origin as Peer;
  if (room.peers.has(peer)) {
    const clients = (peer.awarenessIds ??= []);
    for (const id of [...added, ...updated]) {
      if (clients.includes(id)) continue;
      clients.push(id);
      // Taken over from an earlier connection of the same person: that one's leaving must not
      // remove the state now announced here.
      for (const other of room.peers) {
        const at = other === peer ? -1 : (other.awarenessIds?.indexOf(id) ?? -1);
        if (at >= 0) other.awarenessIds!.splice(at, 1);
      }
    }
    for (const id of removed) {
      const at = clients.indexOf(id);
      if (at >= 0) clients.splice(at, 1);
    }
  }
  const changed = [...added, ...removed];
  for (const id of updated) {
    if (!renewing.includes(id)) changed.push(id);
    else (room.renewals ??= waitingRenewals(room)).ids.add(id);
  }
  if (changed.length > 0) sendPresence(room, changed);
}

/** How long a renewal waits for the room's next change before it is sent with the others. */
export const RENEWAL_WAIT_MS = 3000;

/** Renewals waiting in a room, and the timer that sends them. */
export interface WaitingRenewals {
  ids: Set<number>;
  timer: NodeJS.Timeout;
}

function waitingRenewals(room: LoadedRoom): WaitingRenewals {
  return { ids: new Set(), timer: setTimeout(() => sendRenewals(room), RENEWAL_WAIT_MS).unref() };
}

/** Sends the renewals waiting in the room, if any. */
export function sendRenewals(room: LoadedRoom): void {
  if (room.renewals) sendPresence(room, []);
}

/** Forgets the renewals waiting in the room (it is unloaded). */
export function dropRenewals(room: LoadedRoom): void {
  if (room.renewals) clearTimeout(room.renewals.timer);
  room.renewals = null;
}

/** Sends the states of `changed` and of the renewals waiting to every connection of the room. */
function sendPresence(room: LoadedRoom, changed: number[]): void {
  const ids = changed;
  if (room.renewals) {
    const { ids: renewed } = room.renewals;
    dropRenewals(room);
    for (const id of changed) renewed.delete(id);
    for (const id of renewed) if (room.awareness.states.has(id)) ids.push(id);
  }
  if (ids.length === 0 || room.peers.size === 0) return;
  const framed = frameMessage(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids)));
  for (const other of room.peers) other.sendFramed(framed);
}
