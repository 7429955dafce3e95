/**
 * Which rooms this device keeps in sync now.
 *
 * The directory (`org`), the person's own room, and for each space they may read the month
 * partitions of this month and the previous one (UTC, as the partitions are named), so that a
 * new device shows recent posts without downloading years. Older months stay on the device once
 * synced, but are not kept open, unless they hold local changes not yet stored (made just
 * before the month turned): those stay open until the server has them. Month partitions take
 * the access of their space's entry.
 */
import type { Me } from '../api';
import { orgRoom, parseRoomName, spaceMonthRoom, userRoom, type Access } from '../model/rooms';

/** The first day of the month before `date`'s month (UTC). */
export function previousMonth(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1));
}

/**
 * Room name → access, for the person `userId` with their latest `/api/me` (null before the
 * first), and the rooms that have changes waiting in the outbox.
 */
export function wantedRooms(
  userId: string,
  me: Me | null,
  now: Date,
  pending: Iterable<string> = []
): Map<string, Access> {
  const own = userRoom(userId);
  const rooms = new Map<string, Access>([
    [orgRoom(), 'read'],
    [own, 'write']
  ]);
  for (const entry of me?.rooms ?? []) {
    if (entry.kind === 'org' || entry.room === own) rooms.set(entry.room, entry.access);
    else if (entry.kind === 'space') {
      rooms.set(spaceMonthRoom(entry.spaceId, now), entry.access);
      rooms.set(spaceMonthRoom(entry.spaceId, previousMonth(now)), entry.access);
    }
  }
  const spaces = new Map(
    me?.rooms.flatMap((r) => (r.kind === 'space' ? [[r.spaceId, r.access] as const] : []))
  );
  for (const name of pending) {
    const room = parseRoomName(name);
    if (rooms.has(name) || room?.kind !== 'space' || room.month === null) continue;
    // Without `/api/me` yet, the server decides on connect.
    const access = me ? spaces.get(room.spaceId) : 'write';
    if (access) rooms.set(name, access);
  }
  return rooms;
}

/** The ids of the spaces `me` may read. */
export function readableSpaceIds(me: Me): Set<string> {
  return new Set(me.rooms.flatMap((r) => (r.kind === 'space' ? [r.spaceId] : [])));
}
