/**
 * Tabs without Web Locks share catching up by claims on a BroadcastChannel (two claim holders in
 * one process stand for two tabs: a channel delivers to every other instance of its name).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelClaims } from '../../src/lib/sync/catch-up-claims';

const open: ChannelClaims[] = [];
const tab = (claimMs?: number) => {
  const claims = new ChannelClaims(claimMs);
  open.push(claims);
  return claims;
};
afterEach(() => {
  for (const claims of open.splice(0)) claims.close();
});

/** Waits until `check` holds (channel messages arrive in a later turn). */
async function until(check: () => boolean, ms = 2000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('catching up without Web Locks', () => {
  it('skips a room another tab is catching up, and takes it again once that tab is done', async () => {
    const a = tab();
    const b = tab();
    let release!: () => void;
    let ranA = 0;
    const holding = a.run('doc/one', async () => {
      ranA++;
      await new Promise<void>((resolve) => (release = resolve));
    });
    await until(() => b.claimedElsewhere('doc/one'));
    let ranB = 0;
    await b.run('doc/one', async () => void ranB++);
    expect(ranB).toBe(0);
    // Another room is free for b meanwhile, and a sees b's claim on it only while b holds it.
    await b.run('doc/two', async () => {
      ranB++;
      await until(() => a.claimedElsewhere('doc/two'));
    });
    expect(ranB).toBe(1);
    await until(() => !a.claimedElsewhere('doc/two'));

    release();
    await holding;
    await until(() => !b.claimedElsewhere('doc/one'));
    await b.run('doc/one', async () => void ranB++);
    expect([ranA, ranB]).toEqual([1, 2]);
  });

  it('releases a claim whose catch-up failed, and forgets one never released', async () => {
    const a = tab(100);
    const b = tab(100);
    await expect(
      a.run('doc/one', async () => {
        await until(() => b.claimedElsewhere('doc/one'));
        throw new Error('the room could not be opened');
      })
    ).rejects.toThrow('could not be opened');
    await until(() => !b.claimedElsewhere('doc/one'));

    // A tab that went away mid-claim (its page closed) never releases: the claim lapses.
    const gone = tab(100);
    void gone.run('doc/two', () => new Promise<void>(() => {}));
    await until(() => b.claimedElsewhere('doc/two'));
    gone.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(b.claimedElsewhere('doc/two')).toBe(false);
  });
});
