/**
 * The ownership rules of the rooms that hold posts: a space's month partitions
 * (`space/<id>/<yyyy-mm>`), targeted post rooms (`post/<spaceId>/<postId>`, same shape) and a
 * space's shared room (`space/<id>`, pins; its signals only the server writes).
 *
 * Yjs lets anyone who can write a document change all of it, so the server checks what each
 * update would do to its copy before applying it. The update is read struct by struct
 * (`Y.decodeUpdate`) against the server's copy, without applying it:
 *
 * - Client ids. Every new struct must come from a Yjs client id the sender owns: one recorded
 *   for them in this room (`ctx.ownerOf`), or one the room has never seen (no structs in the
 *   server's copy yet), which the result then asks the server to record for them (`claims`).
 *   A client id with content but no recorded owner belongs to nobody. Whoever owns a struct's
 *   client id owns the item.
 * - No gaps. Yjs keeps a struct whose predecessors are missing (a clock beyond the server's
 *   state, an unknown origin, right origin or parent) pending and integrates it later, when this
 *   check is long past; a deletion of unknown items likewise. Such updates are refused.
 * - Placement. Each new item's parent and key come from its own parent info, or are copied from
 *   its origin (else right origin) item, exactly as Yjs does, from the server's copy or from the
 *   update itself.
 * - Top level: `posts` and `comments` entries are Y.Maps written by their author (an existing
 *   live entry at the key must be the sender's own: setting a map key deletes its current value);
 *   `reactions`, `reads` and `reach` entries are plain values whose key names the sender. Any
 *   other top-level name is refused.
 * - Nested items (fields, characters of a text) go only into items the sender owns: editors do
 *   not edit other people's text. `authorId` must be the sender; `important` only managers set.
 * - Deletions: of the sender's own items; of anyone's post or comment only by a manager, and
 *   only of the whole entry (its children go with it, Yjs lists them in the delete set too).
 * - Limits (`PostLimits`): the length of a post's or comment's text after the update, no post or
 *   comment left empty or blank (white space only), images, target groups and mentions.
 *
 * The work is proportional to the update, not to the room: server items are found by binary
 * search (`Y.findIndexSS`), and only the few ancestors of touched items are walked.
 *
 * This file imports only types from validation.ts (which imports this one for its rule set).
 */
import * as Y from 'yjs';
import { POST_ROOM_MAPS, PostLimits, Reactions } from './space-room';
import { DeleteRanges } from './delete-ranges';
import { findStruct, followPlacement, runCheck, stop, type PlacementHost } from './rule-checks';
import type { UpdateContext, ValidationResult } from './validation';
import { ROOM_ID_PATTERN } from './rooms';
import { checkSpaceSharedRoom } from './space-shared-rules';

const no = (error: string, message: string): ValidationResult => ({ ok: false, error, message });

type Struct = Y.Item | Y.GC;
type ID = { client: number; clock: number };
type AnyType = Y.AbstractType<unknown>;

/** Where an item goes: into a root type (by name) or into the type held by `parent`. */
interface Place {
  root: string | null;
  parent: Y.Item | null;
  /** `parent` is new in this update (and so the sender's). */
  fresh: boolean;
  /** The map key, or null for a list/text position. */
  key: string | null;
}

/** A top-level `posts` or `comments` entry. */
interface Entry {
  map: string;
  key: string;
  item: Y.Item;
  fresh: boolean;
}

interface TextChange {
  entry: Entry;
  /** The text's item, and whether it is new in this update. */
  item: Y.Item;
  fresh: boolean;
  /** Length in the server's copy (0 for a new text). */
  before: number;
  inserted: number;
  removed: number;
  /** Of the inserted and removed characters, those that are not white space (see `shownLength`). */
  shownInserted: number;
  shownRemoved: number;
}

/** Characters that are not white space (as `String.prototype.trim` counts it). */
const shownLength = (s: string): number => s.length - (s.match(/\s/g)?.length ?? 0);

/**
 * The characters of `item` from clock `from` to `to` that are not white space; an embed counts
 * as shown, a deleted placeholder as nothing.
 */
function shownIn(item: Y.Item, from: number, to: number): number {
  const content = item.content;
  if (content instanceof Y.ContentString) {
    return shownLength(content.str.slice(from - item.id.clock, to - item.id.clock));
  }
  return content instanceof Y.ContentDeleted ? 0 : to - from;
}

