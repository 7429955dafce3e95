/** The Fastify types every `/api` module is written against. */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault
} from 'fastify';

/** The Fastify instance the API routes are registered on, with the server's logger type. */
export type Api<L extends FastifyBaseLogger> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  L
>;

/** A route's check before its handler (a valid session, an admin, a kiosk …). */
export type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
