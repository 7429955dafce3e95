/**
 * The sync side's view of sign-in and access, remembered between changes.
 *
 * When many connections arrive at once (a shift starts, or every device reconnects after a
 * server restart) each one would otherwise run the same token and access queries. Answers are
 * kept for at most `ttlMs` and all forgotten at once on any organisation or session change, so
 * a revocation, a deactivation or a changed audience takes effect for new connections exactly
 * as without the cache. Open connections are re-checked by the sync service's sweep, which
 * reads the database directly (`isSessionValid`).
 *
 * The space contexts the rules ask for on every update to a space are kept until the next such
 * change (or until the table reaches its bound), not for `ttlMs`: they depend on nothing else,
 * and a writer posting once a minute would otherwise read three tables for nearly every post.
 */
import { spaceRoom, type Access, type Room } from '../../src/lib/model/rooms';
import type { SpaceContext } from '../../src/lib/model/validation';
import { tokenHashOf, type Auth, type Session } from './auth';
import type { ServerEvents } from './events';
import type { Org } from './org';
import type { User } from './org-types';
import { KIOSK_TOKEN_PREFIX, kioskIdOf, kioskSessionId, parseKioskSession, type Kiosks } from './kiosks';
import type { SyncAuthority } from './sync';

export interface CacheOptions {
  /** How long an answer is reused at most, in milliseconds. */
  ttlMs: number;
  /** Entries per table before the table is emptied (a bound, not a working size). */
  maxEntries: number;
}

const DEFAULTS: CacheOptions = { ttlMs: 5000, maxEntries: 10_000 };

interface Entry<T> {
  value: T;
  at: number;
}

export class CachedAuthority implements SyncAuthority<User> {
  private readonly sessions = new Map<string, Entry<{ user: User; session: Session }>>();
  private readonly access = new Map<string, Entry<Access | null>>();
  /** Kept until the organisation changes, so with no time of their own. */
  private readonly spaces = new Map<string, SpaceContext | null>();
  private readonly opts: CacheOptions;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly auth: Auth,
    private readonly org: Org,
    events: ServerEvents,
    opts: Partial<CacheOptions> = {},
    /** Kiosk screens: their device tokens authenticate as read-only principals (kiosks.ts). */
    private readonly kiosks: Kiosks | null = null
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    events.on('org-changed', () => this.clear());
    events.on('sessions-changed', () => this.clear());
    // Sign-in and access answers are only worth keeping for a burst: forgetting all of them every
    // interval keeps the tables small (an entry lives at most twice the interval) without
    // tracking each one.
    this.timer = setInterval(() => {
      this.sessions.clear();
      this.access.clear();
    }, this.opts.ttlMs).unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.clear();
  }

  clear(): void {
    this.sessions.clear();
    this.access.clear();
    this.spaces.clear();
  }

  authenticate(token: string): { user: User; session: Session } | null {
    const key = tokenHashOf(token);
    if (key === null) return null;
    if (token.startsWith(KIOSK_TOKEN_PREFIX)) return this.authenticateKiosk(token);
    const now = Date.now();
    const hit = this.sessions.get(key);
    if (hit && now - hit.at < this.opts.ttlMs && hit.value.session.expiresAt > now) return hit.value;
    const found = this.auth.authenticateHash(key);
    if (!found) {
      this.sessions.delete(key);
      return null;
    }
    remember(this.sessions, key, { value: found, at: now }, this.opts.maxEntries);
    return found;
  }

  /**
   * A kiosk's device token: read from the table every time (a kiosk opens a few rooms, and a
   * revocation must refuse the very next connection).
   */
  private authenticateKiosk(token: string): { user: User; session: Session } | null {
    const kiosk = this.kiosks?.authenticate(token);
    if (!kiosk) return null;
    const user = this.kiosks!.principal(kiosk);
    const session: Session = {
      id: kioskSessionId(kiosk.id, tokenHashOf(token)!),
      userId: user.id,
      createdAt: kiosk.createdAt,
      expiresAt: Number.MAX_SAFE_INTEGER,
      lastSeenAt: kiosk.lastSeenAt ?? kiosk.createdAt,
      userAgent: ''
    };
    return { user, session };
  }

  isSessionValid(sessionId: string): User | null {
    const kioskSession = parseKioskSession(sessionId);
    if (kioskSession !== null) {
      const kiosk = this.kiosks?.liveWith(kioskSession.kioskId, kioskSession.tokenHashStart);
      return kiosk ? this.kiosks!.principal(kiosk) : null;
    }
    return this.auth.isSessionValid(sessionId);
  }

  roomAccess(user: User, room: Room): Access | null {
    // A kiosk reads its spaces' rooms and nothing else, never writes; checked against the
    // tables every time, so a changed or revoked kiosk loses access at the next check.
    const kioskId = kioskIdOf(user.id);
    if (kioskId !== null) return this.kiosks?.roomAccess(kioskId, room) ?? null;
    const now = Date.now();
    const key = `${user.id}\n${room.name}`;
    const hit = this.access.get(key);
    if (hit && now - hit.at < this.opts.ttlMs) return hit.value;
    const current = this.org.getUser(user.id);
    const access = current ? this.org.roomAccess(current, room) : null;
    remember(this.access, key, { value: access, at: now }, this.opts.maxEntries);
    return access;
  }

  /** Asked for every update to a space or post room: remembered until the organisation changes. */
  spaceContext(user: User, spaceId: string): SpaceContext | null {
    if (kioskIdOf(user.id) !== null) return null;
    const key = `${user.id}\n${spaceId}`;
    const hit = this.spaces.get(key);
    if (hit !== undefined) return hit;
    const value = readSpaceContext(this.org, user.id, spaceId);
    remember(this.spaces, key, value, this.opts.maxEntries);
    return value;
  }
}

/** A space's posting policy and whether the person manages it, read from the tables. */
function readSpaceContext(org: Org, userId: string, spaceId: string): SpaceContext | null {
  const user = org.getUser(userId);
  const space = org.getSpace(spaceId);
  if (!user || !space) return null;
  const staffRole = user.role !== 'admin' && user.role !== 'editor';
  const room: Room = { kind: 'space', name: spaceRoom(spaceId), spaceId, month: null };
  const manager = !staffRole && org.roomAccess(user, room) !== null;
  return { id: space.id, postingPolicy: space.postingPolicy, manager };
}

function remember<V>(map: Map<string, V>, key: string, entry: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.clear();
  map.set(key, entry);
}