const ENTRY_MAPS = new Set(['posts', 'comments']);
const ROOT_MAPS = new Set<string>(POST_ROOM_MAPS);
const REACTIONS = new Set<string>(Reactions);

const isMapType = (item: Y.Item): boolean =>
  item.content instanceof Y.ContentType && item.content.type.constructor === Y.Map;
const isTextType = (item: Y.Item): boolean =>
  item.content instanceof Y.ContentType && item.content.type.constructor === Y.Text;
const holdsType = (item: Y.Item): boolean => item.content instanceof Y.ContentType;
const isGone = (item: Y.Item): boolean => item.content instanceof Y.ContentDeleted;

/** The value of a plain map entry (ContentAny/ContentJSON), or undefined. */
function plainValue(item: Y.Item): unknown {
  const content = item.content as unknown as { arr?: unknown[] };
  if (
    (item.content instanceof Y.ContentAny || item.content instanceof Y.ContentJSON) &&
    Array.isArray(content.arr)
  ) {
    return content.arr[content.arr.length - 1];
  }
  return undefined;
}

class PostRoomCheck {
  private readonly sender: string;
  private readonly manager: boolean;
  private readonly store: Y.Doc['store'];
  private readonly states = new Map<number, number>();
  /** New structs (or their new part) per client, in clock order. */
  private readonly fresh = new Map<number, Struct[]>();
  /** How far each client's structs reach, server and update together. */
  private readonly reach = new Map<number, number>();
  private readonly deleted = new Map<number, DeleteRanges>();
  private readonly places = new Map<Y.Item, Place | null>();
  private readonly roots = new Map<AnyType, string>();
  private readonly texts = new Map<Y.Item, TextChange>();
  /** The text change of each entry whose text the update touches. */
  private readonly entryTexts = new Map<Y.Item, TextChange>();
  private readonly newEntries: Entry[] = [];
  private readonly authored = new Set<Y.Item>();
  readonly claims = new Set<number>();

  private readonly placement: PlacementHost<Place> = {
    memo: this.places,
    state: (client) => this.state(client),
    need: (id, from) => this.need(id, from),
    server: (item) => this.serverPlace(item),
    own: (item) => this.ownPlace(item)
  };

  constructor(private readonly ctx: UpdateContext) {
    this.sender = ctx.user.id;
    this.manager = ctx.space?.manager === true;
    this.store = ctx.doc.store;
    for (const [name, type] of ctx.doc.share) this.roots.set(type as AnyType, name);
  }

  run(): void {
    const { structs, ds } = this.ctx.decoded;
    for (const [client, items] of ds.clients) this.deleted.set(client, new DeleteRanges(items));
    this.collect(structs as Array<Struct | Y.Skip>);
    for (const [client, ranges] of this.deleted) {
      if (ranges.max > this.reachOf(client)) {
        stop('unknown-deletion', 'The update deletes something the server does not have.');
      }
    }
    for (const structs of this.fresh.values()) {
      for (const s of structs) if (s instanceof Y.Item) this.checkItem(s);
    }
    for (const [client, ranges] of this.deleted) this.checkDeletions(client, ranges);
    this.checkEntries();
    this.checkTexts();
  }

  private state(client: number): number {
    let s = this.states.get(client);
    if (s === undefined) {
      s = Y.getState(this.store, client);
      this.states.set(client, s);
    }
    return s;
  }

  private reachOf(client: number): number {
    return this.reach.get(client) ?? this.state(client);
  }

  /** First pass: client ownership, gaps, and the index of new structs. */
  private collect(structs: Array<Struct | Y.Skip>): void {
    const skipped = new Set<number>();
    for (const s of structs) {
      const { client, clock } = s.id;
      if (s instanceof Y.Skip) {
        skipped.add(client);
        continue;
      }
      if (skipped.has(client)) stop('gap', 'The update skips changes the server does not have.');
      const next = this.reachOf(client);
      if (clock > next) stop('gap', 'The update depends on changes the server does not have.');
      const end = clock + s.length;
      if (end <= next) continue; // already known: Yjs ignores it
      this.reach.set(client, end);
      this.checkClient(client);
      let list = this.fresh.get(client);
      if (!list) this.fresh.set(client, (list = []));
      list.push(s);
    }
  }

