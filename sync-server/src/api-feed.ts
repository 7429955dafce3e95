/**
 * The feed's routes under `/api/spaces/:spaceId` and `/api/uploads`: targeted posts and the
 * audiences behind the author's reach view, the month partitions a space has stored, and image
 * uploads. Registered by api.ts inside its `/api` scope (same validator, error shape and
 * sign-in check).
 *
 * A space the person cannot see answers 404 exactly like one that does not exist, so nobody
 * learns of a space (or a targeted post) outside their audience.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Api, PreHandler } from './api-types';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parseRoomName, postRoom, spaceRoom } from '../../src/lib/model/rooms';
import type { Org, Space, User } from './org';
import type { StoredRoomInfo } from './persistence';
import * as schemas from './api-schemas';
import { ApiError } from './api-error';
import type { AuthContext } from './api';
import { declaredImageType, unsupportedType, type Uploads } from './uploads';

export interface FeedDeps {
  org: Org;
  uploads: Uploads;
  /** Where the month partitions of a space are found (the room registry). */
  rooms: { storedRooms(prefix: string): StoredRoomInfo[] };
  /** Route options that require a signed-in person. */
  signedInOnly: { preHandler: PreHandler };
  authOf: (request: FastifyRequest) => AuthContext;
  /**
   * Route options for what a person or a kiosk screen may read (images); `kioskCanRead` answers
   * for a kiosk's request and is null for a person's. Without it, images are for people only.
   */
  readers?: {
    preHandler: PreHandler;
    kioskCanRead: (
      request: FastifyRequest,
      upload: { spaceId: string; postId: string | null }
    ) => boolean | null;
  };
}

const noSuchSpace = () => new ApiError(404, 'not-found', 'No such space.');

