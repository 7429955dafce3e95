/**
 * The JSON API under `/api`: first-run set-up, sign-in and sessions, the signed-in person's
 * view (`/api/me`), the admin's management of people, groups and spaces (api-admin.ts), and
 * the feed's targeted posts, month partitions and images (api-feed.ts), the document
 * library's documents, owners and co-authors (api-docs.ts), and which rooms changed (api-sync.ts).
 *
 * Contract for every reply that is not a success: `{ error: 'machine-reason', message: 'Human
 * sentence.' }` with a fitting status. Bodies are validated with JSON schemas by a strict Ajv
 * of our own (no type coercion, unknown properties refused rather than silently dropped), and
 * limited to 64 KiB.
 *
 * Authentication is a session token, from the `fika_session` cookie (browsers) or an
 * `Authorization: Bearer` header (other clients). A cookie-authenticated request that changes
 * something must come from the app's own origin (or a configured one): SameSite=Lax already
 * keeps the cookie off cross-site posts, and the Origin check covers sibling sites.
 */
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Api } from './api-types';
import fastifyCookie from '@fastify/cookie';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Config } from './config';
import type { ServerEvents } from './events';
import { credentialFromRequest, SESSION_COOKIE, type Auth, type Session, type TokenSource } from './auth';
import { OrgError, type Org, type OrgErrorReason, type User } from './org';
import { hashPassword } from './passwords';
import * as schemas from './api-schemas';
import { registerAdminRoutes } from './api-admin';
import { registerFeedRoutes, type FeedDeps } from './api-feed';
import { registerDocRoutes, type DocRooms } from './api-docs';
import { kioskTokenOf, registerKioskRoutes } from './api-kiosk';
import type { Kiosk, Kiosks } from './kiosks';
import type { LoadedRoom } from './loaded-room';
import { ApiError } from './api-error';
import { registerSyncRoutes } from './api-sync';

export { ApiError };

export interface ApiDeps {
  org: Org;
  auth: Auth;
  /** Kiosk screens; without them (some tests) the kiosk routes are not offered. */
  kiosks?: Kiosks;
  config: Config;
  events: ServerEvents;
  /** Image files and their records. */
  uploads: FeedDeps['uploads'];
  /** The stored rooms (month partitions of spaces) and the mark of each room's last commit. */
  rooms: FeedDeps['rooms'] & { version(name: string): string };
  /**
   * The live rooms, where a new document's first metadata is written. Without them (an API
   * without a sync service, as in some tests) the document routes are not offered.
   */
  docRooms?: DocRooms<LoadedRoom>;
}

/** Largest request body accepted under /api. */
export const API_BODY_LIMIT = 64 * 1024;

const ORG_ERROR_STATUS: Record<OrgErrorReason, [number, string]> = {
  invalid: [400, 'invalid-request'],
  'not-found': [404, 'not-found'],
  'email-taken': [409, 'email-taken'],
  'id-taken': [409, 'id-taken'],
  'group-exists': [409, 'group-exists'],
  'invalid-audience': [400, 'invalid-audience'],
  'invalid-target': [400, 'invalid-target'],
  'last-admin': [409, 'last-admin'],
  'already-set-up': [409, 'already-set-up']
};

export interface AuthContext {
  user: User;
  session: Session;
  source: TokenSource;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Sessions as shown to their owner: never the token or its hash. */
function publicSession(session: Session, currentId: string) {
  return {
    id: session.id,
    createdAt: new Date(session.createdAt).toISOString(),
    expiresAt: new Date(session.expiresAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    userAgent: session.userAgent,
    current: session.id === currentId
  };
}

function createAjv(): Ajv {
  // Fastify's default Ajv coerces types and strips unknown properties; the API refuses both.
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false });
  addFormats(ajv, ['email']);
  return ajv;
}

/**
 * Registers the API routes under `/api` on `app` (and @fastify/cookie if it is not registered
 * yet). Await it before `listen`.
 */