  private checkClient(client: number): void {
    const owner = this.ctx.ownerOf(client);
    if (owner === this.sender) return;
    if (owner === null && this.state(client) === 0) {
      this.claims.add(client);
      return;
    }
    stop('foreign-client', `Yjs client ${client} belongs to someone else in this room.`);
  }

  /** The struct holding `id`, in the server's copy or among the update's new structs. */
  private find(id: ID): { struct: Struct; fresh: boolean } | null {
    return findStruct(this.store, this.fresh, id, this.state(id.client));
  }

  /** A referenced struct that must exist; a new one of the same client must come earlier. */
  private need(id: ID, from: Y.Item): { struct: Struct; fresh: boolean } {
    const found = this.find(id);
    if (!found || (found.fresh && id.client === from.id.client && id.clock >= from.id.clock)) {
      return stop('gap', 'The update refers to changes the server does not have.');
    }
    return found;
  }

  /** Where a server item is: its parent type's item (or root name) and key. */
  private serverPlace(item: Y.Item): Place | null {
    const type = item.parent as AnyType | null;
    if (!type || !(type instanceof Y.AbstractType)) return null;
    const key = item.parentSub;
    if (type._item === null) {
      const root = this.roots.get(type);
      return root === undefined ? null : { root, parent: null, fresh: false, key };
    }
    return { root: null, parent: type._item, fresh: false, key };
  }

  /** Where a new item goes, as Yjs will place it (rule-checks.ts `followPlacement`). */
  private place(item: Y.Item): Place | null {
    return followPlacement(item, this.placement);
  }

  private ownPlace(item: Y.Item): Place | null {
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return { root: parent, parent: null, fresh: false, key: item.parentSub };
    if (parent === null || typeof parent !== 'object') return stop('bad-shape', 'An item has no parent.');
    const found = this.need(parent as ID, item);
    if (found.struct instanceof Y.GC) return null;
    const holder = found.struct as Y.Item;
    if (!holdsType(holder)) stop('bad-shape', 'An item is placed inside a plain value.');
    return { root: null, parent: holder, fresh: found.fresh, key: item.parentSub };
  }

  /** The top-level entry an item is (in) — walking up through the server's copy or the update. */
  private entryOf(item: Y.Item, fresh: boolean): Entry | null {
    let current = item;
    let isFresh = fresh;
    for (let depth = 0; depth < 64; depth++) {
      const place = isFresh ? this.place(current) : this.serverPlace(current);
      if (!place) return null;
      if (place.root !== null) {
        return place.key === null ? null : { map: place.root, key: place.key, item: current, fresh: isFresh };
      }
      current = place.parent!;
      isFresh = place.fresh;
    }
    return null;
  }

  private ownerOfItem(item: Y.Item, fresh: boolean): string | null {
    return fresh ? this.sender : this.ctx.ownerOf(item.id.client);
  }

  private checkItem(item: Y.Item): void {
    const place = this.place(item);
    if (!place) return; // discarded by Yjs
    if (place.root !== null) this.checkTopLevel(item, place.root, place.key);
    else this.checkNested(item, place);
  }

  private checkTopLevel(item: Y.Item, root: string, key: string | null): void {
    if (!ROOT_MAPS.has(root)) stop('unknown-map', `This room has no "${root}".`);
    if (key === null) stop('bad-shape', `"${root}" is a map.`);
    const k = key!;
    const current = (this.ctx.doc.share.get(root) as AnyType | undefined)?._map.get(k);
    if (ENTRY_MAPS.has(root)) {
      // The id goes into addresses (a post's page, its room): letters, digits, - and _ only.
      if (!ROOM_ID_PATTERN.test(k))
        stop('wrong-key', 'A post or comment id is 1 to 64 letters, digits, - or _.');
      if (current && !current.deleted && this.ctx.ownerOf(current.id.client) !== this.sender) {
        stop('not-owner', 'Only its author may replace a post or comment.');
      }
      if (root === 'posts' && this.ctx.room.kind === 'post' && k !== this.ctx.room.postId) {
        stop('wrong-key', 'A post room holds only its own post.');
      }
      if (isGone(item)) return;
      if (!isMapType(item)) stop('bad-shape', `Each of "${root}" is a map.`);
      if (root === 'posts' && this.ctx.space?.postingPolicy === 'editors' && !this.manager) {
        stop('editors-only', 'Only the editors of this space may post in it.');
      }
      if (!this.isDeletedNow(item)) this.newEntries.push({ map: root, key: k, item, fresh: true });
      return;
    }
    const parts = k.split('/');
    if (root === 'reactions') {
      if (parts.length !== 3 || parts[1] !== this.sender || !REACTIONS.has(parts[2]!)) {
        stop('wrong-key', 'A reaction is keyed by the post, your own id and a known reaction.');
      }
    } else if (parts.length !== 2 || parts[1] !== this.sender) {
      stop('wrong-key', 'A confirmation is keyed by the post and your own id.');
    }
    if (isGone(item)) return;
    const value = plainValue(item) as Record<string, unknown> | undefined;
    if (
      typeof value !== 'object' ||
      value === null ||
      value.userId !== this.sender ||
      value.postId !== parts[0] ||
      (root === 'reactions' && value.reaction !== parts[2])
    ) {
      stop('wrong-value', 'The entry must name the post and yourself, as its key does.');
    }
  }

