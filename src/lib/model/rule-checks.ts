/**
 * What the rule sets that inspect an update struct by struct share (space-rules.ts,
 * doc-rules.ts): stopping at the first refusal, and finding the struct that holds an id.
 */
import * as Y from 'yjs';
// Types only: validation.ts imports the rule sets, which import this file.
import type { ValidationResult } from './validation';

/** Thrown inside a check to stop at the first refusal; `runCheck` turns it into the result. */
export class Refused extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export const stop = (code: string, message: string): never => {
  throw new Refused(code, message);
};

/** Runs a check that stops with `stop`; any other error is the caller's (the hook logs it). */
export function runCheck(check: () => ValidationResult): ValidationResult {
  try {
    return check();
  } catch (err) {
    if (err instanceof Refused) return { ok: false, error: err.code, message: err.message };
    throw err;
  }
}

/**
 * The struct holding `id`: in the server's copy when `id` is below `known` (the server's state
 * for that client), else among the update's new structs (`fresh`: per client, in clock order).
 */
export function findStruct<S extends Y.Item | Y.GC>(
  store: Y.Doc['store'],
  fresh: ReadonlyMap<number, readonly S[]>,
  id: { client: number; clock: number },
  known: number
): { struct: Y.Item | Y.GC; fresh: false } | { struct: S; fresh: true } | null {
  if (id.clock < known) {
    const structs = store.clients.get(id.client)!;
    return { struct: structs[Y.findIndexSS(structs, id.clock)] as Y.Item | Y.GC, fresh: false };
  }
  const list = fresh.get(id.client);
  if (!list) return null;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid]!;
    if (id.clock < s.id.clock) hi = mid - 1;
    else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
    else return { struct: s, fresh: true };
  }
  return null;
}

type ID = { client: number; clock: number };

/** From `PlacementHost.own`: the item goes where this other new item goes. */
export class Follow {
  constructor(readonly next: Y.Item) {}
}

/** What `followPlacement` needs from a check; `P` is where the check says an item goes. */
export interface PlacementHost<P> {
  /** Places already found, per new item; `followPlacement` adds to it. */
  readonly memo: Map<Y.Item, P | null>;
  /** The server's state for `client` (how far its structs reach). */
  state(client: number): number;
  /** A referenced struct that must exist, on the server or new in the update (else a gap). */
  need(id: ID, from: Y.Item): { struct: Y.Item | Y.GC; fresh: boolean };
  /** Where an item the server has is. */
  server(item: Y.Item): P | null;
  /** Where a new item with only its own parent info goes, or the new item to follow instead. */
  own(item: Y.Item): P | null | Follow;
}

/**
 * Where a new item goes, as Yjs will place it: where its left neighbour (origin) is, else its
 * right neighbour, else by its own parent info. A struct that starts inside what the server has
 * goes on right after its own earlier part, whatever its origin says. Next to a
 * garbage-collected struct Yjs discards it (null). Chains of new items are followed iteratively
 * and remembered in `host.memo`; a chain that comes back to itself is a gap.
 */
export function followPlacement<P>(start: Y.Item, host: PlacementHost<P>): P | null {
  const path: Y.Item[] = [];
  const onPath = new Set<Y.Item>();
  let item = start;
  let result: P | null | undefined;
  while (result === undefined) {
    const known = host.memo.get(item);
    if (known !== undefined) {
      result = known;
      break;
    }
    if (onPath.has(item)) stop('gap', 'The update refers to itself in a circle.');
    onPath.add(item);
    path.push(item);
    const offset = Math.max(0, host.state(item.id.client) - item.id.clock);
    const right = item.rightOrigin ? host.need(item.rightOrigin, item) : null;
    const leftId: ID | null =
      offset > 0 ? { client: item.id.client, clock: item.id.clock + offset - 1 } : item.origin;
    const left = leftId ? host.need(leftId, item) : null;
    if (left?.struct instanceof Y.GC || right?.struct instanceof Y.GC) {
      result = null;
    } else if (left || right) {
      const next = (left ?? right)!;
      if (next.fresh) item = next.struct as Y.Item;
      else result = host.server(next.struct as Y.Item);
    } else {
      const own = host.own(item);
      if (own instanceof Follow) item = own.next;
      else result = own;
    }
  }
  for (const p of path) host.memo.set(p, result);
  return result;
}
