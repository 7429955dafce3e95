/**
 * The document library's routes: creating a document in a space, and who answers for and may
 * write a document (its owner and co-authors). Registered by api.ts inside its `/api` scope
 * (same validator, error shape and sign-in check). The document's content and metadata live in
 * its room (`doc/<id>`, see doc-room.ts); these routes keep what a writer must not decide for
 * themselves: the document's space, owner and co-authors.
 *
 * A space or document the person cannot see answers 404 exactly like one that does not exist.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault
} from 'fastify';
import type * as Y from 'yjs';
import { docRoom, type Room } from '../../src/lib/model/rooms';
import { normaliseFolder, setMeta } from '../../src/lib/model/doc-room';
import type { Org, User } from './org';
import * as schemas from './api-schemas';
import { ApiError } from './api-error';
import type { AuthContext } from './api';

/** A room as loaded by the registry: enough to write the first metadata into it as the server. */
export interface DocRooms<R> {
  load(room: Room): R;
  writeAsServer(room: R, change: (doc: Y.Doc) => void): void;
  releaseIfIdle(room: R): void;
}

export interface DocsDeps<R> {
  org: Org;
  rooms: DocRooms<R>;
  signedInOnly: { preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> };
  authOf: (request: FastifyRequest) => AuthContext;
}

type Api<L extends FastifyBaseLogger> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  L
>;

const noSuchDocument = () => new ApiError(404, 'not-found', 'No such document.');

export function registerDocRoutes<L extends FastifyBaseLogger, R>(api: Api<L>, deps: DocsDeps<R>): void {
  const { org, rooms, signedInOnly, authOf } = deps;

  /** The document when the person may read it; 404 otherwise, whether or not it exists. */
  const readableDocument = (user: User, docId: string) => {
    const doc = org.getDocument(docId);
    if (!doc || !org.roomAccess(user, { kind: 'doc', name: docRoom(docId), docId })) throw noSuchDocument();
    return doc;
  };

  api.post<{ Params: schemas.SpaceParams; Body: schemas.NewDocumentBody }>(
    '/spaces/:spaceId/documents',
    { ...signedInOnly, schema: { params: schemas.spaceParams, body: schemas.newDocumentBody } },
    async (request, reply) => {
      const { user } = authOf(request);
      const { spaceId } = request.params;
      if (!org.getSpace(spaceId) || !org.canSeeSpace(user, spaceId)) {
        throw new ApiError(404, 'not-found', 'No such space.');
      }
      if (!org.canManageSpace(user, spaceId)) {
        throw new ApiError(403, 'forbidden', 'Only admins and editors may create documents.');
      }
      const title = request.body.title.trim();
      if (title.length === 0) throw new ApiError(400, 'invalid-request', 'A document needs a title.');
      const folder = normaliseFolder(request.body.folder ?? '');
      const doc = org.createDocument({ spaceId, ownerId: user.id });
      const room = docRoom(doc.id);
      // The first metadata is in the room before anyone can open it, so every device lists the
      // document with its title from its first sync.
      const loaded = rooms.load({ kind: 'doc', name: room, docId: doc.id });
      rooms.writeAsServer(loaded, (ydoc) =>
        setMeta(
          ydoc,
          { title, folder, status: 'draft', reviewDate: null, requiresConfirmation: false },
          user.id,
          Date.now()
        )
      );
      // Nobody may be connected yet: without this the room would stay in memory for good.
      rooms.releaseIfIdle(loaded);
      return reply.code(201).send({ id: doc.id, room });
    }
  );

  api.get<{ Params: schemas.IdParams }>(
    '/documents/:id',
    { ...signedInOnly, schema: { params: schemas.idParams } },
    async (request) => readableDocument(authOf(request).user, request.params.id)
  );

  api.put<{ Params: schemas.IdParams; Body: schemas.DocumentEditorsBody }>(
    '/documents/:id/editors',
    { ...signedInOnly, schema: { params: schemas.idParams, body: schemas.documentEditorsBody } },
    async (request) => {
      const { user } = authOf(request);
      const doc = readableDocument(user, request.params.id);
      if (doc.ownerId !== user.id && !org.canManageSpace(user, doc.spaceId)) {
        throw new ApiError(
          403,
          'forbidden',
          "Only the document's owner and the space's editors choose its co-authors."
        );
      }
      return org.setDocumentEditors(doc.id, request.body.userIds);
    }
  );
}
