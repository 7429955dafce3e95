/**
 * How the tabs of one browser share catching up with closed rooms (room-budget.ts `CatchUp`):
 * a tab catches up a room only while no other tab is catching it up, and afterwards keeps the
 * room's mark in the device's store, where the others find it and skip the room.
 *
 * With Web Locks, a lock per room says who is at it (`withRoomLock`). A page served over plain
 * HTTP from anywhere but localhost has none (no secure context); there the tabs say on a
 * BroadcastChannel which room each takes and when it is done (`ChannelClaims`). Without the
 * claims, tabs going down the list of rooms at their own pace would, once one reached another,
 * take each room together from then on, each doing all of what was left: four tabs then caught
 * up no faster than one. Two tabs claiming the same room in the same moment both catch it up,
 * which costs a little time and nothing else.
 */

/** How long a claim holds without its release: a room's catch-up gives up after 30 s. */
export const CLAIM_MS = 40_000;
const CHANNEL = 'fika-catch-up';

type ClaimMessage = { kind: 'claim' | 'release'; room: string };

/** Rooms other tabs are catching up now, as they said on the channel. */
export class ChannelClaims {
  readonly #channel: BroadcastChannel;
  /** Room → when another tab claimed it (performance.now()). */
  readonly #others = new Map<string, number>();

  /** `claimMs`: how long a claim holds without its release (`CLAIM_MS`; tests shorten it). */
  constructor(private readonly claimMs = CLAIM_MS) {
    this.#channel = new BroadcastChannel(CHANNEL);
    this.#channel.onmessage = ({ data }: MessageEvent<ClaimMessage>) => {
      if (typeof data !== 'object' || data === null || typeof data.room !== 'string') return;
      if (data.kind === 'claim') this.#others.set(data.room, performance.now());
      else if (data.kind === 'release') this.#others.delete(data.room);
    };
  }

  /** Whether another tab is catching up `room` now. */
  claimedElsewhere(room: string): boolean {
    const at = this.#others.get(room);
    if (at === undefined) return false;
    if (performance.now() - at < this.claimMs) return true;
    this.#others.delete(room); // that tab went away without a word
    return false;
  }

  /** Runs `fn` having claimed `room`, or does nothing when another tab has claimed it. */
  async run(room: string, fn: () => Promise<void>): Promise<void> {
    if (this.claimedElsewhere(room)) return;
    this.#channel.postMessage({ kind: 'claim', room } satisfies ClaimMessage);
    try {
      await fn();
    } finally {
      this.#channel.postMessage({ kind: 'release', room } satisfies ClaimMessage);
    }
  }

  close(): void {
    this.#channel.close();
  }
}

/** One per page: every engine of the page shares it. */
let pageClaims: ChannelClaims | null = null;

/**
 * Runs `fn` holding this device's claim on catching up `room`, or does nothing when another tab
 * holds it: a Web Lock where there are locks, else a claim on the channel. Outside a browser,
 * just runs `fn`.
 */
export async function withRoomLock(room: string, fn: () => Promise<void>): Promise<void> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (locks) {
    await locks.request(`fika-catch-up:${room}`, { ifAvailable: true }, async (lock) => {
      if (lock) await fn();
    });
    return;
  }
  if (typeof window === 'undefined' || typeof BroadcastChannel === 'undefined') return fn();
  pageClaims ??= new ChannelClaims();
  return pageClaims.run(room, fn);
}

/**
 * The rooms to catch up, in the order this tab takes them. With Web Locks, the tabs keep the
 * order (most immediate first). Without, each starts at its own random place in the list, so that
 * they do not all claim the same first rooms in the same moment.
 */
export function spreadForTabs(rooms: string[]): string[] {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (locks || typeof window === 'undefined' || rooms.length < 2) return rooms;
  const start = Math.floor(Math.random() * rooms.length);
  return [...rooms.slice(start), ...rooms.slice(0, start)];
}