  private checkNested(item: Y.Item, place: Place): void {
    const parent = place.parent!;
    if (this.ownerOfItem(parent, place.fresh) !== this.sender) {
      stop('not-owner', 'Only its author may change a post or comment.');
    }
    const entry = this.entryOf(parent, place.fresh);
    if (!entry || !ENTRY_MAPS.has(entry.map)) stop('bad-shape', 'Nothing may be nested there.');
    const e = entry!;
    if (parent === e.item) this.checkField(item, e, place.key);
    else if (isTextType(parent) && item.countable) {
      const offset = Math.max(0, this.state(item.id.client) - item.id.clock);
      const from = item.id.clock + offset;
      const to = item.id.clock + item.length;
      const change = this.textOf(parent, e, place.fresh);
      const deleted = this.deleted.get(item.id.client);
      if (!deleted) {
        change.inserted += to - from;
        change.shownInserted += shownIn(item, from, to);
      } else {
        deleted.kept(from, to, (start, end) => {
          change.inserted += end - start;
          change.shownInserted += shownIn(item, start, end);
        });
      }
    }
  }

  private checkField(item: Y.Item, entry: Entry, key: string | null): void {
    if (key === null) stop('bad-shape', 'A post or comment is a map.');
    if (isGone(item)) return;
    const value = plainValue(item);
    switch (key) {
      case 'authorId':
        if (value !== this.sender) stop('wrong-author', 'You can only write in your own name.');
        this.authored.add(entry.item);
        return;
      case 'id':
        if (value !== entry.key) stop('wrong-value', 'An entry’s id is its key.');
        return;
      case 'important':
        if (!this.manager) stop('editors-only', 'Only the editors of this space mark posts important.');
        return;
      case 'text':
        if (!isTextType(item)) stop('bad-shape', 'The text of a post or comment is a Y.Text.');
        this.textOf(item, entry, true);
        return;
      case 'images':
        this.checkList(value, PostLimits.images, 'images');
        for (const image of value as unknown[]) {
          // An uploaded image's id, which goes into its address.
          const id = (image as { id?: unknown } | null)?.id;
          if (typeof id !== 'string' || !ROOM_ID_PATTERN.test(id))
            stop('bad-shape', 'An image is named by its id.');
          const alt = (image as { alt?: unknown } | null)?.alt;
          if (typeof alt === 'string' && alt.length > PostLimits.imageAlt) {
            stop('too-long', `An image description may be at most ${PostLimits.imageAlt} characters.`);
          }
        }
        return;
      case 'targetGroupIds':
        this.checkList(value, PostLimits.targetGroups, 'target groups');
        return;
      case 'mentions':
        this.checkList(value, PostLimits.mentions, 'mentions');
        return;
    }
  }

  private checkList(value: unknown, max: number, what: string): void {
    if (!Array.isArray(value)) stop('bad-shape', `The ${what} are a list.`);
    if ((value as unknown[]).length > max) stop('too-many', `At most ${max} ${what}.`);
  }

  private textOf(textItem: Y.Item, entry: Entry, fresh: boolean): TextChange {
    let change = this.texts.get(textItem);
    if (!change) {
      const before = fresh ? 0 : ((textItem.content as Y.ContentType).type as Y.Text).length;
      change = {
        entry,
        item: textItem,
        fresh,
        before,
        inserted: 0,
        removed: 0,
        shownInserted: 0,
        shownRemoved: 0
      };
      this.texts.set(textItem, change);
      this.entryTexts.set(entry.item, change);
    }
    return change;
  }

