/**
 * Sessions, sign-in and sign-in throttling.
 *
 * A session token is 32 random bytes (base64url). The database keeps only its SHA-256, so a
 * copy of the database (a backup, a leaked file) cannot be replayed as anyone's session; the
 * session's separate random id is what lists, revocation and the sync side's checks use.
 *
 * Throttling: each failed sign-in is recorded under `account:<email>` and `address:<ip>`.
 * When either key holds `loginMaxFailures` failures within `loginWindowMs`, sign-in is refused
 * before the password is even looked at (a correct one too), until enough of those failures
 * age out. An attempt reserves its failure rows before the (asynchronous) scrypt runs and
 * gives them back if the password was right, so a burst of parallel guesses cannot all slip
 * past the check while the first ones are still hashing.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type { Config } from './config';
import type { Db } from './db';
import type { ServerEvents } from './events';
import { toUser, type Org, type User } from './org';
import { DUMMY_HASH, verifyPassword } from './passwords';

export const SESSION_COOKIE = 'fika_session';

/** Longest stored user agent; the rest is noise. */
const MAX_USER_AGENT = 256;
/** Longest token accepted for lookup (ours are 43 characters). */
const MAX_TOKEN_LENGTH = 256;
/** last_seen_at is written at most this often per session, so reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
/** Expired throttle rows are purged at most this often. */
const PURGE_INTERVAL_MS = 60_000;

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  userAgent: string;
}

export type LoginResult =
  | { ok: true; token: string; user: User; session: Session }
  | { ok: false; error: 'invalid-credentials' }
  | { ok: false; error: 'too-many-attempts'; retryAfterSeconds: number };

export type PasswordCheckResult =
  | { ok: true }
  | { ok: false; error: 'invalid-credentials' }
  | { ok: false; error: 'too-many-attempts'; retryAfterSeconds: number };

interface SessionRow {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  user_agent: string;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastSeenAt: row.last_seen_at,
  userAgent: row.user_agent
});

/** SHA-256 hex of a token: what the database stores and looks up. */
export const hashToken = (token: string): string => crypto.hash('sha256', token, 'hex');

/** The stored form of a presented token, or null when it cannot be one (empty or too long). */
export function tokenHashOf(token: string): string | null {
  return token.length === 0 || token.length > MAX_TOKEN_LENGTH ? null : hashToken(token);
}

const SESSION_COLUMNS = 's.id, s.user_id, s.created_at, s.expires_at, s.last_seen_at, s.user_agent';
const USER_COLUMNS = 'u.id AS u_id, u.email, u.name, u.title, u.role, u.active';

type UserCols = {
  u_id: string;
  email: string;
  name: string;
  title: string;
  role: User['role'];
  active: number;
};
const userOf = (row: UserCols): User => toUser({ ...row, id: row.u_id });

