/**
 * Kiosk screens' routes: the admin's under `/api/admin/kiosks` (register, list with last seen,
 * change, new pairing, revoke, remove) and the device's under `/api/kiosk` (pair, its view).
 * Registered by api.ts inside its `/api` scope (same validator and error shape).
 *
 * A device authenticates with its token as `Authorization: Bearer fk1_…` or the `fika_kiosk`
 * cookie that pairing sets (so that `<img>` requests for its spaces' images carry it). Pairing
 * is throttled per address like sign-in, and a wrong or expired secret or code gets the same
 * answer either way.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Api, PreHandler } from './api-types';
import { ROOM_ID_PATTERN } from '../../src/lib/model/rooms';
import type { Auth } from './auth';
import { addressKey, credentialFromRequest, readCookie } from './auth';
import type { Org } from './org';
import { ApiError } from './api-error';
import {
  KIOSK_LANGUAGES,
  KIOSK_NAME_MAX,
  KIOSK_TOKEN_PREFIX,
  type Kiosk,
  type KioskInput,
  type Kiosks,
  type Pairing
} from './kiosks';

export const KIOSK_COOKIE = 'fika_kiosk';
/** The kiosk cookie outlives any reasonable screen; revocation, not expiry, ends it. */
const KIOSK_COOKIE_MAX_AGE_S = 10 * 365 * 24 * 3600;

export interface KioskDeps {
  org: Org;
  auth: Auth;
  kiosks: Kiosks;
  adminOnly: { preHandler: PreHandler[] };
  /** Cookie flags as for the session cookie. */
  cookieOptions: (request: FastifyRequest) => object;
  /** Marks a request as a kiosk's (see `kioskRequest`). */
  kioskOnly: { preHandler: PreHandler };
  kioskOf: (request: FastifyRequest) => Kiosk;
}

const id = { type: 'string', pattern: ROOM_ID_PATTERN.source } as const;
const idParams = {
  type: 'object',
  properties: { id },
  required: ['id'],
  additionalProperties: false
} as const;
const kioskFields = {
  name: { type: 'string', minLength: 1, maxLength: KIOSK_NAME_MAX },
  locationGroupId: { anyOf: [id, { type: 'null' }] },
  spaceIds: { type: 'array', items: id, maxItems: 50 },
  language: { type: 'string', enum: [...KIOSK_LANGUAGES] }
} as const;
const newKioskBody = {
  type: 'object',
  properties: kioskFields,
  required: ['name', 'spaceIds', 'language'],
  additionalProperties: false
} as const;
const kioskPatchBody = {
  type: 'object',
  properties: kioskFields,
  additionalProperties: false,
  minProperties: 1
} as const;
const pairBody = {
  type: 'object',
  properties: {
    secret: { type: 'string', minLength: 1, maxLength: 256 },
    code: { type: 'string', minLength: 1, maxLength: 32 }
  },
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1
} as const;

