/**
 * The rule of a space's shared room (`space/<id>`, space-shared.ts): only the space's managers
 * write it (pins, settings), and only the server its `signals`, each of which sends every kiosk
 * screen of the space to ask for its rooms again.
 *
 * The update is read struct by struct against the server's copy, as Yjs will place it (the same
 * placement as space-rules.ts): each new item's root is its origin's (else its right origin's),
 * else its own parent's, following items new in the update back to one the server has. So the
 * check costs what the update holds, not what the room holds.
 */
import * as Y from 'yjs';
import { findStruct, runCheck, stop } from './rule-checks';
import type { UpdateContext, ValidationResult } from './validation';

const SIGNALS = 'signals';
const SERVER_ONLY = "Only the server writes a space's signals.";

type ID = { client: number; clock: number };

export function checkSpaceSharedRoom(ctx: UpdateContext): ValidationResult {
  if (ctx.space?.manager !== true) {
    return {
      ok: false,
      error: 'editors-only',
      message: 'Only the editors of this space may change its pins and settings.'
    };
  }
  return runCheck(() => {
    new SignalsCheck(ctx).run();
    return { ok: true };
  });
}

class SignalsCheck {
  private readonly store: Y.Doc['store'];
  private readonly states = new Map<number, number>();
  /** The update's items per client, in clock order (for `findStruct`). */
  private readonly fresh = new Map<number, Y.Item[]>();
  /** The root each new item goes under (null: Yjs discards it). */
  private readonly roots = new Map<Y.Item, string | null>();
  private readonly rootNames = new Map<unknown, string>();

  constructor(private readonly ctx: UpdateContext) {
    this.store = ctx.doc.store;
    for (const [name, type] of ctx.doc.share) this.rootNames.set(type, name);
  }

  run(): void {
    const { structs, ds } = this.ctx.decoded;
    // Deleting a signal the server set. (Not `getMap`: that would add the type to the server's copy.)
    const signals = this.ctx.doc.share.get(SIGNALS);
    if (signals) {
      for (const item of signals._map.values()) {
        const ranges = ds.clients.get(item.id.client) ?? [];
        const hit = ranges.some(
          (r) => item.id.clock < r.clock + r.len && r.clock < item.id.clock + item.length
        );
        if (!item.deleted && hit) stop('server-only', SERVER_ONLY);
      }
    }
    for (const s of structs) {
      if (!(s instanceof Y.Item)) continue;
      let list = this.fresh.get(s.id.client);
      if (!list) this.fresh.set(s.id.client, (list = []));
      list.push(s);
    }
    for (const s of structs) {
      if (!(s instanceof Y.Item)) continue;
      if (s.id.clock + s.length <= this.state(s.id.client)) continue; // known: Yjs ignores it
      if (this.rootOf(s) === SIGNALS) stop('server-only', SERVER_ONLY);
    }
  }

  private state(client: number): number {
    let s = this.states.get(client);
    if (s === undefined) this.states.set(client, (s = Y.getState(this.store, client)));
    return s;
  }

  /** The struct holding `id`, on the server or new in the update; a reference to nothing is a gap. */
  private find(id: ID): { struct: Y.Item | Y.GC; fresh: boolean } {
    const found = findStruct(this.store, this.fresh, id, this.state(id.client));
    if (!found) return stop('gap', 'The update refers to changes the server does not have.');
    return found;
  }

  /** The root a server item is under. */
  private serverRoot(item: Y.Item): string | null {
    let type = item.parent as Y.AbstractType<unknown> | null;
    for (let depth = 0; type instanceof Y.AbstractType && depth < 256; depth++) {
      if (type._item === null) return this.rootNames.get(type) ?? null;
      type = type._item.parent as Y.AbstractType<unknown> | null;
    }
    return null;
  }

  /** The root a new item goes under, as Yjs places it; chains of new items are followed and remembered. */
  private rootOf(start: Y.Item): string | null {
    const path: Y.Item[] = [];
    const onPath = new Set<Y.Item>();
    let item = start;
    let result: string | null | undefined;
    while (result === undefined) {
      const known = this.roots.get(item);
      if (known !== undefined) {
        result = known;
        break;
      }
      if (onPath.has(item)) stop('gap', 'The update refers to itself in a circle.');
      onPath.add(item);
      path.push(item);
      // A struct that starts inside what the server has goes on right after its own earlier part.
      const offset = Math.max(0, this.state(item.id.client) - item.id.clock);
      const leftId: ID | null =
        offset > 0 ? { client: item.id.client, clock: item.id.clock + offset - 1 } : item.origin;
      const ref =
        leftId ?? item.rightOrigin ?? (typeof item.parent === 'string' ? null : (item.parent as ID | null));
      if (ref === null) {
        result = typeof item.parent === 'string' ? item.parent : null;
        break;
      }
      const found = this.find(ref);
      if (found.struct instanceof Y.GC) result = null;
      else if (found.fresh) item = found.struct;
      else result = this.serverRoot(found.struct);
    }
    for (const p of path) this.roots.set(p, result);
    return result;
  }
}
