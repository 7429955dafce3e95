import { describe, expect, it } from 'vitest';
import { parseRoomName, spaceMonthRoom } from '../../src/lib/model/rooms';
import { isTerminalCloseCode, CloseCodes } from '../../src/lib/model/close-codes';

describe('room names', () => {
  it('parses every kind', () => {
    expect(parseRoomName('org')).toEqual({ kind: 'org', name: 'org' });
    expect(parseRoomName('space/all-staff')).toEqual({
      kind: 'space',
      name: 'space/all-staff',
      spaceId: 'all-staff',
      month: null
    });
    expect(parseRoomName('space/a_B-9/2026-11')).toMatchObject({
      kind: 'space',
      spaceId: 'a_B-9',
      month: '2026-11'
    });
    expect(parseRoomName('doc/x')).toMatchObject({ kind: 'doc', docId: 'x' });
    expect(parseRoomName('user/sara')).toMatchObject({ kind: 'user', userId: 'sara' });
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'org/1',
      'space',
      'space/',
      'space/a/2026-13',
      'space/a/2026-1',
      'space/a/2026-11/x',
      'doc/a/b',
      'user/../etc',
      'user/a b',
      'user/ä',
      'other/a',
      `user/${'x'.repeat(65)}`,
      'Org'
    ]) {
      expect(parseRoomName(bad), bad).toBeNull();
    }
  });

  it('names month partitions in UTC', () => {
    expect(spaceMonthRoom('s', new Date(Date.UTC(2026, 0, 31, 23, 59)))).toBe('space/s/2026-01');
    expect(spaceMonthRoom('s', new Date(Date.UTC(2026, 11, 1)))).toBe('space/s/2026-12');
  });
});

describe('close codes', () => {
  it('uses 44xx for every refusal the client must not retry, and others for transient closes', () => {
    for (const name of [
      'BadMessage',
      'Unauthorized',
      'Forbidden',
      'UnknownRoom',
      'SlowClient',
      'UpdateRefused',
      'MessageTooLarge',
      'RateLimited',
      'TooManyConnections'
    ] as const) {
      expect(isTerminalCloseCode(CloseCodes[name].code), name).toBe(true);
    }
    expect(isTerminalCloseCode(CloseCodes.GoingAway.code)).toBe(false);
    expect(isTerminalCloseCode(CloseCodes.InternalError.code)).toBe(false);
    const codes = Object.values(CloseCodes).map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