type NewKioskBody = Omit<KioskInput, 'locationGroupId'> & { locationGroupId?: string | null };
type KioskPatchBody = Partial<KioskInput>;
interface PairBody {
  secret?: string;
  code?: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A kiosk as the admin sees it: never its token, secret or code hashes. */
export function publicKiosk(kiosk: Kiosk) {
  return {
    id: kiosk.id,
    name: kiosk.name,
    locationGroupId: kiosk.locationGroupId,
    spaceIds: kiosk.spaceIds,
    language: kiosk.language,
    createdAt: iso(kiosk.createdAt),
    lastSeenAt: iso(kiosk.lastSeenAt),
    revokedAt: iso(kiosk.revokedAt),
    paired: kiosk.paired,
    pairingExpiresAt: iso(kiosk.pairingExpiresAt)
  };
}

const publicPairing = (pairing: Pairing) => ({
  code: pairing.code,
  link: `/kiosk?pair=${pairing.secret}`,
  expiresAt: iso(pairing.expiresAt)
});

/**
 * The kiosk token a request carries: a Bearer token with the kiosk prefix, else the kiosk
 * cookie when the request carries no person's credential (a person's session wins, so an
 * admin's browser that once paired a screen still acts as the admin).
 */
export function kioskTokenOf(request: FastifyRequest): string | null {
  const credential = credentialFromRequest(request.headers);
  if (credential?.source === 'bearer') {
    return credential.token.startsWith(KIOSK_TOKEN_PREFIX) ? credential.token : null;
  }
  if (credential) return null;
  const cookie = readCookie(request.headers.cookie, KIOSK_COOKIE);
  return cookie?.startsWith(KIOSK_TOKEN_PREFIX) ? cookie : null;
}

export function registerKioskRoutes<L extends FastifyBaseLogger>(api: Api<L>, deps: KioskDeps): void {
  const { org, auth, kiosks, adminOnly, cookieOptions, kioskOnly, kioskOf } = deps;

  // ---- admin ----

  api.get('/admin/kiosks', adminOnly, async () => ({ kiosks: kiosks.list().map(publicKiosk) }));

  api.post<{ Body: NewKioskBody }>(
    '/admin/kiosks',
    { ...adminOnly, schema: { body: newKioskBody } },
    async (request, reply) => {
      const { kiosk, pairing } = kiosks.create({
        ...request.body,
        locationGroupId: request.body.locationGroupId ?? null
      });
      return reply.code(201).send({ kiosk: publicKiosk(kiosk), pairing: publicPairing(pairing) });
    }
  );

  api.patch<{ Params: { id: string }; Body: KioskPatchBody }>(
    '/admin/kiosks/:id',
    { ...adminOnly, schema: { params: idParams, body: kioskPatchBody } },
    async (request) => publicKiosk(kiosks.update(request.params.id, request.body))
  );

  api.post<{ Params: { id: string } }>(
    '/admin/kiosks/:id/pairing',
    { ...adminOnly, schema: { params: idParams } },
    async (request) => {
      const pairing = kiosks.newPairing(request.params.id);
      if (!pairing) throw new ApiError(404, 'not-found', 'No such kiosk, or it was revoked.');
      return publicPairing(pairing);
    }
  );

  api.post<{ Params: { id: string } }>(
    '/admin/kiosks/:id/revoke',
    { ...adminOnly, schema: { params: idParams } },
    async (request) => {
      if (!kiosks.get(request.params.id)) throw new ApiError(404, 'not-found', 'No such kiosk.');
      kiosks.revoke(request.params.id);
      return publicKiosk(kiosks.get(request.params.id)!);
    }
  );

  api.delete<{ Params: { id: string } }>(
    '/admin/kiosks/:id',
    { ...adminOnly, schema: { params: idParams } },
    async (request, reply) => {
      if (!kiosks.remove(request.params.id)) throw new ApiError(404, 'not-found', 'No such kiosk.');
      return reply.code(204).send();
    }
  );

  // ---- the device ----

  api.post<{ Body: PairBody }>('/kiosk/pair', { schema: { body: pairBody } }, async (request, reply) => {
    const reservation = auth.reserveAttempt([`kiosk-pair:${addressKey(request.ip)}`]);
    if (!reservation.ok) {
      throw new ApiError(429, 'too-many-attempts', 'Too many wrong pairing codes. Try again later.', {
        retryAfterSeconds: reservation.retryAfterSeconds
      });
    }
    const paired = kiosks.pair(request.body.secret ?? request.body.code ?? '');
    if (!paired) {
      throw new ApiError(
        401,
        'invalid-pairing',
        'That pairing code or link is unknown, already used or expired. Ask for a new one.'
      );
    }
    auth.releaseAttempt(reservation.rowids);
    void reply.setCookie(KIOSK_COOKIE, paired.token, {
      ...cookieOptions(request),
      maxAge: KIOSK_COOKIE_MAX_AGE_S
    });
    request.log.info({ kiosk: paired.kiosk.id }, 'kiosk paired');
    return { token: paired.token, kiosk: { id: paired.kiosk.id, name: paired.kiosk.name } };
  });

  api.get('/kiosk/me', kioskOnly, async (request) => {
    const kiosk = kioskOf(request);
    const location = kiosk.locationGroupId ? org.getGroup(kiosk.locationGroupId) : null;
    return {
      kiosk: {
        id: kiosk.id,
        name: kiosk.name,
        language: kiosk.language,
        location: location?.name ?? null
      },
      organisation: { name: org.organisationName() },
      spaces: kiosks.readableSpaces(kiosk.id),
      rooms: kiosks.readableRooms(kiosk.id),
      people: kiosks.names()
    };
  });
}