  private isDeletedNow(item: Y.Item): boolean {
    return this.deleted.get(item.id.client)?.has(item.id.clock) === true;
  }

  /** Deletions of server items: own items, or a manager removing a whole post or comment. */
  private checkDeletions(client: number, ranges: DeleteRanges): void {
    const known = this.state(client);
    if (known === 0) return;
    const structs = this.store.clients.get(client)!;
    ranges.each((start, end) => {
      const to = Math.min(end, known);
      if (start >= to) return;
      for (let i = Y.findIndexSS(structs, start); i < structs.length; i++) {
        const s = structs[i]!;
        if (s.id.clock >= to) break;
        if (!(s instanceof Y.Item) || s.deleted) continue;
        this.checkDeletion(s, Math.max(start, s.id.clock), Math.min(to, s.id.clock + s.length));
      }
    });
  }

  /** The deletion of clocks [from, to) of a server item. */
  private checkDeletion(item: Y.Item, from: number, to: number): void {
    const own = this.ctx.ownerOf(item.id.client) === this.sender;
    const entry = own && !item.countable ? null : this.entryOf(item, false);
    if (!own) {
      const moderated =
        this.manager && entry !== null && ENTRY_MAPS.has(entry.map) && this.isDeletedNow(entry.item);
      if (!moderated) stop('not-owner', 'Only its author (or an editor, removing it whole) may delete that.');
    }
    if (entry && item.countable) {
      const parent = (item.parent as AnyType)._item;
      if (parent && isTextType(parent)) {
        const change = this.textOf(parent, entry, false);
        change.removed += to - from;
        change.shownRemoved += shownIn(item, from, to);
      }
    }
  }

  private checkEntries(): void {
    for (const entry of this.newEntries) {
      if (!this.authored.has(entry.item)) stop('wrong-author', 'A new post or comment names its author.');
      const text = this.entryTexts.get(entry.item);
      if (!text || !this.showsText(text)) {
        stop('empty', entry.map === 'posts' ? 'A post needs some text.' : 'A comment needs some text.');
      }
    }
  }

  private checkTexts(): void {
    for (const change of this.texts.values()) {
      const { entry } = change;
      if (this.isDeletedNow(entry.item) || (!entry.fresh && entry.item.deleted)) continue;
      const length = change.before + change.inserted - change.removed;
      const limit = entry.map === 'posts' ? PostLimits.postText : PostLimits.commentText;
      const what = entry.map === 'posts' ? 'A post' : 'A comment';
      if (length > limit)
        stop('too-long', `${what} may be at most ${limit} characters (this one has ${length}).`);
      if (!this.showsText(change)) stop('empty', `${what} needs some text.`);
    }
  }

  /**
   * Whether the text holds something besides white space after the update (so also whether it
   * holds anything): the client refuses a blank post or comment, and so does the server. The
   * server's copy is read only when the update removes at least as much as it adds.
   */
  private showsText(change: TextChange): boolean {
    const net = change.shownInserted - change.shownRemoved;
    if (net > 0) return true;
    let before = 0;
    if (!change.fresh) {
      const type = (change.item.content as Y.ContentType).type;
      for (let n = type._start; n !== null; n = n.right) {
        if (!n.deleted && n.countable) before += shownIn(n, n.id.clock, n.id.clock + n.length);
      }
    }
    return before + net > 0;
  }
}

/**
 * Month partitions and targeted post rooms. On success, `claims` lists the unclaimed client
 * ids the update introduces: the server records them as the sender's before applying it.
 */
export function checkPostRoom(ctx: UpdateContext): ValidationResult {
  if (!ctx.space) return no('no-space', 'The space of this room is unknown.');
  const check = new PostRoomCheck(ctx);
  return runCheck(() => {
    check.run();
    return check.claims.size === 0 ? { ok: true } : { ok: true, claims: [...check.claims] };
  });
}

/** The rule for room kind `space`: the shared room or a month partition. */
export function spaceRule(ctx: UpdateContext): ValidationResult {
  if (ctx.room.kind === 'space' && ctx.room.month === null) return checkSpaceSharedRoom(ctx);
  return checkPostRoom(ctx);
}

/** The rule for room kind `post`: one targeted post, shaped like a month partition. */
export function postRule(ctx: UpdateContext): ValidationResult {
  return checkPostRoom(ctx);
}
