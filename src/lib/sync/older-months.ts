/**
 * Which older month partitions of the feed to fetch next (`engine.loadOlder()`): the server says
 * which months each space has; the newest month a space lacks on this device is its next, and of
 * those only the newest across spaces is fetched, so that the feed fills in from the top down.
 */
import { api } from '../api';
import type { FikaDb } from '../data/db';
import { parseRoomName, spaceRoom } from '../model/rooms';
import { inFeed } from '../model/user-room';

export interface SpaceMonth {
  /** `yyyy-mm` (UTC). */
  month: string;
  updatedAt: number;
}

/** `GET /api/spaces/:id/months`: the month partitions a space has on the server. */
export async function fetchMonths(spaceId: string): Promise<SpaceMonth[]> {
  const { months } = await api<{ months: SpaceMonth[] }>(`/spaces/${encodeURIComponent(spaceId)}/months`);
  return months;
}

/** The spaces whose posts are in the person's feed (see `inFeed`). */
export async function feedSpaceIds(db: FikaDb): Promise<string[]> {
  const [spaces, settings] = await Promise.all([db.spaces.toArray(), db.spaceSettings.toArray()]);
  const choice = new Map(settings.map((s) => [s.spaceId, s.choice ?? undefined]));
  return spaces.filter((s) => inFeed(s, choice.get(s.id))).map((s) => s.id);
}

/**
 * The month rooms to fetch next: for each space (`months[i]` lists those of `spaceIds[i]`), the
 * newest month whose room `have` does not hold; of those, every one of the newest month. Empty
 * when nothing older is left. Malformed months from the server are ignored.
 */
export function nextOlderRooms(
  spaceIds: readonly string[],
  months: readonly (readonly SpaceMonth[])[],
  have: (room: string) => boolean
): string[] {
  const candidates = spaceIds.flatMap((id, i) => {
    const next = (months[i] ?? [])
      .map((m) => ({ month: m.month, room: `${spaceRoom(id)}/${m.month}` }))
      // A malformed month makes no valid room name.
      .filter(({ room }) => parseRoomName(room) !== null)
      .sort((a, b) => (a.month < b.month ? 1 : a.month > b.month ? -1 : 0))
      .find(({ room }) => !have(room));
    return next ? [next] : [];
  });
  if (candidates.length === 0) return [];
  const newest = candidates.reduce((a, b) => (a.month >= b.month ? a : b)).month;
  return candidates.filter((c) => c.month === newest).map((c) => c.room);
}
