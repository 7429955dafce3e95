/**
 * The sync layer's route under `/api/sync`: which of the rooms a person (or a kiosk screen)
 * reads changed. A device that keeps more rooms than it holds connections open catches up with
 * the closed ones whose mark moved (src/lib/sync/room-budget.ts). Registered by api.ts inside
 * its `/api` scope (same validator, error shape and credential checks).
 *
 * Rooms the asker may not read are left out of the answer, as if they did not exist.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Api, PreHandler } from './api-types';
import { parseRoomName, type Room } from '../../src/lib/model/rooms';
import type { Org, User } from './org';
import type { Kiosk, Kiosks } from './kiosks';
import * as schemas from './api-schemas';
import { ApiError } from './api-error';
import type { AuthContext } from './api';

export interface SyncRouteDeps {
  org: Org;
  kiosks?: Kiosks;
  /** The mark of each room's last commit (the room registry). */
  rooms: { version(name: string): string };
  /** Route options for what a person or a kiosk screen may read. */
  readers: { preHandler: PreHandler };
  /** The kiosk whose token the request carries, or null for a person's request. */
  kioskOf: (request: FastifyRequest) => Kiosk | null;
  authOf: (request: FastifyRequest) => AuthContext;
}

export function registerSyncRoutes<L extends FastifyBaseLogger>(api: Api<L>, deps: SyncRouteDeps): void {
  const { org, kiosks, rooms, readers, kioskOf, authOf } = deps;

  api.post<{ Body: schemas.RoomVersionsBody }>(
    '/sync/versions',
    { ...readers, schema: { body: schemas.roomVersionsBody } },
    async (request) => {
      const kiosk = kioskOf(request);
      const readable =
        kiosk && kiosks
          ? (room: Room) => kiosks.roomAccess(kiosk.id, room) !== null
          : personReads(org, authOf(request).user);
      const versions: Record<string, string> = {};
      for (const name of request.body.rooms) {
        const room = parseRoomName(name);
        if (room === null) throw new ApiError(400, 'invalid-request', `Not a room name: ${name}`);
        if (readable(room)) versions[name] = rooms.version(name);
      }
      return { versions };
    }
  );
}

/** Whether the person reads a room, from one look at the tables (a space's months go with it). */
function personReads(org: Org, user: User): (room: Room) => boolean {
  const readable = new Set<string>();
  const spaces = new Set<string>();
  for (const entry of org.readableRooms(user)) {
    readable.add(entry.room);
    if (entry.kind === 'space') spaces.add(entry.spaceId);
  }
  return (room) => (room.kind === 'space' ? spaces.has(room.spaceId) : readable.has(room.name));
}
