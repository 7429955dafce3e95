/**
 * What every decoded update must satisfy before it is applied, whatever the room's rules.
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
 *   that their sums are no longer exact, so later items could no longer be told apart.
 * Such an update is refused before it touches the room, like any other malformed message, in
 * every room: also in those whose rule lets writers do anything (a person's own room).
 */
import * as Y from 'yjs';

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/** Why the update cannot have come from a Yjs client, or null when its shape is sound. */
export function updateFault(decoded: Decoded): string | null {
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
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
