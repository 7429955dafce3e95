/**
 * The rule of a space's shared room (`space/<id>`, space-shared.ts): only the space's managers
 * write it (pins, settings), and only the server its `signals`, each of which sends every kiosk
 * screen of the space to ask for its rooms again.
 *
 * The update is read struct by struct against the server's copy, each new item placed as Yjs will
 * place it (`followPlacement`, as for the post rooms), back to an item the server has. So the
 * check costs what the update holds, not what the room holds.
 */
import * as Y from 'yjs';
import { findStruct, Follow, followPlacement, runCheck, stop, type PlacementHost } from './rule-checks';
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
  /** The update's structs per client, in clock order (for `findStruct`). */
  private readonly fresh = new Map<number, Array<Y.Item | Y.GC>>();
  /** The root each new item goes under (null: Yjs discards it). */
  private readonly roots = new Map<Y.Item, string | null>();
  private readonly rootNames = new Map<unknown, string>();
  private readonly placement: PlacementHost<string> = {
    memo: this.roots,
    state: (client) => this.state(client),
    need: (id, from) => this.need(id, from),
    server: (item) => this.serverRoot(item),
    own: (item) => this.ownRoot(item)
  };

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
      // A device's garbage-collected content comes as GC structs, which later items may refer to.
      if (!(s instanceof Y.Item) && !(s instanceof Y.GC)) continue;
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

  /** A referenced struct that must exist; a new one of the same client must come earlier. */
  private need(id: ID, from: Y.Item): { struct: Y.Item | Y.GC; fresh: boolean } {
    const found = findStruct(this.store, this.fresh, id, this.state(id.client));
    if (!found || (found.fresh && id.client === from.id.client && id.clock >= from.id.clock)) {
      return stop('gap', 'The update refers to changes the server does not have.');
    }
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

  /** A new item with only its own parent info: a root by name, or inside the type another item holds. */
  private ownRoot(item: Y.Item): string | null | Follow {
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return parent;
    if (parent === null || typeof parent !== 'object') return stop('bad-shape', 'An item has no parent.');
    const holder = this.need(parent as ID, item);
    if (holder.struct instanceof Y.GC) return null;
    return holder.fresh ? new Follow(holder.struct) : this.serverRoot(holder.struct);
  }

  /** The root a new item goes under, as Yjs places it (rule-checks.ts `followPlacement`). */
  private rootOf(item: Y.Item): string | null {
    return followPlacement(item, this.placement);
  }
}