export async function registerApi<L extends FastifyBaseLogger>(app: Api<L>, deps: ApiDeps): Promise<void> {
  const { org, auth, kiosks, config, uploads, rooms, docRooms } = deps;
  if (!app.hasReplyDecorator('setCookie')) await app.register(fastifyCookie);
  const ajv = createAjv();
  const contexts = new WeakMap<FastifyRequest, AuthContext>();

  const cookieOptions = (request: FastifyRequest) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure:
      config.cookieSecure === 'always' || (config.cookieSecure === 'auto' && request.protocol === 'https')
  });

  const signedIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    user: User,
    session: Session
  ) => {
    void reply.setCookie(SESSION_COOKIE, token, {
      ...cookieOptions(request),
      maxAge: Math.floor(config.sessionTtlMs / 1000)
    });
    return { token, user, expiresAt: new Date(session.expiresAt).toISOString() };
  };

  const originAllowed = (request: FastifyRequest): boolean => {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return origin === `${request.protocol}://${request.host}` || config.allowedOrigins.includes(origin);
  };

  /** preHandler: a valid session, or 401. */
  const requireUser = async (request: FastifyRequest, reply: FastifyReply) => {
    const credential = credentialFromRequest(request.headers);
    const found = credential ? auth.authenticate(credential.token) : null;
    if (!credential || !found) {
      return reply.code(401).send({ error: 'unauthorized', message: 'Sign in first.' });
    }
    if (credential.source === 'cookie' && !SAFE_METHODS.has(request.method) && !originAllowed(request)) {
      return reply
        .code(403)
        .send({ error: 'forbidden-origin', message: 'This request came from a site that may not make it.' });
    }
    contexts.set(request, { ...found, source: credential.source });
  };

  /** preHandler after requireUser: an admin, or 403. */
  const requireAdmin = async (request: FastifyRequest, reply: FastifyReply) => {
    if (contexts.get(request)?.user.role !== 'admin') {
      return reply.code(403).send({ error: 'forbidden', message: 'Only an admin may do that.' });
    }
  };

  /** The session a preHandler accepted; a route without one is a programming error. */
  const authOf = (request: FastifyRequest): AuthContext => {
    const context = contexts.get(request);
    if (!context) throw new Error('Route is missing the requireUser preHandler');
    return context;
  };

  const kioskContexts = new WeakMap<FastifyRequest, Kiosk>();

  /** preHandler: a paired, unrevoked kiosk's token, or 401 (the screen shows it is disconnected). */
  const requireKiosk = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = kioskTokenOf(request);
    const kiosk = token && kiosks ? kiosks.authenticate(token) : null;
    if (!kiosk) {
      return reply
        .code(401)
        .send({ error: 'unauthorized', message: 'This screen is not paired, or it was disconnected.' });
    }
    kioskContexts.set(request, kiosk);
  };

  /** preHandler for what a person or a kiosk may read (images): whichever credential it carries. */
  const requireReader = async (request: FastifyRequest, reply: FastifyReply) =>
    kioskTokenOf(request) !== null ? requireKiosk(request, reply) : requireUser(request, reply);

  /** The kiosk a preHandler accepted, or null when the request is a person's. */
  const kioskOf = (request: FastifyRequest): Kiosk | null => kioskContexts.get(request) ?? null;

  const signedInOnly = { preHandler: requireUser };
  const adminOnly = { preHandler: [requireUser, requireAdmin] };

  await app.register(
    async (api) => {
      api.setValidatorCompiler(({ schema }) => ajv.compile(schema));
      api.addHook('onRoute', (route) => {
        route.bodyLimit ??= API_BODY_LIMIT;
      });

      api.setErrorHandler((thrown, request, reply) => {
        const error = (
          thrown instanceof Error ? thrown : new Error(String(thrown))
        ) as Partial<FastifyError> & Error;
        if (error instanceof ApiError) {
          if (error.retry) void reply.header('Retry-After', String(error.retry.retryAfterSeconds));
          return reply.code(error.statusCode).send({ error: error.error, message: error.message });
        }
        if (error instanceof OrgError) {
          const [status, reason] = ORG_ERROR_STATUS[error.reason];
          return reply.code(status).send({ error: reason, message: error.message });
        }
        if (error.validation) {
          return reply
            .code(400)
            .send({ error: 'invalid-request', message: `Invalid request: ${error.message}.` });
        }
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return reply.code(413).send({ error: 'too-large', message: 'The request body is too large.' });
        }
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return reply.code(415).send({ error: 'unsupported-media-type', message: 'Send JSON.' });
        }
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          return reply
            .code(status)
            .send({ error: 'invalid-request', message: 'The request could not be read.' });
        }
        request.log.error({ err: error }, 'api request failed');
        return reply
          .code(500)
          .send({ error: 'internal-error', message: 'Something went wrong on the server.' });
      });

      api.setNotFoundHandler((_request, reply) =>
        reply.code(404).send({ error: 'not-found', message: 'There is no such API endpoint.' })
      );

      // ---- set-up ----

      api.get('/setup', async () => ({ needed: org.userCount() === 0 }));

      api.post<{ Body: schemas.SetupBody }>(
        '/setup',
        { schema: { body: schemas.setupBody } },
        async (request, reply) => {
          // Checked before hashing so a finished set-up costs no scrypt; org.setUp checks again atomically.
          if (org.userCount() > 0) throw new OrgError('already-set-up', 'Fika is already set up.');
          const { organisation, name, email, password } = request.body;
          const passwordHash = await hashPassword(password);
          const user = org.setUp({ organisation, name, email, passwordHash });
          const { token, session } = auth.createSession(user.id, request.headers['user-agent'] ?? '');
          return signedIn(request, reply, token, user, session);
        }
      );

      // ---- sign-in and sessions ----

      api.post<{ Body: schemas.LoginBody }>(
        '/auth/login',
        { schema: { body: schemas.loginBody } },
        async (request, reply) => {
          const { email, password } = request.body;
          const result = await auth.login(email, password, request.ip, request.headers['user-agent'] ?? '');
          if (result.ok) return signedIn(request, reply, result.token, result.user, result.session);
          if (result.error === 'too-many-attempts') {
            const minutes = Math.ceil(result.retryAfterSeconds / 60);
            throw429(result.retryAfterSeconds, minutes);
          }
          throw new ApiError(401, 'invalid-credentials', 'Wrong email or password.');
        }
      );

      api.post('/auth/logout', signedInOnly, async (request, reply) => {
        auth.revokeSession(authOf(request).session.id);
        void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
        return reply.code(204).send();
      });

      api.get('/me', signedInOnly, async (request) => {
        const { user } = authOf(request);
        return {
          user,
          groups: org.groupsOf(user.id),
          spaces: org.spacesFor(user),
          rooms: org.readableRooms(user),
          organisation: { name: org.getSetting('org.name') ?? '' }
        };
      });

      api.get('/sessions', signedInOnly, async (request) => {
        const { user, session } = authOf(request);
        return { sessions: auth.listSessions(user.id).map((s) => publicSession(s, session.id)) };
      });

      api.delete<{ Params: schemas.IdParams }>(
        '/sessions/:id',
        { ...signedInOnly, schema: { params: schemas.idParams } },
        async (request, reply) => {
          const { user, session } = authOf(request);
          if (!auth.revokeSession(request.params.id, user.id)) {
            throw new ApiError(404, 'not-found', 'You have no such session.');
          }
          if (request.params.id === session.id)
            void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
          return reply.code(204).send();
        }
      );

      api.post<{ Body: schemas.PasswordBody }>(
        '/me/password',
        { ...signedInOnly, schema: { body: schemas.passwordBody } },
        async (request) => {
          const { user, session } = authOf(request);
          const check = await auth.checkPassword(user, request.body.currentPassword);
          if (!check.ok && check.error === 'too-many-attempts') {
            throw429(check.retryAfterSeconds, Math.ceil(check.retryAfterSeconds / 60));
          }
          if (!check.ok) throw new ApiError(403, 'invalid-credentials', 'The current password is wrong.');
          org.updateUser(user.id, { passwordHash: await hashPassword(request.body.newPassword) });
          // Someone who knew the old password may hold another session: end them all but this one.
          return { revokedSessions: auth.revokeUserSessions(user.id, session.id) };
        }
      );

      // A person's own skills and line about themselves; an admin sets anyone's under /api/admin/users/:id.
      api.put<{ Body: schemas.SkillsBody }>(
        '/me/skills',
        { ...signedInOnly, schema: { body: schemas.skillsBody } },
        async (request) => ({ skills: org.setSkills(authOf(request).user.id, request.body.skills) })
      );

      api.put<{ Body: schemas.AboutBody }>(
        '/me/about',
        { ...signedInOnly, schema: { body: schemas.aboutBody } },
        async (request) => ({ about: org.setAbout(authOf(request).user.id, request.body.about) })
      );

      registerAdminRoutes(api, { org, auth, adminOnly, authOf });
      registerSyncRoutes(api, {
        org,
        kiosks,
        rooms,
        readers: { preHandler: requireReader },
        kioskOf,
        authOf
      });
      registerFeedRoutes(api, {
        org,
        uploads,
        rooms,
        signedInOnly,
        authOf,
        readers: {
          preHandler: requireReader,
          kioskCanRead: (request, upload) => {
            const kiosk = kioskOf(request);
            return kiosk === null ? null : (kiosks?.canReadUpload(kiosk.id, upload) ?? false);
          }
        }
      });
      if (kiosks) {
        registerKioskRoutes(api, {
          org,
          auth,
          kiosks,
          adminOnly,
          cookieOptions,
          kioskOnly: { preHandler: requireKiosk },
          kioskOf: (request) => {
            const kiosk = kioskOf(request);
            if (!kiosk) throw new Error('Route is missing the requireKiosk preHandler');
            return kiosk;
          }
        });
      }
      if (docRooms) registerDocRoutes(api, { org, rooms: docRooms, signedInOnly, authOf });
    },
    { prefix: '/api' }
  );
}

/** A 429 for too many failed sign-ins, with Retry-After (see the error handler). */
function throw429(retryAfterSeconds: number, minutes: number): never {
  throw new ApiError(
    429,
    'too-many-attempts',
    `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds }
  );
}
