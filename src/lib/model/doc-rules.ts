/**
 * The rule of document rooms (`doc/<id>`). Access already limits writers to the space's editors,
 * the owner and co-authors; what this rule adds protects what even a writer must not do:
 *
 * - **`server-only`** — change `confirmations` (only the server records that someone confirmed,
 *   after checking it is them; a writer must not confirm for anyone or remove a confirmation);
 * - **`history`** — delete or change a published version (history is never rewritten);
 * - **`bad-version`** / **`too-many`** — add a version that is not one plain object with a
 *   snapshot of at most `VersionLimits.snapshot` bytes, or more than `VersionLimits.count`;
 * - **`gap`** — send a change whose place cannot be found in the server's copy or the update
 *   (Yjs would keep it pending and apply it later, unchecked).
 *
 * Everything else (the text, the metadata) is the writers' to change. The check finds each new
 * item's top-level type the way Yjs places it: from its left neighbour, else its right one, else
 * its parent.
 */
import * as Y from 'yjs';
import { findStruct, runCheck, stop } from './rule-checks';
import { allow, type UpdateContext, type ValidationResult } from './validation';
import { VersionLimits } from './doc-versions';

type AnyType = Y.AbstractType<unknown>;
/** Where an item is: its top-level type's name, and whether it sits directly in it. */
interface Place {
  root: string | null;
  direct: boolean;
}

export function docRule(ctx: UpdateContext): ValidationResult {
  return runCheck(() => {
    new DocRoomCheck(ctx).run();
    return allow;
  });
}

class DocRoomCheck {
  private readonly store: Y.Doc['store'];
  private readonly roots = new Map<AnyType, string>();
  private readonly fresh = new Map<number, Y.Item[]>();
  private readonly places = new Map<Y.Item, Place>();

  constructor(private readonly ctx: UpdateContext) {
    this.store = ctx.doc.store;
    for (const [name, type] of ctx.doc.share) this.roots.set(type as AnyType, name);
  }

  run(): void {
    const { structs, ds } = this.ctx.decoded;
    for (const s of structs as Array<Y.Item | Y.GC | Y.Skip>) {
      if (!(s instanceof Y.Item)) continue;
      if (s.id.clock + s.length <= Y.getState(this.store, s.id.client)) continue; // known already
      let list = this.fresh.get(s.id.client);
      if (!list) this.fresh.set(s.id.client, (list = []));
      list.push(s);
    }
    let newVersions = 0;
    for (const list of this.fresh.values()) {
      for (const item of list) {
        const place = this.place(item);
        if (place.root === 'confirmations') {
          stop('server-only', 'Only the server records read confirmations.');
        }
        if (place.root === 'versions') {
          if (!place.direct) stop('history', 'A published version cannot be changed.');
          this.checkVersion(item);
          newVersions += item.length;
        }
      }
    }
    if (newVersions > 0 && this.ctx.doc.getArray('versions').length + newVersions > VersionLimits.count) {
      stop('too-many', `A document keeps at most ${VersionLimits.count} versions.`);
    }
    for (const [client, ranges] of ds.clients) {
      const structs = this.store.clients.get(client);
      if (!structs) continue;
      const state = Y.getState(this.store, client);
      for (const { clock, len } of ranges) {
        const end = Math.min(clock + len, state);
        if (clock >= end) continue;
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const s = structs[i]!;
          if (s.id.clock >= end) break;
          if (!(s instanceof Y.Item) || s.deleted) continue;
          const root = this.serverPlace(s).root;
          if (root === 'confirmations') stop('server-only', 'Only the server records read confirmations.');
          if (root === 'versions') stop('history', 'A published version cannot be removed.');
        }
      }
    }
  }

  private checkVersion(item: Y.Item): void {
    const content = item.content;
    if (!(content instanceof Y.ContentAny)) stop('bad-version', 'A version is one plain object.');
    for (const value of (content as Y.ContentAny).arr) {
      const snapshot = (value as { snapshot?: unknown } | null)?.snapshot;
      if (typeof value !== 'object' || value === null || !(snapshot instanceof Uint8Array)) {
        stop('bad-version', 'A version needs its snapshot.');
      }
      if ((snapshot as Uint8Array).byteLength > VersionLimits.snapshot) {
        stop('bad-version', 'A version snapshot is too large.');
      }
    }
  }

  /** The place of an item in the server's copy. */
  private serverPlace(item: Y.Item): Place {
    const parent = item.parent as AnyType | null;
    if (!(parent instanceof Y.AbstractType)) return { root: null, direct: false };
    return { root: this.rootName(parent), direct: parent._item === null };
  }

  private rootName(type: AnyType): string | null {
    let t = type;
    while (t._item !== null) {
      const up = t._item.parent as AnyType | null;
      if (!(up instanceof Y.AbstractType)) return null;
      t = up;
    }
    return this.roots.get(t) ?? null;
  }

  /**
   * The struct holding `id`: in the server's copy, or a new one in the update; 'gc' when the
   * server's copy holds only a garbage-collected range there (rooms stored before documents
   * kept their history).
   */
  private find(id: Y.ID): { item: Y.Item; fresh: boolean } | 'gc' | null {
    const found = findStruct(this.store, this.fresh, id, Y.getState(this.store, id.client));
    if (!found) return null;
    return found.struct instanceof Y.Item ? { item: found.struct, fresh: found.fresh } : 'gc';
  }

  /** A new item's place, following chains of new items iteratively and remembering them. */
  private place(start: Y.Item): Place {
    const path: Y.Item[] = [];
    const seen = new Set<Y.Item>();
    let item = start;
    let result: Place | undefined;
    while (result === undefined) {
      const known = this.places.get(item);
      if (known) {
        result = known;
        break;
      }
      if (seen.has(item)) stop('gap', 'The update refers to itself in a circle.');
      seen.add(item);
      path.push(item);
      const parent = item.parent as unknown;
      if (typeof parent === 'string') {
        result = { root: parent, direct: true };
        break;
      }
      // A struct that starts inside what the server has is applied from there on, placed right
      // after its own part the server has (Yjs's offset), whatever its origin says.
      const offset = Y.getState(this.store, item.id.client) - item.id.clock;
      const origin = offset > 0 ? Y.createID(item.id.client, item.id.clock + offset - 1) : item.origin;
      const neighbour = origin ?? item.rightOrigin;
      const ref = neighbour ?? (parent instanceof Y.ID ? parent : null);
      if (!ref) stop('gap', 'The update holds a change without a place.');
      const found = this.find(ref!) ?? stop('gap', 'The update depends on changes the server does not have.');
      if (found === 'gc') {
        // Yjs discards an item placed next to or inside collected content: it lands nowhere.
        result = { root: null, direct: false };
        break;
      }
      if (neighbour) {
        if (!found.fresh) result = this.serverPlace(found.item);
        else item = found.item;
      } else {
        // `ref` is the parent type's item: whatever is inside it is not directly in a root.
        const inner = found.fresh ? null : (found.item.content as { type?: AnyType }).type;
        if (!found.fresh) result = { root: inner ? this.rootName(inner) : null, direct: false };
        else {
          const up = this.place(found.item);
          result = { root: up.root, direct: false };
        }
      }
    }
    for (const p of path) this.places.set(p, result);
    return result;
  }
}
