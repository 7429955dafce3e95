/**
 * How many rooms this device keeps connected, and which.
 *
 * Each open room is one WebSocket, and a browser allows some 255 of them in all, over every tab
 * and site (Chromium refuses the 256th at once; Firefox allows 200 to one server). A person may
 * read more rooms than that: every document of the library, every targeted post, three rooms per
 * space. So a tab keeps at most `MAX_OPEN_ROOMS` open. When it wants more, the most immediate
 * ones stay open (the directory and the person's own room, this month's posts, the spaces' shared
 * rooms, targeted posts, last month's posts, then documents), and the rest are kept closed and
 * caught up now and then: the engine asks the server which of them changed (`fetchVersions`) and
 * opens those, a tenth of the connections at a time, until each has synced. A room being changed, edited or
 * holding unsaved changes is always open. Below the limit every room stays open, as before.
 */
import { api, ApiFailure } from '../api';
import { parseRoomName, type Access } from '../model/rooms';
import type { RoomSync } from './room-sync';
import { spreadForTabs, withRoomLock } from './catch-up-claims';

/**
 * The most rooms one tab keeps connected at once, catching up included; less when several tabs
 * are open (`tabShare`).
 */
export const MAX_OPEN_ROOMS = 80;

/**
 * The most rooms all tabs of this app keep connected together: within Chromium's 255 and
 * Firefox's 200, with some left for other sites.
 */
export const BROWSER_OPEN_ROOMS = 180;
/** The fewest rooms a tab keeps connected, however many tabs are open. */
export const MIN_TAB_ROOMS = 20;

/**
 * A tab's share of the browser's connections when `tabs` tabs of this app are open (see
 * tab-census.ts): all `MAX_OPEN_ROOMS` for one or two tabs, 60 each for three, 45 for four.
 */
export function tabShare(tabs: number): number {
  const share = Math.floor(BROWSER_OPEN_ROOMS / Math.max(1, tabs));
  return Math.max(MIN_TAB_ROOMS, Math.min(MAX_OPEN_ROOMS, share));
}

/** Of `max` connections, how many catch up with closed rooms at once (8 of 80). */
export function catchUpSlots(max: number): number {
  return Math.max(1, Math.ceil(max / 10));
}
/** The most rooms one request for versions asks about (as the server allows). */
const VERSIONS_PER_REQUEST = 1000;
/** How often the closed rooms are caught up. */
const CATCH_UP_MS = 30_000;
/** How soon rooms newly kept closed are first caught up. */
const CATCH_UP_SOON_MS = 1000;
/** How long catching up waits for one room to sync. */
const ROOM_TIMEOUT_MS = 30_000;

/** Lower first: which rooms stay open when not all can. */
function rank(name: string, month: string): number {
  const room = parseRoomName(name);
  switch (room?.kind) {
    case 'org':
    case 'user':
      return 0;
    case 'space':
      return room.month === null ? 2 : room.month >= month ? 1 : 4;
    case 'post':
      return 3;
    case 'doc':
      return 5;
    default:
      return 6;
  }
}

export interface RoomSplit {
  /** The rooms to keep connected. */
  open: Map<string, Access>;
  /** The rooms kept closed and caught up now and then, most immediate first. */
  closed: Map<string, Access>;
}

/**
 * Splits the wanted rooms (see wanted-rooms.ts) into those kept open and those caught up now and
 * then: `max` rooms less `catchUpSlots(max)`, which are left for catching up. Rooms in `keep`
 * (held open, or holding unsaved changes) are always open, past that if need be, taking from
 * what catching up may use (see `CatchUp`). `month` is this month (`YYYY-MM`).
 */
export function splitRooms(
  wanted: Map<string, Access>,
  keep: ReadonlySet<string>,
  month: string,
  max = MAX_OPEN_ROOMS
): RoomSplit {
  if (wanted.size <= max) return { open: new Map(wanted), closed: new Map() };
  const order = [...wanted.keys()];
  const ranks = new Map(order.map((name) => [name, rank(name, month)]));
  // Stable: within a rank, the order wanted-rooms.ts gives.
  order.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
  const open = new Map<string, Access>();
  const closed = new Map<string, Access>();
  // The ranked rooms fill what catching up leaves; rooms kept open come on top, out of the
  // connections left for catching up, so that holding one open never closes another.
  const budget = Math.max(0, max - catchUpSlots(max));
  let ranked = 0;
  for (const name of order) {
    const access = wanted.get(name)!;
    if (ranked < budget) {
      open.set(name, access);
      ranked++;
    } else if (keep.has(name)) open.set(name, access);
    else closed.set(name, access);
  }
  return { open, closed };
}

/** Room name → an opaque mark that changes whenever something is committed to the room. */
export type RoomVersions = Record<string, string>;

