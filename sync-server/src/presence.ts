/**
 * Presence (awareness) in a loaded room: whose client ids each connection speaks for, and the
 * relay of every change.
 *
 * A connection speaks only for its own clients' presence. The stock client also echoes every
 * state it receives back to the server; entries for a client id that another person's
 * connection announced are dropped (`ownPresence`), so nobody can speak as someone else's
 * client or remove their presence. The same person's new connection (a reconnect the server has
 * not noticed yet) takes over the ids of their earlier one.
 */
import * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness, frameMessage, type AwarenessEntry } from './messages';
import type { LoadedRoom, Peer } from './rooms';

/**
 * What one connection may announce. The stock client announces one client (its document's); a
 * state holds a name, a colour and a caret. More would only grow what the server keeps and what
 * it sends to everyone in the room, and to everyone who joins it.
 */
export const PresenceLimits = { clientsPerConnection: 8, stateLength: 16 * 1024 } as const;

/**
 * The entries of an awareness message that `peer` may apply: those of its own clients and of
 * clients nobody else announced, dropping the states of another person's clients (the stock
 * client echoes them). A sentence saying why when the message goes beyond the limits above.
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

/** Whether another person's connection in the room has announced the state of `clientID`. */
function heldByOthers(room: LoadedRoom, peer: Peer, clientID: number): boolean {
  for (const other of room.peers) {
    if (other !== peer && other.userId !== peer.userId && other.awarenessIds?.includes(clientID)) return true;
  }
  return false;
}

/**
 * Records which client ids the connection that caused an awareness change (`origin`) announced
 * or removed, and sends the change to every connection of the room, the sender too: the stock
 * client counts it as a sign of life.
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
  const changed = [...added, ...updated, ...removed];
  if (changed.length === 0 || room.peers.size === 0) return;
  const framed = frameMessage(
    encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, changed))
  );
  for (const other of room.peers) other.sendFramed(framed);
}