export class Auth {
  private readonly stmts;
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    private readonly org: Org,
    private readonly config: Config,
    private readonly events: ServerEvents
  ) {
    this.stmts = {
      insertSession: db.prepare(
        `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, user_agent)
         VALUES (@id, @userId, @tokenHash, @createdAt, @expiresAt, @createdAt, @userAgent)`
      ),
      byToken: db.prepare<[string, number], SessionRow & UserCols>(
        `SELECT ${SESSION_COLUMNS}, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.active = 1`
      ),
      // The sync side's periodic sweep runs this for every open connection: one indexed lookup.
      validUser: db.prepare<[string, number], UserCols>(
        `SELECT ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.active = 1`
      ),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?'),
      revoke: db.prepare<[number, string]>(
        'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'
      ),
      revokeOwned: db.prepare<[number, string, string]>(
        'UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL'
      ),
      revokeUser: db.prepare<[number, string, string]>(
        'UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL'
      ),
      listForUser: db.prepare<[string, number], SessionRow>(
        `SELECT ${SESSION_COLUMNS} FROM sessions s
         WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
         ORDER BY s.last_seen_at DESC, s.id`
      ),
      purgeSessions: db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?'),
      failuresSince: db.prepare<[string, number], { n: number }>(
        'SELECT COUNT(*) AS n FROM login_failures WHERE key = ? AND at > ?'
      ),
      nthFailureSince: db.prepare<[string, number, number], { at: number }>(
        'SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?'
      ),
      addFailure: db.prepare<[string, number]>('INSERT INTO login_failures (key, at) VALUES (?, ?)'),
      removeFailure: db.prepare<[number | bigint]>('DELETE FROM login_failures WHERE rowid = ?'),
      clearFailures: db.prepare<[string]>('DELETE FROM login_failures WHERE key = ?'),
      purgeFailures: db.prepare<[number]>('DELETE FROM login_failures WHERE at <= ?')
    };
  }

  // ---- sessions ----

  createSession(userId: string, userAgent: string): { token: string; session: Session } {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: Session = {
      id: crypto.randomBytes(12).toString('base64url'),
      userId,
      createdAt: now,
      expiresAt: now + this.config.sessionTtlMs,
      lastSeenAt: now,
      userAgent: userAgent.slice(0, MAX_USER_AGENT)
    };
    this.stmts.insertSession.run({ ...session, tokenHash: hashToken(token) });
    return { token, session };
  }

  /** The person and session a token stands for; null when unknown, expired, revoked or the person is inactive. */
  authenticate(token: string): { user: User; session: Session } | null {
    const hash = tokenHashOf(token);
    return hash === null ? null : this.authenticateHash(hash);
  }

  /** `authenticate` for a token already hashed with `tokenHashOf`. */
  authenticateHash(hash: string): { user: User; session: Session } | null {
    const now = Date.now();
    const row = this.stmts.byToken.get(hash, now);
    if (!row) return null;
    const session = toSession(row);
    if (now - session.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) {
      this.stmts.touch.run(now, session.id);
      session.lastSeenAt = now;
    }
    return { user: userOf(row), session };
  }

  /** The session's person, freshly loaded, while the session is valid and the person active; else null. */
  isSessionValid(sessionId: string): User | null {
    const row = this.stmts.validUser.get(sessionId, Date.now());
    return row ? userOf(row) : null;
  }

  /** Revokes a session (only if it belongs to `ownerId`, when given). True when one was revoked. */
  revokeSession(sessionId: string, ownerId?: string): boolean {
    const now = Date.now();
    const { changes } =
      ownerId === undefined
        ? this.stmts.revoke.run(now, sessionId)
        : this.stmts.revokeOwned.run(now, sessionId, ownerId);
    if (changes > 0) this.events.emit('sessions-changed');
    return changes > 0;
  }

  /** Revokes all of a person's sessions, except `keepSessionId` when given. Returns how many. */
  revokeUserSessions(userId: string, keepSessionId = ''): number {
    const { changes } = this.stmts.revokeUser.run(Date.now(), userId, keepSessionId);
    if (changes > 0) this.events.emit('sessions-changed');
    return changes;
  }

  /** A person's live sessions, most recently used first. */
  listSessions(userId: string): Session[] {
    return this.stmts.listForUser.all(userId, Date.now()).map(toSession);
  }

  // ---- sign-in ----

  /**
   * Signs in. Unknown email, inactive person and wrong password all give the same answer
   * after the same amount of work (one scrypt), so neither the reply nor its timing tells
   * which emails exist.
   */
  async login(email: string, password: string, address: string, userAgent: string): Promise<LoginResult> {
    const normalised = email.trim().toLowerCase();
    const accountKey = `account:${normalised}`;
    const reservation = this.reserveAttempt([accountKey, `address:${addressKey(address)}`]);
    if (!reservation.ok) return reservation;

    const credentials = this.org.findCredentials(normalised);
    const valid = await verifyPassword(password, credentials?.passwordHash ?? DUMMY_HASH);
    if (!credentials || !credentials.user.active || !valid) {
      return { ok: false, error: 'invalid-credentials' };
    }
    // Success: the reserved failures are given back, and the account's past failures forgiven.
    this.releaseAttempt(reservation.rowids);
    this.stmts.clearFailures.run(accountKey);
    const { token, session } = this.createSession(credentials.user.id, userAgent);
    return { ok: true, token, user: credentials.user, session };
  }

  /**
   * Checks a signed-in person's password (e.g. before changing it), under the same throttle
   * on their account key, so a stolen session cannot be used to guess the password.
   */
  async checkPassword(user: User, password: string): Promise<PasswordCheckResult> {
    const reservation = this.reserveAttempt([`account:${user.email.toLowerCase()}`]);
    if (!reservation.ok) return reservation;
    const credentials = this.org.findCredentials(user.email);
    const valid = await verifyPassword(password, credentials?.passwordHash ?? DUMMY_HASH);
    if (!credentials || credentials.user.id !== user.id || !valid) {
      return { ok: false, error: 'invalid-credentials' };
    }
    this.releaseAttempt(reservation.rowids);
    return { ok: true };
  }

  /**
   * Refuses when any key is at its failure limit; otherwise records one failure per key up
   * front (returned so a success can remove them). Synchronous, so check and record are atomic.
   * Also used by kiosk pairing, under its own keys.
   */
  reserveAttempt(
    keys: string[]
  ):
    | { ok: true; rowids: (number | bigint)[] }
    | { ok: false; error: 'too-many-attempts'; retryAfterSeconds: number } {
    const now = Date.now();
    this.purge(now);
    const since = now - this.config.loginWindowMs;
    let retryAfterMs = 0;
    for (const key of keys) {
      const count = this.stmts.failuresSince.get(key, since)!.n;
      if (count >= this.config.loginMaxFailures) {
        // The key is under the limit again once this many of its oldest failures have aged out.
        const nth = this.stmts.nthFailureSince.get(key, since, count - this.config.loginMaxFailures)!;
        retryAfterMs = Math.max(retryAfterMs, nth.at + this.config.loginWindowMs - now);
      }
    }
    if (retryAfterMs > 0) {
      return {
        ok: false,
        error: 'too-many-attempts',
        retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000))
      };
    }
    const rowids = this.db.transaction(() =>
      keys.map((key) => this.stmts.addFailure.run(key, now).lastInsertRowid)
    )();
    return { ok: true, rowids };
  }

  releaseAttempt(rowids: (number | bigint)[]): void {
    this.db.transaction(() => {
      for (const rowid of rowids) this.stmts.removeFailure.run(rowid);
    })();
  }

  /** Opportunistic clean-up of aged-out failures and long-expired sessions. */
  private purge(now: number): void {
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    this.stmts.purgeFailures.run(now - this.config.loginWindowMs);
    // Expired sessions are kept a while so "signed out: session expired" stays explainable.
    this.stmts.purgeSessions.run(now - 30 * 24 * 3600 * 1000);
  }
}

