/**
 * The document library's routes: creating a document in a space, and who answers for and may
 * write a document (its owner and co-authors). Registered by api.ts inside its `/api` scope
 * (same validator, error shape and sign-in check). The document's content and metadata live in
 * its room (`doc/<id>`, see doc-room.ts); these routes keep what a writer must not decide for
 * themselves: the document's space, owner and co-authors.
 *
 * A space or document the person cannot see answers 404 exactly like one that does not exist.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Api, PreHandler } from './api-types';
import type * as Y from 'yjs';
import { docRoom, type Room } from '../../src/lib/model/rooms';
import { normaliseFolder, setMeta } from '../../src/lib/model/doc-room';
import {
  readConfirmations,
  readVersions,
  recordConfirmation,
  requiredVersion
} from '../../src/lib/model/doc-versions';
import type { Org, User } from './org';
import * as schemas from './api-schemas';
import { ApiError } from './api-error';
import type { AuthContext } from './api';

/**
 * A room as loaded by the registry: enough to read it and to write into it as the server (the
 * first metadata, confirmations).
 */
export interface DocRooms<R extends { doc: Y.Doc }> {
  load(room: Room): R;
  writeAsServer(room: R, change: (doc: Y.Doc) => void): void;
  releaseIfIdle(room: R): void;
}

export interface DocsDeps<R extends { doc: Y.Doc }> {
  org: Org;
  rooms: DocRooms<R>;
  signedInOnly: { preHandler: PreHandler };
  authOf: (request: FastifyRequest) => AuthContext;
}

const noSuchDocument = () => new ApiError(404, 'not-found', 'No such document.');

export function registerDocRoutes<L extends FastifyBaseLogger, R extends { doc: Y.Doc }>(
  api: Api<L>,
  deps: DocsDeps<R>
): void {
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

  /** Runs `read` on the document's room as the server holds it (loaded for the moment if need be). */
  const withRoom = <T>(docId: string, read: (loaded: R) => T): T => {
    const loaded = rooms.load({ kind: 'doc', name: docRoom(docId), docId });
    try {
      return read(loaded);
    } finally {
      rooms.releaseIfIdle(loaded);
    }
  };

  // A reader's connection is read-only, so confirming cannot be a sync update of theirs: the
  // server checks it and writes it into the room, from where it reaches every device.
  api.post<{ Params: schemas.IdParams; Body: schemas.ConfirmationBody }>(
    '/documents/:id/confirmations',
    { ...signedInOnly, schema: { params: schemas.idParams, body: schemas.confirmationBody } },
    async (request) => {
      const { user } = authOf(request);
      const doc = readableDocument(user, request.params.id);
      const { versionId } = request.body;
      return withRoom(doc.id, (loaded) => {
        if (!readVersions(loaded.doc).some((v) => v.id === versionId)) {
          throw new ApiError(404, 'no-such-version', 'The document has no such version.');
        }
        const required = requiredVersion(loaded.doc);
        if (required?.id !== versionId) {
          throw new ApiError(
            409,
            'not-current',
            required
              ? `Version "${required.name}" is the one to confirm now.`
              : 'This document does not ask for a read confirmation now.'
          );
        }
        const existing = readConfirmations(loaded.doc).get(user.id);
        if (existing?.versionId === versionId) return { versionId, at: existing.at };
        const at = Date.now();
        rooms.writeAsServer(loaded, (ydoc) => recordConfirmation(ydoc, user.id, versionId, at));
        return { versionId, at };
      });
    }
  );

  /**
   * Who in the document's audience has confirmed the version it asks for now, and who has not,
   * for its writers (owner, co-authors, the space's admins and editors).
   */
  api.get<{ Params: schemas.IdParams }>(
    '/documents/:id/confirmations',
    { ...signedInOnly, schema: { params: schemas.idParams } },
    async (request) => {
      const { user } = authOf(request);
      const doc = readableDocument(user, request.params.id);
      if (
        doc.ownerId !== user.id &&
        !doc.editorIds.includes(user.id) &&
        !org.canManageSpace(user, doc.spaceId)
      ) {
        throw new ApiError(
          403,
          'forbidden',
          "Only the document's owner and writers see who has confirmed it."
        );
      }
      const audience = org.spaceAudience(doc.spaceId);
      return withRoom(doc.id, (loaded) => {
        const required = requiredVersion(loaded.doc);
        const confirmations = readConfirmations(loaded.doc);
        return {
          versionId: required?.id ?? null,
          people: audience.map((userId) => {
            const c = confirmations.get(userId);
            return { userId, confirmedAt: required && c?.versionId === required.id ? c.at : null };
          })
        };
      });
    }
  );
}