export function registerFeedRoutes<L extends FastifyBaseLogger>(api: Api<L>, deps: FeedDeps): void {
  const { org, uploads, rooms, signedInOnly, authOf, readers } = deps;

  /** The space when the person sees it; 404 otherwise, whether or not it exists. */
  const visibleSpace = (user: User, spaceId: string): Space => {
    const space = org.getSpace(spaceId);
    if (!space || !org.canSeeSpace(user, spaceId)) throw noSuchSpace();
    return space;
  };

  // ---- targeted posts ----

  api.post<{ Params: schemas.SpaceParams; Body: schemas.TargetedPostBody }>(
    '/spaces/:spaceId/targeted-posts',
    { ...signedInOnly, schema: { params: schemas.spaceParams, body: schemas.targetedPostBody } },
    async (request, reply) => {
      const { user } = authOf(request);
      const space = visibleSpace(user, request.params.spaceId);
      if (!org.canManageSpace(user, space.id)) {
        throw new ApiError(403, 'forbidden', 'Only admins and editors may target a post at groups.');
      }
      const imageIds = request.body.imageIds ?? [];
      const foreign = imageIds.filter((id) => !uploads.bindable(id, user.id, space.id));
      if (foreign.length > 0) {
        throw new ApiError(
          400,
          'invalid-images',
          `These images are not yours to attach here (uploaded by someone else, to another space, or to another post): ${foreign.join(', ')}.`
        );
      }
      const post = org.transaction(() => {
        const created = org.createTargetedPost({
          spaceId: space.id,
          authorId: user.id,
          groupIds: request.body.groupIds
        });
        uploads.bindToPost(imageIds, created.id);
        return created;
      });
      return reply.code(201).send({ id: post.id, room: postRoom(space.id, post.id) });
    }
  );

  api.get<{ Params: schemas.PostParams }>(
    '/spaces/:spaceId/targeted-posts/:postId/audience',
    { ...signedInOnly, schema: { params: schemas.postParams } },
    async (request) => {
      const { user } = authOf(request);
      const { spaceId, postId } = request.params;
      const space = visibleSpace(user, spaceId);
      const post = org.getTargetedPost(space.id, postId);
      const manager = org.canManageSpace(user, space.id);
      const reached = org.roomAccess(user, {
        kind: 'post',
        name: postRoom(spaceId, postId),
        spaceId,
        postId
      });
      if (!post || (!manager && !reached)) throw new ApiError(404, 'not-found', 'No such post.');
      if (!manager && post.authorId !== user.id) {
        throw new ApiError(
          403,
          'forbidden',
          "Only the post's author and the space's editors see its audience."
        );
      }
      return { userIds: org.targetedPostAudience(post.id), targetGroupIds: post.targetGroupIds };
    }
  );

  api.get<{ Params: schemas.SpaceParams }>(
    '/spaces/:spaceId/audience',
    { ...signedInOnly, schema: { params: schemas.spaceParams } },
    async (request) => {
      const space = visibleSpace(authOf(request).user, request.params.spaceId);
      return { userIds: org.spaceAudience(space.id) };
    }
  );

  // ---- month partitions ----

  api.get<{ Params: schemas.SpaceParams }>(
    '/spaces/:spaceId/months',
    { ...signedInOnly, schema: { params: schemas.spaceParams } },
    async (request) => {
      const space = visibleSpace(authOf(request).user, request.params.spaceId);
      const months: { month: string; updatedAt: string }[] = [];
      for (const stored of rooms.storedRooms(`${spaceRoom(space.id)}/`)) {
        const room = parseRoomName(stored.room);
        if (room?.kind !== 'space' || room.month === null) continue;
        months.push({ month: room.month, updatedAt: new Date(stored.updatedAt).toISOString() });
      }
      months.sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0));
      return { months };
    }
  );

  // ---- images ----

  void api.register(async (images) => {
    // Image bodies are not parsed: the route streams them to disk itself, checking as they come.
    images.removeAllContentTypeParsers();
    images.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    images.post<{ Params: schemas.SpaceParams }>(
      '/spaces/:spaceId/images',
      { ...signedInOnly, schema: { params: schemas.spaceParams }, bodyLimit: uploads.maxBytes },
      async (request, reply) => {
        const { user } = authOf(request);
        const space = visibleSpace(user, request.params.spaceId);
        if (space.postingPolicy === 'editors' && !org.canManageSpace(user, space.id)) {
          throw new ApiError(403, 'forbidden', 'Only editors post in this space, so only they add images.');
        }
        const declaredType = declaredImageType(request.headers['content-type']);
        if (declaredType === null) throw unsupportedType();
        if (!(request.body instanceof Readable)) {
          throw new ApiError(400, 'invalid-request', 'Send the image as the request body.');
        }
        const length = request.headers['content-length'];
        const info = await uploads.receive(request.body, {
          spaceId: space.id,
          ownerId: user.id,
          declaredType,
          contentLength: length === undefined ? undefined : Number(length)
        });
        return reply
          .code(201)
          .send({ id: info.id, type: info.type, width: info.width, height: info.height, bytes: info.bytes });
      }
    );
  });

  api.get<{ Params: schemas.IdParams }>(
    '/uploads/:id',
    { preHandler: readers?.preHandler ?? signedInOnly.preHandler, schema: { params: schemas.idParams } },
    async (request, reply) => {
      const upload = uploads.get(request.params.id);
      const kioskReadable = upload === null ? null : (readers?.kioskCanRead(request, upload) ?? null);
      // An image of a targeted post goes to that post's audience only, like the post itself.
      const readable =
        upload !== null &&
        (kioskReadable ??
          (upload.postId === null
            ? org.canSeeSpace(authOf(request).user, upload.spaceId)
            : org.roomAccess(authOf(request).user, {
                kind: 'post',
                name: postRoom(upload.spaceId, upload.postId),
                spaceId: upload.spaceId,
                postId: upload.postId
              }) !== null));
      if (!upload || !readable) throw new ApiError(404, 'not-found', 'No such image.');
      const etag = `"${upload.sha256}"`;
      void reply.headers({
        'Content-Type': upload.type,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'",
        'Cache-Control': 'private, max-age=31536000, immutable',
        ETag: etag
      });
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      let file: fs.ReadStream;
      try {
        file = await openStream(uploads.pathOf(upload.id));
      } catch (err) {
        request.log.error(
          { err, upload: upload.id },
          'an uploaded image is recorded but its file is missing'
        );
        throw new ApiError(404, 'not-found', 'No such image.');
      }
      void reply.header('Content-Length', String(upload.bytes));
      return reply.send(file);
    }
  );
}

/** A read stream that is open (so a missing file is an error here, not mid-reply). */
function openStream(file: string): Promise<fs.ReadStream> {
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.once('open', () => resolve(stream));
    stream.once('error', reject);
  });
}