/**
 * The marks of `rooms` that the asker may read, from `POST /api/sync/versions`, asked in chunks
 * of what the server takes; `ask` sends one chunk with the asker's credentials.
 */
export async function versionsInChunks(
  rooms: string[],
  ask: (chunk: string[]) => Promise<{ versions: RoomVersions }>
): Promise<RoomVersions> {
  const versions: RoomVersions = {};
  for (let i = 0; i < rooms.length; i += VERSIONS_PER_REQUEST) {
    Object.assign(versions, (await ask(rooms.slice(i, i + VERSIONS_PER_REQUEST))).versions);
  }
  return versions;
}

/** The marks of `rooms` the signed-in person may read (the session cookie). */
export function fetchVersions(rooms: string[]): Promise<RoomVersions> {
  return versionsInChunks(rooms, (chunk) => api('/sync/versions', { body: { rooms: chunk } }));
}

/**
 * Resolves true once `room` has synced, false if `open()` turns false first (the room was closed
 * or refused) or `ms` pass.
 */
export async function syncedWithin(room: RoomSync, open: () => boolean, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const started = Date.now();
  const failed = new Promise<boolean>((resolve) => {
    timer = setInterval(() => {
      if (!open() || Date.now() - started >= ms) resolve(false);
    }, 200);
  });
  try {
    return await Promise.race([room.synced.then(() => true), failed]);
  } finally {
    clearInterval(timer);
  }
}

/** What catching up needs from the engine. */
export interface CatchUpHost {
  /** Opens a room; the engine keeps it open while `CatchUp.has` says so. */
  open(name: string, access: Access): RoomSync;
  /** Whether `room` is still open (not closed or refused since). */
  isOpen(room: RoomSync): boolean;
  /** How many rooms are open now. */
  openCount(): number;
  online(): boolean;
  /** A room has caught up (or given up): close it unless it is wanted open now. */
  done(): void;
  failed(what: string, err: unknown): void;
}

/**
 * Where the marks of the closed rooms' last catch-up are kept between starts; the device's, so
 * shared by its tabs.
 */
export interface CaughtUpStore {
  load(): Promise<Record<string, string> | null>;
  /** Adds or replaces one room's mark, leaving the others as they are. */
  keep(room: string, mark: string): Promise<void>;
  /** Forgets the marks of every room but `rooms`. */
  prune(rooms: string[]): Promise<void>;
}

export interface CatchUpOptions {
  /** The most rooms the engine keeps open (`MAX_OPEN_ROOMS` by default). */
  maxOpenRooms?: number;
  intervalMs?: number;
  versions?: (rooms: string[]) => Promise<RoomVersions>;
  /** Without one, every closed room is caught up once after each start. */
  store?: CaughtUpStore;
}

/**
 * The rooms kept closed, caught up now and then: asks the server which of them changed since
 * they were last caught up, and opens those (`catchUpSlots` at a time) until each has synced.
 * Rooms newly kept closed are caught up within a second; then every `intervalMs`. Offline,
 * nothing is asked; the first pass after the network is back comes at once.
 *
 * Each room's mark is kept (`store`) as soon as it has caught up, so that a new start opens only
 * the rooms that changed since; by then the room's document is on the device (y-dexie stores each
 * update as it arrives, and the room's rows were written before it counted as synced). The store
 * is the device's, shared by its tabs: a tab reads it again before each room, skipping a room
 * another tab has caught up to the same mark, and skips for now a room another tab is catching
 * up (catch-up-claims.ts), so that several tabs share the work rather than each doing all of it.
 */
export class CatchUp {
  readonly #host: CatchUpHost;
  readonly #intervalMs: number;
  #max: number;
  #slots: number;
  readonly #versions: (rooms: string[]) => Promise<RoomVersions>;
  readonly #store: CaughtUpStore | null;
  /** The rooms kept closed, most immediate first. */
  #closed = new Map<string, Access>();
  /** Closed rooms open now to catch up. */
  readonly #active = new Set<string>();
  /** The mark each closed room had when it last caught up. */
  readonly #caughtUp = new Map<string, string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the timer fires (Date.now()). */
  #due = 0;
  #running = false;
  /** A room was newly kept closed while a pass ran. */
  #grew = false;
  #stopped = false;
  /** A room caught up in this pass (the kept marks are then pruned at its end). */
  #caughtUpInPass = false;

  constructor(host: CatchUpHost, options: CatchUpOptions = {}) {
    this.#host = host;
    this.#intervalMs = options.intervalMs ?? CATCH_UP_MS;
    this.#max = options.maxOpenRooms ?? MAX_OPEN_ROOMS;
    this.#slots = catchUpSlots(this.#max);
    this.#versions = options.versions ?? fetchVersions;
    this.#store = options.store ?? null;
  }

