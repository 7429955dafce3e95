/**
 * What every decoded update must satisfy before it is applied, whatever the room's rules, and
 * which part of it is new to the room (`newPart`).
 *
 * `Y.decodeUpdate` reads anything the binary format can express, and Yjs then trusts that an
 * update was made by Yjs. Updates of the following shapes get through its decoder, no Yjs client
 * makes them, and each one breaks a document:
 * - a struct or a deletion of length 0: it applies (or fails to), and the document then encodes
 *   a state that Yjs cannot read back, so no client could sync the room and no server load it;
 * - an item pointing at an item of its own client that is not older than itself (as its origin,
 *   right origin or parent): Yjs takes that one to be integrated already, and fails half-way
 *   through applying the update.
 * - a struct or deletion ending past 2^53 − 1: Yjs counts clocks in plain numbers, and beyond
 *   that their sums are no longer exact, so later items could no longer be told apart;
 * - a client's structs in more than one block, or not one right after the other within its block:
 *   `Y.decodeUpdate` yields every block, but `Y.applyUpdate` keeps only the last block of each
 *   client, so the rules would judge one change and the room would take another (a writer's own
 *   reaction judged, someone else's post changed).
 * Such an update is refused before it touches the room, like any other malformed message, in
 * every room: also in those whose rule lets writers do anything (a person's own room).
 */
import * as Y from 'yjs';

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/** Why the update cannot have come from a Yjs client, or null when its shape is sound. */
export function updateFault(decoded: Decoded): string | null {
  const blocks = new Set<number>();
  let block = -1;
  let next = 0;
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    if (client !== block) {
      if (blocks.has(client)) return `client ${client} in two blocks`;
      blocks.add(client);
      block = client;
    } else if (clock !== next) return `struct out of order ${client}:${clock}`;
    next = clock + struct.length;
    if (!(struct.length > 0)) return `empty struct ${client}:${clock}`;
    if (!(clock + struct.length <= Number.MAX_SAFE_INTEGER))
      return `struct past the last clock ${client}:${clock}`;
    if (struct instanceof Y.Item) {
      if (!olderOfSameClient(struct.origin, client, clock)) return `origin after ${client}:${clock}`;
      if (!olderOfSameClient(struct.rightOrigin, client, clock))
        return `right origin after ${client}:${clock}`;
      if (struct.parent instanceof Y.ID && !olderOfSameClient(struct.parent, client, clock))
        return `parent after ${client}:${clock}`;
    }
  }
  for (const [client, deletions] of decoded.ds.clients) {
    for (const deletion of deletions) {
      if (!(deletion.len > 0)) return `empty deletion ${client}:${deletion.clock}`;
      if (!(deletion.clock + deletion.len <= Number.MAX_SAFE_INTEGER))
        return `deletion past the last clock ${client}:${deletion.clock}`;
    }
  }
  return null;
}

/** True when `ref` is absent, of another client, or of this client and older than `clock`. */
function olderOfSameClient(ref: Y.ID | null, client: number, clock: number): boolean {
  return ref === null || ref.client !== client || ref.clock < clock;
}

/**
 * The part of a client update that `doc` does not hold yet: the update itself when all of its
 * structs are new, else a copy without the structs (and parts of structs) the document already
 * has. An update with nothing new at all is ruled out before (`holdsNothingNew`), so the copy
 * always holds something: a new struct or the deletions. Yjs skips the structs it already has when
 * applying, but stored and relayed as they came, another copy of them would sit beside the real
 * one: a client may resend its own (harmlessly), but a writer could also send someone else's
 * ids with other content, and merging the stored rows when the room is next loaded could then
 * take that content instead. Only what is new is applied, stored and relayed.
 */
export function newPart(doc: Y.Doc, update: Uint8Array, decoded: Decoded): Uint8Array {
  const known = doc.store;
  let overlaps = false;
  for (const struct of decoded.structs) {
    if (struct.id.clock < Y.getState(known, struct.id.client)) {
      overlaps = true;
      break;
    }
  }
  if (!overlaps) return update;
  return Y.diffUpdate(update, Y.encodeStateVector(doc));
}

/**
 * True when applying the update would change nothing in `doc`: every struct it carries is there
 * already, and every deletion it carries is of structs the document has and has deleted. Such an
 * update is what a client sends back when it answers the server's sync step 1 with the room the
 * server just sent it: a sync step 2 carries the whole delete set, so it is never empty once the
 * room has deleted anything.
 */
export function holdsNothingNew(doc: Y.Doc, decoded: Decoded): boolean {
  const store = doc.store;
  for (const struct of decoded.structs) {
    if (struct.id.clock + struct.length > Y.getState(store, struct.id.client)) return false;
  }
  for (const [client, deletions] of decoded.ds.clients) {
    const structs = store.clients.get(client);
    for (const { clock, len } of deletions) {
      const end = clock + len;
      if (structs === undefined || end > Y.getState(store, client)) return false;
      for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < end; i++) {
        if (!structs[i]!.deleted) return false;
      }
    }
  }
  return true;
}