/** Reads one cookie's value from a Cookie header (no dependency on a framework's parser). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

export type TokenSource = 'bearer' | 'cookie';

type Headers = Record<string, string | string[] | undefined>;

/**
 * The session token a request carries and where it came from: `Authorization: Bearer <token>`
 * first, else the `fika_session` cookie. Works on plain Node headers, so the sync upgrade can
 * use it too. The source matters for cross-site checks: only a cookie is sent by the browser
 * on its own.
 */
export function credentialFromRequest(headers: Headers): { token: string; source: TokenSource } | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization);
    if (match?.[1]) return { token: match[1], source: 'bearer' };
  }
  const cookie = headers.cookie;
  const value = readCookie(Array.isArray(cookie) ? cookie.join('; ') : cookie, SESSION_COOKIE);
  return value ? { token: value, source: 'cookie' } : null;
}

/** The session token a request carries (Bearer header, else cookie), or null. */
export function tokenFromRequest(headers: Headers): string | null {
  return credentialFromRequest(headers)?.token ?? null;
}

/**
 * What the limits per address count a client address as: an IPv6 address by its /64 network,
 * which one household or one machine usually has whole (so a new address in it is not a new
 * client); an IPv4 address, also one written as IPv6, by itself.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(address)) return address;
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const start = groups(head);
  const end = tail === undefined ? [] : groups(tail);
  // An IPv4 address written at the end holds the last two groups.
  const endLength = end.length + (end.at(-1)?.includes('.') ? 1 : 0);
  const full = [...start, ...Array<string>(Math.max(0, 8 - start.length - endLength)).fill('0'), ...end];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
