/**
 * Kiosk screens: devices in a break room that show chosen kiosk-visible spaces, read-only,
 * without a personal account.
 *
 * An admin registers a kiosk (name, location group, spaces, language) and gets a pairing link
 * with a one-time secret and a short human code, both valid for `pairingTtlMs`. The screen
 * presents either to `POST /api/kiosk/pair` and receives a device token (32 random bytes with
 * the `fk1_` prefix, so the sync side tells it from a session token without a lookup). Token,
 * secret and code are stored as SHA-256 hashes only; pairing clears the secret and code, and
 * pairing again replaces the token (the old device is refused from then on).
 *
 * What a kiosk reads, decided here from the tables on every check (closed by default):
 * - a space's rooms (shared room and month partitions) when the space is one of the kiosk's,
 *   is still kiosk-visible, and its audience is everyone or includes the kiosk's location group;
 * - a targeted post's room when its space qualifies as above and the post targets the kiosk's
 *   location group itself (a screen in Göteborg is read by Göteborg staff, so a post for
 *   Göteborg is shown there; a post for Malmö never reaches it);
 * - nothing else: not the directory, no person's room, no document. Always read-only.
 *
 * On the sync side a kiosk appears as a principal `kiosk:<id>` whose session id is also
 * `kiosk:<id>`; a `:` never occurs in a person's id, so the two cannot be confused.
 */
import crypto from 'node:crypto';
import type { Access, Room } from '../../src/lib/model/rooms';
import { postRoom, spaceRoom } from '../../src/lib/model/rooms';
import type { Db } from './db';
import { prepareKioskStatements, type KioskRow } from './kiosk-queries';
import type { ServerEvents } from './events';
import { hashToken, tokenHashOf } from './auth';
import { checkId, newId, OrgError, text, type ReadableRoom, type User } from './org-types';

export type KioskLanguage = 'sv' | 'en';
export const KIOSK_LANGUAGES: readonly KioskLanguage[] = ['sv', 'en'];

/** Prefix of a kiosk device token. */
export const KIOSK_TOKEN_PREFIX = 'fk1_';
const PRINCIPAL_PREFIX = 'kiosk:';
/** Letters and digits that cannot be mistaken for each other on a screen (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 8 characters of 31: about 40 bits, against at most `loginMaxFailures` guesses per window. */
const CODE_LENGTH = 8;
/** last_seen_at is written at most this often per kiosk. */
const LAST_SEEN_RESOLUTION_MS = 60_000;
export const KIOSK_NAME_MAX = 120;

export interface Kiosk {
  id: string;
  name: string;
  locationGroupId: string | null;
  spaceIds: string[];
  language: KioskLanguage;
  createdAt: number;
  lastSeenAt: number | null;
  revokedAt: number | null;
  /** A device holds a token. */
  paired: boolean;
  /** When the current pairing link and code expire; null when there is none. */
  pairingExpiresAt: number | null;
}

export interface Pairing {
  /** For the link `/kiosk?pair=<secret>`. */
  secret: string;
  /** For typing on the screen, e.g. `K7QM-3XPA` (the dash is optional). */
  code: string;
  expiresAt: number;
}

export interface KioskInput {
  name: string;
  locationGroupId: string | null;
  spaceIds: string[];
  language: KioskLanguage;
}

export const kioskPrincipalId = (kioskId: string): string => `${PRINCIPAL_PREFIX}${kioskId}`;

/** The kiosk id of a sync principal (`kiosk:<id>`), or null for a person's id. */
export function kioskIdOf(principal: string): string | null {
  return principal.startsWith(PRINCIPAL_PREFIX) ? principal.slice(PRINCIPAL_PREFIX.length) : null;
}

/**
 * A kiosk connection's session id, `kiosk:<id>:<start of the token's hash>`: tied to the token,
 * so that pairing the kiosk again (a new token) ends the connections made with the old one.
 */
export const kioskSessionId = (kioskId: string, tokenHash: string): string =>
  `${PRINCIPAL_PREFIX}${kioskId}:${tokenHash.slice(0, 16)}`;

/** The kiosk and token of a kiosk session id, or null for a person's session. */
export function parseKioskSession(sessionId: string): { kioskId: string; tokenHashStart: string } | null {
  const rest = kioskIdOf(sessionId);
  const colon = rest?.lastIndexOf(':') ?? -1;
  if (rest === null || colon < 0) return null;
  return { kioskId: rest.slice(0, colon), tokenHashStart: rest.slice(colon + 1) };
}