  /** The most rooms the engine keeps open now. */
  get max(): number {
    return this.#max;
  }

  /** A new most rooms open at once (the engine's share changed with the tabs open). */
  setMax(max: number): void {
    this.#max = max;
    this.#slots = catchUpSlots(max);
  }

  /** Whether the room is open to catch up now. */
  has(name: string): boolean {
    return this.#active.has(name);
  }

  /** The rooms to keep closed from now on (see `splitRooms`). */
  keepClosed(closed: Map<string, Access>): void {
    const grew = [...closed.keys()].some((name) => !this.#closed.has(name) && !this.#caughtUp.has(name));
    this.#closed = closed;
    for (const name of this.#caughtUp.keys()) if (!closed.has(name)) this.#caughtUp.delete(name);
    if (!grew) return;
    if (this.#running) this.#grew = true;
    else this.#schedule(CATCH_UP_SOON_MS);
  }

  /** The network is back: catch up now. */
  soon(): void {
    if (this.#closed.size > 0) this.#schedule(CATCH_UP_SOON_MS);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs a pass after `delay`, or sooner if one is due sooner. */
  #schedule(delay: number): void {
    if (this.#stopped || this.#running) return;
    const due = Date.now() + delay;
    if (this.#timer !== null) {
      if (this.#due <= due) return;
      clearTimeout(this.#timer);
    }
    this.#due = due;
    this.#timer = setTimeout(() => void this.#pass(), delay);
  }

  async #pass(): Promise<void> {
    this.#timer = null;
    if (this.#stopped || this.#closed.size === 0) return;
    this.#running = true;
    this.#grew = false;
    try {
      if (this.#host.online()) {
        const names = [...this.#closed.keys()];
        const versions = await this.#versions(names);
        await this.#takeKept(versions);
        const due = spreadForTabs(
          names.filter((n) => versions[n] !== undefined && versions[n] !== this.#caughtUp.get(n))
        );
        const worker = async () => {
          for (let name = due.shift(); name !== undefined && !this.#stopped; name = due.shift()) {
            await this.#room(name, versions[name]!);
          }
        };
        this.#caughtUpInPass = false;
        await Promise.all(Array.from({ length: this.#slots }, worker));
        if (this.#caughtUpInPass) await this.#prune();
      }
    } catch (err) {
      if (!(err instanceof ApiFailure && err.error === 'offline')) this.#host.failed('catching up', err);
    } finally {
      this.#running = false;
      if (this.#closed.size > 0) this.#schedule(this.#grew ? CATCH_UP_SOON_MS : this.#intervalMs);
    }
  }

  /**
   * Takes the kept marks (this tab's or another's) that are the rooms' marks now: those rooms
   * are on the device as they are on the server.
   */
  async #takeKept(versions: RoomVersions): Promise<void> {
    const kept = (await this.#store?.load()) ?? {};
    for (const name of this.#closed.keys()) {
      const mark = kept[name];
      if (mark !== undefined && mark === versions[name]) this.#caughtUp.set(name, mark);
    }
  }

  /** Whether the room's kept mark is `version` (another tab may have caught it up meanwhile). */
  async #keptAt(name: string, version: string): Promise<boolean> {
    if ((await this.#store?.load())?.[name] !== version) return false;
    this.#caughtUp.set(name, version);
    return true;
  }

  /**
   * Forgets the kept marks of rooms no longer kept closed (all tabs of a person want the same
   * rooms, so another tab's are among them).
   */
  async #prune(): Promise<void> {
    await this.#store?.prune([...this.#closed.keys()]);
  }

  /**
   * Opens a closed room until it has synced, then lets it go. Not while all connections are in
   * use (rooms held open took the ones left for catching up): it waits for the next pass then.
   * Nor when another tab caught it up to this mark meanwhile, or is catching it up now.
   */
  async #room(name: string, version: string): Promise<void> {
    const access = this.#closed.get(name);
    if (access === undefined || this.#stopped) return;
    await withRoomLock(name, async () => {
      if (this.#stopped || (await this.#keptAt(name, version))) return;
      if (this.#host.openCount() >= this.#max) return;
      this.#active.add(name);
      try {
        const room = this.#host.open(name, access);
        const open = () => this.#host.isOpen(room) && this.#host.online();
        if (await syncedWithin(room, open, ROOM_TIMEOUT_MS)) {
          this.#caughtUp.set(name, version);
          this.#caughtUpInPass = true;
          // Kept before the lock is let go: a tab that takes it next finds the room caught up.
          await this.#store?.keep(name, version);
        }
      } finally {
        this.#active.delete(name);
        if (!this.#stopped) this.#host.done();
      }
    });
  }
}
