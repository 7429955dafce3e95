/**
 * Which rooms this device keeps in sync now.
 *
 * The directory (`org`), the person's own room, every targeted post's room and every
 * document's room `/api/me` lists (a document is kept whole on every device that may read it,
 * so that the library and the guidelines work offline), and for each space they may read its
 * shared room (pins) and the month partitions of this
 * month and the previous one (UTC, as the partitions are named), so that a new device shows
 * recent posts without downloading years. Older months stay on the device once synced, but are
 * not kept open, unless they hold local changes not yet stored (made just before the month
 * turned): those stay open until the server has them. Month partitions take the access of their
 * space's entry.
 */
import type { Me } from '../api';
import { orgRoom, parseRoomName, spaceMonthRoom, spaceRoom, userRoom, type Access } from '../model/rooms';

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
  pending: Iterable<string> = [],
  /** False for a kiosk screen: neither the directory nor an own room, only what `me` lists. */
  personal = true
): Map<string, Access> {
  const own = userRoom(userId);
  const rooms = new Map<string, Access>(
    personal
      ? [
          [orgRoom(), 'read'],
          [own, 'write']
        ]
      : []
  );
  for (const entry of me?.rooms ?? []) {
    if (entry.kind === 'org' || entry.room === own) rooms.set(entry.room, entry.access);
    else if (entry.kind === 'post' || entry.kind === 'doc') rooms.set(entry.room, entry.access);
    else if (entry.kind === 'space') {
      rooms.set(spaceRoom(entry.spaceId), entry.access);
      rooms.set(spaceMonthRoom(entry.spaceId, now), entry.access);
      rooms.set(spaceMonthRoom(entry.spaceId, previousMonth(now)), entry.access);
    }
  }
  for (const name of pending) {
    if (rooms.has(name)) continue;
    const access = roomAccess(me, name);
    if (access === 'write') rooms.set(name, access);
  }
  return rooms;
}

/**
 * The access `me` gives to a room that holds posts or pins: a space's rooms (month partitions
 * included) take the space's entry, a targeted post's room its own. Without `/api/me` yet
 * (null) it is 'write': the server decides on connect. Undefined: not readable.
 */
export function roomAccess(me: Me | null, name: string): Access | undefined {
  const room = parseRoomName(name);
  if (room === null || room.kind === 'org' || room.kind === 'user') return undefined;
  if (!me) return 'write';
  if (room.kind === 'space') {
    return me.rooms.find((r) => r.kind === 'space' && r.spaceId === room.spaceId)?.access;
  }
  return me.rooms.find((r) => r.room === name)?.access;
}

/** The ids of the spaces `me` may read. */
export function readableSpaceIds(me: Me): Set<string> {
  return new Set(me.rooms.flatMap((r) => (r.kind === 'space' ? [r.spaceId] : [])));
}

/** Whether a stored room is still readable by `me` (for forgetting those that are not). */
export function stillReadable(me: Me, name: string): boolean {
  const room = parseRoomName(name);
  if (room?.kind === 'space') return readableSpaceIds(me).has(room.spaceId);
  if (room?.kind === 'post' || room?.kind === 'doc') return me.rooms.some((r) => r.room === name);
  return true;
}
