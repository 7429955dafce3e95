/**
 * The kiosk's drift against burn-in: every step moves the display a few pixels, never far, and
 * the steps go round so that over a day every offset is used as often.
 */
import { describe, expect, it } from 'vitest';
import { driftOffset } from '../../src/lib/kiosk/upkeep';

describe('the drift against burn-in', () => {
  it('moves a few pixels each step, stays within 6 px, and goes round', () => {
    const offsets = Array.from({ length: 9 }, (_, step) => driftOffset(step));
    for (const [dx, dy] of offsets) {
      expect(Math.abs(dx)).toBeLessThanOrEqual(6);
      expect(Math.abs(dy)).toBeLessThanOrEqual(6);
    }
    // Consecutive steps differ (nothing stays still for two minutes), and all offsets are distinct.
    for (let i = 0; i < offsets.length; i++) {
      expect(offsets[i]).not.toEqual(offsets[(i + 1) % offsets.length]);
    }
    expect(new Set(offsets.map((o) => o.join(','))).size).toBe(offsets.length);
    expect(driftOffset(9)).toEqual(driftOffset(0));
    expect(driftOffset(9 * 1000 + 4)).toEqual(driftOffset(4));
    // A counter that went negative still lands on an offset.
    expect(driftOffset(-1)).toEqual(driftOffset(8));
  });
});
