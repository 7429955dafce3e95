/**
 * Which older month partitions `loadOlder()` fetches next: the newest month each space lacks,
 * and of those only the newest across spaces.
 */
import { describe, expect, it } from 'vitest';
import { spaceRoom } from '../../src/lib/model/rooms';
import { nextOlderRooms, type SpaceMonth } from '../../src/lib/sync/older-months';

const months = (...list: string[]): SpaceMonth[] => list.map((month) => ({ month, updatedAt: 0 }));
const room = (space: string, month: string) => `${spaceRoom(space)}/${month}`;

describe('nextOlderRooms', () => {
  it('takes the newest month missing in each space, then only the newest of those', () => {
    const have = new Set([room('a', '2026-11'), room('b', '2026-11'), room('b', '2026-10')]);
    const lists = [months('2026-09', '2026-11', '2026-10'), months('2026-11', '2026-10', '2026-08')];
    // Space a lacks October, space b lacks August: October comes first.
    expect(nextOlderRooms(['a', 'b'], lists, (r) => have.has(r))).toEqual([room('a', '2026-10')]);
    have.add(room('a', '2026-10'));
    // Now a lacks September and b August: September.
    expect(nextOlderRooms(['a', 'b'], lists, (r) => have.has(r))).toEqual([room('a', '2026-09')]);
  });

  it('fetches the same month of several spaces together', () => {
    const lists = [months('2026-10'), months('2026-10'), months('2026-09')];
    expect(nextOlderRooms(['a', 'b', 'c'], lists, () => false)).toEqual([
      room('a', '2026-10'),
      room('b', '2026-10')
    ]);
  });

  it('is empty when every month is held, and ignores malformed months', () => {
    const lists = [months('2026-11', '2026-13', 'x/../y', '2026-1'), []];
    expect(nextOlderRooms(['a', 'b'], lists, (r) => r === room('a', '2026-11'))).toEqual([]);
  });
});
