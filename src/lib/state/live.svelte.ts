/**
 * A query of the local store as a reactive value for components: `const posts = live(() =>
 * recentPosts(db), [])` then `posts.value`. Re-runs whenever the store changes (in this tab,
 * another Dexie instance of it, or another tab), and whenever reactive state read by `query`
 * before its first `await` changes. Call it during component initialisation.
 *
 * Why not Dexie's `liveQuery` alone: it learns what a query read by following it through its
 * awaits, and loses track inside nested async functions (a query that awaits a helper which
 * awaited two reads and returned a plain value stops noticing the reads after it). The feed's
 * queries are built of such helpers. So this re-runs on Dexie's `storagemutated` event, which
 * fires for every committed change to the rows pages read, coalesced so a burst of writes costs
 * one re-run, and keeps only the answer of the latest run. A hidden page re-runs once it is
 * shown; see `schedule` below.
 */
import Dexie from 'dexie';

/** Writes within this long of each other cause one re-run. */
const COALESCE_MS = 16;

/**
 * Tables no page query reads: the rooms' Yjs updates (written on every keystroke in an editor or
 * the note), the rooms list and the outbox belong to the sync layer. Rows materialised from
 * those updates follow in their own tables, and those do trigger a re-run.
 */
const SYNC_TABLES = new Set(['$rooms.doc_updates', 'rooms', 'outbox']);

/** Whether a `storagemutated` report touches any table a page may read (`idb://<db>/<table>/…`). */
function touchesRows(parts: Record<string, unknown>): boolean {
  return Object.keys(parts).some((key) => {
    const table = key.startsWith('idb://') ? key.slice(6).split('/')[1] : undefined;
    return table === undefined || !SYNC_TABLES.has(table);
  });
}

const hidden = (): boolean => document.visibilityState === 'hidden';

export function live<T>(
  query: () => T | Promise<T>,
  initial: T
): { readonly value: T; readonly loaded: boolean } {
  let value = $state.raw(initial);
  let loaded = $state(false);
  $effect(() => {
    let run = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** A run has not answered yet. */
    let running = false;
    /** Something changed that the latest answer may not hold. */
    let stale = false;
    const execute = (pending: T | Promise<T>) => {
      const mine = ++run;
      running = true;
      stale = false;
      Promise.resolve(pending)
        .then(
          (next) => {
            if (stopped || mine !== run) return;
            value = next;
            loaded = true;
          },
          (err: unknown) => {
            if (!stopped) console.error('live query failed', err);
          }
        )
        .finally(() => {
          if (mine !== run) return;
          running = false;
          if (stale) schedule();
        });
    };
    // One run at a time: while one runs (or the page is hidden), changes only mark the answer
    // stale, and one more run follows. So a query that takes longer than the writes come never
    // piles up runs, and a tab in the background reads nothing until it is shown again.
    const schedule = () => {
      stale = true;
      if (stopped || running || timer !== null || hidden()) return;
      timer = setTimeout(() => {
        timer = null;
        if (!stopped && !running && !hidden()) execute(query());
      }, COALESCE_MS);
    };
    const rerun = (parts: Record<string, unknown>) => {
      if (touchesRows(parts)) schedule();
    };
    const shown = () => {
      if (stale && !hidden()) schedule();
    };
    // The first run happens here, so that the reactive state it reads is tracked by the effect.
    execute(query());
    Dexie.on('storagemutated', rerun);
    document.addEventListener('visibilitychange', shown);
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      Dexie.on('storagemutated').unsubscribe(rerun);
      document.removeEventListener('visibilitychange', shown);
    };
  });
  return {
    get value() {
      return value;
    },
    get loaded() {
      return loaded;
    }
  };
}
