/**
 * The tab count where Web Locks are missing (a page over plain HTTP from another host than
 * localhost): the tabs count each other on a BroadcastChannel alone. Node's BroadcastChannel
 * delivers between instances in one process as a browser's does between tabs; `window` stands
 * in for the page's events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TabCensus } from '../../src/lib/sync/tab-census';
import { waitFor } from '../support/server';

/** Rounds so long that any count seen in a test came from the tabs' answers and goodbyes. */
const NO_ROUNDS = 60_000;
/** Rounds short enough for a silent tab to drop out within the test. */
const SHORT_ROUNDS = 100;

interface Tab {
  census: TabCensus;
  counts: number[];
  readonly last: number;
}

function openTab(recountMs: number): Tab {
  const counts: number[] = [];
  const census = new TabCensus((tabs) => counts.push(tabs), { recountMs });
  return {
    census,
    counts,
    get last() {
      return counts.at(-1) ?? 1;
    }
  };
}

describe('TabCensus without Web Locks', () => {
  const opened: TabCensus[] = [];
  const tab = (recountMs = NO_ROUNDS) => {
    const t = openTab(recountMs);
    opened.push(t.census);
    return t;
  };
  const g = globalThis as { window?: unknown };

  beforeEach(() => {
    expect(typeof navigator === 'undefined' || !('locks' in navigator)).toBe(true);
    g.window = { addEventListener() {}, removeEventListener() {} };
  });
  afterEach(() => {
    for (const census of opened.splice(0)) census.stop();
    delete g.window;
  });

  it('counts the tabs as they open and close, at once', async () => {
    const a = tab();
    const b = tab();
    const c = tab();
    // The tab that opens last learns of the others from their answers, not their next round.
    await waitFor(() => [a, b, c].every((t) => t.last === 3), 5000, 'three tabs counted');
    c.census.stop();
    await waitFor(() => a.last === 2 && b.last === 2, 5000, 'the closed tab no longer counted');
    expect(a.counts).toEqual([2, 3, 2]);
  });

  it('forgets a tab that went silent (one that crashed)', async () => {
    const a = tab(SHORT_ROUNDS);
    const ghost = new BroadcastChannel('fika-tabs');
    ghost.postMessage({ kind: 'here', tab: 'crashed-tab' });
    await waitFor(() => a.last === 2, 5000, 'the other tab counted');
    ghost.close();
    await waitFor(() => a.last === 1, 5000, 'the silent tab forgotten');
  });

  it('ignores messages that are not a tab saying it is here or gone', async () => {
    const a = tab();
    const b = tab();
    await waitFor(() => a.last === 2 && b.last === 2, 5000, 'two tabs counted');
    const noise = new BroadcastChannel('fika-tabs');
    for (const message of ['started', 'stopped', null, 7, { kind: 'here' }, { kind: 'other', tab: 'x' }]) {
      noise.postMessage(message);
    }
    noise.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.counts).toEqual([2]);
    expect(b.counts).toEqual([2]);
  });

  it('stays at one tab outside a browser', async () => {
    delete g.window;
    const a = tab();
    const b = tab();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([a.counts, b.counts]).toEqual([[], []]);
  });
});
