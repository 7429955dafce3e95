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
 * Web Locks need a secure context: a page served over plain HTTP from anywhere but localhost
 * (a trial on the local network) has none, and an old browser may lack them. There the tabs
 * count each other on the BroadcastChannel alone: each says it is here when it starts (and
 * the others answer), again every `RECOUNT_MS`, and that it is gone when it stops; a tab not
 * heard from for `SILENT_LIMIT` rounds (one that crashed) stops being counted. Without either
 * (outside a browser) the count stays 1.
 */

/** The prefix of every tab's lock name. */
const LOCK_PREFIX = 'fika-tab:';
const CHANNEL = 'fika-tabs';
/** How often the tabs are counted again in any case (and, without locks, say they are here). */
const RECOUNT_MS = 10_000;
/** A tab saying it stops still holds its lock: count again after this. */
const AFTER_STOP_MS = 1000;
/** Without locks, a tab unheard for this many rounds is taken to be gone. */
const SILENT_LIMIT = 2.5;

/**
 * What the tabs say on the channel. With locks only `started` and `stopped` (each makes the
 * others count the locks); without, `here` (with `ask` when the others should answer at once)
 * and `gone`, each with the tab's id.
 */
type CensusMessage =
  'started' | 'stopped' | { kind: 'here'; tab: string; ask?: boolean } | { kind: 'gone'; tab: string };

export interface TabCensusOptions {
  /** `RECOUNT_MS` (tests shorten it). */
  recountMs?: number;
}

export class TabCensus {
  readonly #onChange: (tabs: number) => void;
  readonly #recountMs: number;
  /** Unique among this browser's tabs; not a secret. */
  readonly #id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  #tabs = 1;
  #stopped = false;
  #release: () => void = () => {};
  #channel: BroadcastChannel | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #later = new Set<ReturnType<typeof setTimeout>>();
  /** Without locks: the other tabs heard from, and when last (performance.now()); null with locks. */
  #heard: Map<string, number> | null = null;

  /** Starts counting; `onChange` hears each new count (not the first 1). */
  constructor(onChange: (tabs: number) => void, options: TabCensusOptions = {}) {
    this.#onChange = onChange;
    this.#recountMs = options.recountMs ?? RECOUNT_MS;
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    const channels = typeof window !== 'undefined' && typeof BroadcastChannel !== 'undefined';
    if (locks) this.#startWithLocks(locks);
    else if (channels) this.#startWithoutLocks();
    else return;
    if (typeof window !== 'undefined') {
      window.addEventListener('pagehide', this.#onPageHide);
      window.addEventListener('pageshow', this.#onPageShow);
    }
  }

  #startWithLocks(locks: LockManager): void {
    // `crypto.randomUUID` would need a secure context, as Web Locks do, but a plain id costs
    // nothing to be sure.
    const name = `${LOCK_PREFIX}${this.#id}`;
    const held = new Promise<void>((resolve) => (this.#release = resolve));
    void locks
      .request(name, () => {
        if (this.#stopped) return;
        this.#post('started');
        void this.#countLocks();
        return held;
      })
      .catch(() => {});
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(CHANNEL);
      this.#channel.onmessage = (event: MessageEvent<unknown>) => {
        void this.#countLocks();
        if (event.data === 'stopped') this.#countLater(AFTER_STOP_MS);
      };
    }
    this.#timer = setInterval(() => void this.#countLocks(), this.#recountMs);
  }

  #startWithoutLocks(): void {
    const heard = (this.#heard = new Map());
    this.#channel = new BroadcastChannel(CHANNEL);
    this.#channel.onmessage = ({ data }: MessageEvent<CensusMessage>) => {
      if (this.#stopped || typeof data !== 'object' || data === null || typeof data.tab !== 'string') return;
      if (data.tab === this.#id) return;
      if (data.kind === 'gone') heard.delete(data.tab);
      else if (data.kind === 'here') {
        heard.set(data.tab, performance.now());
        if (data.ask) this.#post({ kind: 'here', tab: this.#id });
      } else return;
      this.#setCount(1 + heard.size);
    };
    this.#post({ kind: 'here', tab: this.#id, ask: true });
    this.#timer = setInterval(() => {
      this.#post({ kind: 'here', tab: this.#id });
      const silentSince = performance.now() - SILENT_LIMIT * this.#recountMs;
      for (const [tab, at] of heard) if (at < silentSince) heard.delete(tab);
      this.#setCount(1 + heard.size);
    }, this.#recountMs);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#post(this.#heard ? { kind: 'gone', tab: this.#id } : 'stopped');
    this.#stopped = true;
    this.#release();
    this.#channel?.close();
    this.#channel = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    for (const timer of this.#later) clearTimeout(timer);
    this.#later.clear();
    if (typeof window !== 'undefined') {
      window.removeEventListener('pagehide', this.#onPageHide);
      window.removeEventListener('pageshow', this.#onPageShow);
    }
  }

  #post(message: CensusMessage): void {
    if (!this.#stopped) this.#channel?.postMessage(message);
  }

  /** The tab is going away (closed, or navigating elsewhere): the others count again soon. */
  #onPageHide = (): void => {
    this.#post(this.#heard ? { kind: 'gone', tab: this.#id } : 'stopped');
  };

  /** The tab came back from the back-forward cache: it is here again. */
  #onPageShow = (event: PageTransitionEvent): void => {
    if (!event.persisted) return;
    if (this.#heard) this.#post({ kind: 'here', tab: this.#id, ask: true });
    else {
      this.#post('started');
      void this.#countLocks();
    }
  };

  #countLater(ms: number): void {
    const timer = setTimeout(() => {
      this.#later.delete(timer);
      void this.#countLocks();
    }, ms);
    this.#later.add(timer);
  }

  async #countLocks(): Promise<void> {
    if (this.#stopped) return;
    let tabs: number;
    try {
      const { held = [] } = await navigator.locks.query();
      tabs = Math.max(1, held.filter((lock) => lock.name?.startsWith(LOCK_PREFIX)).length);
    } catch {
      return;
    }
    this.#setCount(tabs);
  }

  #setCount(tabs: number): void {
    if (this.#stopped || tabs === this.#tabs) return;
    this.#tabs = tabs;
    this.#onChange(tabs);
  }
}