/** A code as typed: upper case, without spaces or dashes. */
export const normaliseCode = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export class Kiosks {
  private readonly stmts: ReturnType<typeof prepareKioskStatements>;

  constructor(
    private readonly db: Db,
    private readonly events: ServerEvents,
    private readonly pairingTtlMs: number
  ) {
    this.stmts = prepareKioskStatements(db);
  }

  private toKiosk(row: KioskRow): Kiosk {
    return {
      id: row.id,
      name: row.name,
      locationGroupId: row.location_group_id,
      spaceIds: this.stmts.spacesOf.all(row.id).map((r) => r.space_id),
      language: row.language,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      revokedAt: row.revoked_at,
      paired: row.token_hash !== null,
      pairingExpiresAt:
        row.pairing_expires_at !== null && row.pairing_expires_at > Date.now() ? row.pairing_expires_at : null
    };
  }

  /**
   * Checks a kiosk's fields; the spaces only when `checkSpaces` (a change that leaves them as they
   * were keeps a space that has stopped being kiosk-visible: it shows nothing until it is again).
   */
  private check(input: KioskInput, checkSpaces = true): KioskInput {
    const name = text(input.name, 'name', KIOSK_NAME_MAX, true);
    if (!KIOSK_LANGUAGES.includes(input.language)) throw new OrgError('invalid', 'The language is sv or en.');
    if (
      input.locationGroupId !== null &&
      this.stmts.locationGroup.get(input.locationGroupId)?.kind !== 'location'
    ) {
      throw new OrgError('invalid', 'The location must be a location group.');
    }
    const spaceIds = [...new Set(input.spaceIds)];
    for (const id of checkSpaces ? spaceIds : []) {
      if (this.stmts.kioskVisible.get(id)?.kiosk_visible !== 1) {
        throw new OrgError('invalid', `The space "${id}" does not exist or is not shown on kiosks.`);
      }
    }
    return { ...input, name, spaceIds };
  }

  private writeSpaces(id: string, spaceIds: string[]): void {
    this.stmts.clearSpaces.run(id);
    for (const spaceId of spaceIds) this.stmts.addSpace.run(id, spaceId);
  }

  /** Registers a kiosk and makes its first pairing. */
  create(input: KioskInput): { kiosk: Kiosk; pairing: Pairing } {
    const checked = this.check(input);
    const id = checkId(newId());
    return this.db.transaction(() => {
      this.stmts.insert.run({ ...checked, id, createdAt: Date.now() });
      this.writeSpaces(id, checked.spaceIds);
      const pairing = this.newPairing(id)!;
      return { kiosk: this.get(id)!, pairing };
    })();
  }

  /** Changes a kiosk; what it may read changes for its open connections at once. */
  update(id: string, patch: Partial<KioskInput>): Kiosk {
    const current = this.get(id);
    if (!current) throw new OrgError('not-found', 'No such kiosk.');
    const checked = this.check(
      {
        name: patch.name ?? current.name,
        locationGroupId:
          patch.locationGroupId === undefined ? current.locationGroupId : patch.locationGroupId,
        spaceIds: patch.spaceIds ?? current.spaceIds,
        language: patch.language ?? current.language
      },
      patch.spaceIds !== undefined
    );
    this.db.transaction(() => {
      this.stmts.update.run({ ...checked, id });
      this.writeSpaces(id, checked.spaceIds);
    })();
    this.events.emit('sessions-changed');
    return this.get(id)!;
  }

  get(id: string): Kiosk | null {
    const row = this.stmts.byId.get(id);
    return row ? this.toKiosk(row) : null;
  }

  list(): Kiosk[] {
    return this.stmts.all.all().map((row) => this.toKiosk(row));
  }

  /** A new pairing link and code (replacing any earlier one); null for an unknown or revoked kiosk. */
  newPairing(id: string): Pairing | null {
    const secret = crypto.randomBytes(32).toString('base64url');
    const code = newCode();
    const expiresAt = Date.now() + this.pairingTtlMs;
    const { changes } = this.stmts.setPairing.run({
      id,
      secretHash: hashToken(secret),
      codeHash: hashToken(normaliseCode(code)),
      expiresAt
    });
    return changes > 0 ? { secret, code, expiresAt } : null;
  }

  /**
   * Pairs the device presenting a pairing secret or code: returns the kiosk and its new device
   * token, or null when nothing valid matches (unknown, used, expired or revoked).
   */
  pair(secretOrCode: string): { kiosk: Kiosk; token: string } | null {
    const trimmed = secretOrCode.trim();
    if (trimmed.length === 0 || trimmed.length > 256) return null;
    const now = Date.now();
    // A code is short; a secret is 43 characters of base64url (case matters, so no normalising).
    const hash = hashToken(trimmed.length <= 12 ? normaliseCode(trimmed) : trimmed);
    const token = `${KIOSK_TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
    const paired = this.db.transaction(() => {
      const row = this.stmts.pairable.get({ hash, now });
      if (!row) return null;
      this.stmts.pair.run({ id: row.id, tokenHash: hashToken(token), now });
      return row.id;
    })();
    if (paired === null) return null;
    // A device paired before with another token is refused from now on.
    this.events.emit('sessions-changed');
    return { kiosk: this.get(paired)!, token };
  }

  /** The live kiosk a device token stands for, or null. Touches last seen. */
  authenticate(token: string): Kiosk | null {
    if (!token.startsWith(KIOSK_TOKEN_PREFIX)) return null;
    const hash = tokenHashOf(token);
    const row = hash === null ? undefined : this.stmts.byToken.get(hash);
    if (!row) return null;
    const now = Date.now();
    if (row.last_seen_at === null || now - row.last_seen_at >= LAST_SEEN_RESOLUTION_MS) {
      this.stmts.touch.run(now, row.id);
      row.last_seen_at = now;
    }
    return this.toKiosk(row);
  }

  /**
   * The kiosk while it is paired with the token whose hash starts with `tokenHashStart` and not
   * revoked (the sync side's periodic re-check); else null.
   */
  liveWith(id: string, tokenHashStart: string): Kiosk | null {
    const row = this.stmts.live.get(id);
    return row?.token_hash?.startsWith(tokenHashStart) ? this.toKiosk(row) : null;
  }

  /** Revokes a kiosk: its token, pairing and open connections end. True when one was revoked. */
  revoke(id: string): boolean {
    const { changes } = this.stmts.revoke.run(Date.now(), id);
    if (changes > 0) this.events.emit('sessions-changed');
    return changes > 0;
  }

  /** Removes a kiosk altogether (revoking it first). */
  remove(id: string): boolean {
    this.revoke(id);
    const { changes } = this.stmts.remove.run(id);
    return changes > 0;
  }

  /** Read access for a kiosk to a room, or null. Never write. */
  roomAccess(kioskId: string, room: Room): Access | null {
    switch (room.kind) {
      case 'space':
        return this.stmts.canReadSpace.get(kioskId, room.spaceId)!.n > 0 ? 'read' : null;
      case 'post':
        return this.stmts.canReadPost.get(kioskId, room.postId, room.spaceId)!.n > 0 ? 'read' : null;
      default:
        return null;
    }
  }

  /** Whether a kiosk may see an uploaded image (of a space it reads, or a post it reads). */
  canReadUpload(kioskId: string, upload: { spaceId: string; postId: string | null }): boolean {
    return upload.postId === null
      ? this.stmts.canReadSpace.get(kioskId, upload.spaceId)!.n > 0
      : this.stmts.canReadPost.get(kioskId, upload.postId, upload.spaceId)!.n > 0;
  }

  /** The spaces a kiosk reads now (id and name). */
  readableSpaces(kioskId: string): { id: string; name: string }[] {
    return this.stmts.readableSpaces.all(kioskId);
  }

  /** Every room a kiosk may open, all read-only. */
  readableRooms(kioskId: string): ReadableRoom[] {
    const rooms: ReadableRoom[] = this.readableSpaces(kioskId).map((s) => ({
      room: spaceRoom(s.id),
      access: 'read',
      kind: 'space',
      spaceId: s.id
    }));
    for (const post of this.stmts.readablePosts.all(kioskId)) {
      rooms.push({
        room: postRoom(post.space_id, post.id),
        access: 'read',
        kind: 'post',
        spaceId: post.space_id,
        postId: post.id
      });
    }
    return rooms;
  }

  /** Active people's names, for showing who wrote a post. */
  names(): { id: string; name: string }[] {
    return this.stmts.names.all();
  }

  /** The sync side's stand-in for a kiosk: never an admin or editor, never a room owner. */
  principal(kiosk: Kiosk): User {
    return {
      id: kioskPrincipalId(kiosk.id),
      email: '',
      name: kiosk.name,
      title: '',
      role: 'staff',
      active: true
    };
  }
}
