/**
 * How many tabs of this app are open in this browser, so that they can share its WebSockets.
 *
 * A browser allows some 255 WebSockets in all (see room-budget.ts), and each tab's sync engine
 * opens up to `MAX_OPEN_ROOMS`: four tabs of a person with a large library would ask for more
 * than there are, and the browser would refuse the last ones outright. So each tab holds a Web
 * Lock of its own for as long as it lives, and counts the tabs by the locks held (the browser
 * releases a tab's locks when the tab closes or crashes, so the count cannot keep a dead tab).
 * A tab that starts or stops says so on a BroadcastChannel, and the others count again; they
 * also count every `RECOUNT_MS`, for tabs that ended without a word.
 *
 * Where Web Locks are missing (an old browser, a page served over plain HTTP other than from
 * localhost, or outside a browser), the count stays 1.
 */

/** The prefix of every tab's lock name. */
const LOCK_PREFIX = 'fika-tab:';
const CHANNEL = 'fika-tabs';
/** How often the tabs are counted again in any case. */
const RECOUNT_MS = 10_000;
/** A tab saying it stops still holds its lock: count again after this. */
const AFTER_STOP_MS = 1000;

export class TabCensus {
  readonly #onChange: (tabs: number) => void;
  #tabs = 1;
  #stopped = false;
  #release: () => void = () => {};
  #channel: BroadcastChannel | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #later = new Set<ReturnType<typeof setTimeout>>();

  /** Starts counting; `onChange` hears each new count (not the first 1). */
  constructor(onChange: (tabs: number) => void) {
    this.#onChange = onChange;
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (!locks) return;
    // Unique among this browser's tabs; not a secret (and `crypto.randomUUID` needs a secure
    // context, as Web Locks do, but a plain id costs nothing to be sure).
    const name = `${LOCK_PREFIX}${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const held = new Promise<void>((resolve) => (this.#release = resolve));
    void locks
      .request(name, () => {
        if (this.#stopped) return;
        this.#channel?.postMessage('started');
        void this.#count();
        return held;
      })
      .catch(() => {});
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(CHANNEL);
      this.#channel.onmessage = (event: MessageEvent<unknown>) => {
        void this.#count();
        if (event.data === 'stopped') this.#countLater(AFTER_STOP_MS);
      };
    }
    this.#timer = setInterval(() => void this.#count(), RECOUNT_MS);
    if (typeof window !== 'undefined') window.addEventListener('pagehide', this.#onPageHide);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#release();
    this.#channel?.postMessage('stopped');
    this.#channel?.close();
    this.#channel = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const timer of this.#later) clearTimeout(timer);
    this.#later.clear();
    if (typeof window !== 'undefined') window.removeEventListener('pagehide', this.#onPageHide);
  }

  /** The tab is going away (closed, or navigating elsewhere): the others count again soon. */
  #onPageHide = (): void => {
    this.#channel?.postMessage('stopped');
  };

  #countLater(ms: number): void {
    const timer = setTimeout(() => {
      this.#later.delete(timer);
      void this.#count();
    }, ms);
    this.#later.add(timer);
  }

  async #count(): Promise<void> {
    if (this.#stopped) return;
    let tabs: number;
    try {
      const { held = [] } = await navigator.locks.query();
      tabs = Math.max(1, held.filter((lock) => lock.name?.startsWith(LOCK_PREFIX)).length);
    } catch {
      return;
    }
    if (this.#stopped || tabs === this.#tabs) return;
    this.#tabs = tabs;
    this.#onChange(tabs);
  }
}
