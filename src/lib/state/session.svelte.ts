/**
 * Who is signed in on this device, and their local data.
 *
 * Offline first: the last person who signed in on this device is remembered (localStorage
 * `fika.account`), so the app opens on their local data at once, with or without a network;
 * `/api/me` then refreshes what they may read, in the background. One Dexie database per person
 * (`fika-<userId>`), opened on sign-in and deleted on sign-out.
 *
 * The sync layer (Yjs and its providers) is imported only once the session is known, so the
 * first page paints from the local store alone. A refused session (401 from the API, 4401 on a
 * sync connection) keeps the data and sets `expired`: the page asks the person to sign in again.
 * Tabs follow each other through the `storage` event: a sign-out in one signs out all.
 */
import { api, ApiFailure, type Me, type SignedIn } from '../api';
import type { User } from '../model/org';
import Dexie from 'dexie';
import { deleteUserDb, openUserDb, type FikaDb } from '../data/db';
import { forgetPendingConfirmations, sendPendingConfirmations } from './pending-confirmations';
import { closeSearch } from '../search/client';
import { deleteSearchDb } from '../search/store';
import { getMeta, saveMe } from '../data/meta';
import type { SyncEngine } from '../sync/engine';

export type SessionPhase = 'starting' | 'setup-needed' | 'signed-out' | 'signed-in';

/** What is remembered about the signed-in person on this device. */
export type Account = Pick<User, 'id' | 'name' | 'email' | 'role' | 'title'>;

export interface SetupInput {
  organisation: string;
  name: string;
  email: string;
  password: string;
}

const ACCOUNT_KEY = 'fika.account';
/**
 * Set while a sign-out has not reached the server (it was made offline): the browser still holds
 * the session's cookie, which the server would accept, so the sign-out is sent again as soon as
 * the app starts or the network returns, until the server has it or someone signs in anew.
 */
const SIGN_OUT_PENDING_KEY = 'fika.signOutPending';
/** The service worker's cache of post images (see vite.config.ts). */
const IMAGE_CACHE = 'fika-images';
/** Apps fetch /api/me within this long after the server records an access change. */
const ACCESS_REFRESH_SPREAD_MS = 1500;
/** `/api/me` is asked again this often while the app is open (new spaces, lost access). */
const REFRESH_MS = 5 * 60_000;
/** Sign-out does not wait longer than this for the server or for other tabs to let go. */
const SIGN_OUT_WAIT_MS = 5_000;

function readAccount(): Account | null {
  try {
    const raw = globalThis.localStorage?.getItem(ACCOUNT_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Account> | null;
    if (!value || typeof value.id !== 'string' || typeof value.name !== 'string') return null;
    return {
      id: value.id,
      name: value.name,
      email: typeof value.email === 'string' ? value.email : '',
      role: value.role === 'admin' || value.role === 'editor' ? value.role : 'staff',
      title: typeof value.title === 'string' ? value.title : ''
    };
  } catch {
    return null;
  }
}

function writeAccount(account: Account | null): void {
  try {
    if (account) localStorage.setItem(ACCOUNT_KEY, JSON.stringify(account));
    else localStorage.removeItem(ACCOUNT_KEY);
  } catch {
    // storage unavailable (private mode): the session lasts for this visit
  }
}

function flag(key: string): boolean {
  try {
    return globalThis.localStorage?.getItem(key) === '1';
  } catch {
    return false;
  }
}

function setFlag(key: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(key, '1');
    else localStorage.removeItem(key);
  } catch {
    // storage unavailable (private mode)
  }
}

const accountOf = (user: User): Account => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  title: user.title
});

const sameAccount = (a: Account | null, b: Account | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Deletes what a person left on this device: their databases, their confirmations waiting to be
 * sent, and the post images seen offline (the cache is shared, so it goes whole). Waits while
 * another tab still holds a database; the deletion completes once it lets go.
 */
async function forgetPerson(userId: string): Promise<void> {
  forgetPendingConfirmations(userId);
  await Promise.all([deleteUserDb(userId), forgetCopies(userId)]).catch((err: unknown) =>
    console.error('session: the local data could not be deleted', err)
  );
}

/**
 * Deletes what holds copies of a person's content besides their database: the search index
 * (rebuilt from the database at the next search) and the post images seen offline.
 */
async function forgetCopies(userId: string): Promise<void> {
  closeSearch();
  await Promise.all([deleteSearchDb(userId), globalThis.caches?.delete(IMAGE_CACHE).catch(() => false)]);
}

/** A person's database on this device (`fika-<id>` or `fika-search-<id>`), and whose. */
const PERSON_DB = /^fika-(?:search-)?([A-Za-z0-9_-]{8,64})$/;

/**
 * Deletes the databases of anyone but `userId` still on this device: one left by a deletion
 * that was cut short (the browser closed first), or by an earlier version of the app, which kept
 * them when someone else signed in.
 */
async function forgetOthers(userId: string): Promise<void> {
  const list = (await globalThis.indexedDB?.databases?.().catch(() => [])) ?? [];
  for (const { name } of list) {
    const owner = name ? PERSON_DB.exec(name)?.[1] : undefined;
    if (owner === undefined || owner === userId) continue;
    void Dexie.delete(name!).catch(() => undefined);
  }
}

export class Session {
  phase = $state<SessionPhase>('starting');
  account = $state<Account | null>(null);
  /** The latest `/api/me` (cached in the local database for offline starts). */
  me = $state.raw<Me | null>(null);
  /** The server refused the session (expired or revoked) while local data remains: sign in again. */
  expired = $state(false);
  db = $state.raw<FikaDb | null>(null);
  sync = $state.raw<SyncEngine | null>(null);

  #started: Promise<void> | null = null;
  /** Bumped whenever the signed-in person or their session changes, to drop stale async work. */
  #generation = 0;
  #refreshTimer: ReturnType<typeof setInterval> | null = null;

  /** Called once by the root layout. Never throws: an unreachable server leaves the local state. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', this.#onStorage);
      window.addEventListener('online', this.#onOnline);
    }
    const account = readAccount();
    if (account) {
      this.#open(account, null);
      return;
    }
    if (flag(SIGN_OUT_PENDING_KEY)) await this.#sendSignOut();
    try {
      const { needed } = await api<{ needed: boolean }>('/setup');
      this.phase = needed ? 'setup-needed' : 'signed-out';
    } catch {
      // No network and nobody remembered: the sign-in page says what is wrong when they try.
      this.phase = 'signed-out';
    }
  }

  /** Throws ApiFailure ('invalid-credentials', 'too-many-attempts' with retryAfter, 'offline', …). */
  /** Fetches the sync layer's code ahead of need (e.g. while someone types their password). */
  preloadSync(): void {
    import('../sync/engine').catch(() => undefined);
  }

  async signIn(email: string, password: string): Promise<void> {
    const { user } = await api<SignedIn>('/auth/login', { body: { email, password } });
    await this.#signedIn(user);
  }

  /** First-run set-up: creates the organisation and its first admin, and signs them in. */
  async setUp(input: SetupInput): Promise<void> {
    const { user } = await api<SignedIn>('/setup', { body: input });
    await this.#signedIn(user);
  }

  /**
   * Signs out and deletes this person's local data. When some local changes have not reached
   * the server and `discardUnsaved` is false, does nothing and answers 'unsaved' (the page
   * warns, then calls again with `discardUnsaved: true`).
   */
  async signOut({ discardUnsaved }: { discardUnsaved: boolean }): Promise<'done' | 'unsaved'> {
    const db = this.db;
    const account = this.account;
    if (db && !discardUnsaved) {
      const unsaved = await db.outbox.count().catch(() => 0);
      if (unsaved > 0) return 'unsaved';
    }
    this.#teardown();
    // Other tabs hear this first and let go of the database, so it can be deleted.
    writeAccount(null);
    // Offline, the local data goes all the same, and the server hears of it later.
    await this.#sendSignOut();
    if (account) await Promise.race([forgetPerson(account.id), wait(SIGN_OUT_WAIT_MS)]);
    this.phase = 'signed-out';
    return 'done';
  }

  /**
   * Tells the server that the session this browser holds ends. True once it has (or the session
   * had ended already); false when it could not be reached, and then it is tried again later.
   */
  async #sendSignOut(): Promise<boolean> {
    try {
      await api('/auth/logout', { method: 'POST', signal: AbortSignal.timeout(SIGN_OUT_WAIT_MS) });
    } catch (err) {
      // Unreachable (0), busy (429) or failing (5xx): not heard. Anything else (401: the session
      // had ended) leaves nothing to send.
      if (!(err instanceof ApiFailure) || err.status === 0 || err.status === 429 || err.status >= 500) {
        setFlag(SIGN_OUT_PENDING_KEY, true);
        return false;
      }
    }
    setFlag(SIGN_OUT_PENDING_KEY, false);
    return true;
  }

  async #signedIn(user: User): Promise<void> {
    // A new session's cookie took the place of the one a pending sign-out was for.
    setFlag(SIGN_OUT_PENDING_KEY, false);
    const account = accountOf(user);
    const me = await api<Me>('/me').catch(() => null);
    const previous = this.account ?? readAccount();
    if (previous && previous.id !== account.id) {
      // Someone else signs in where a person's session ended: the device is theirs now, and
      // nothing of the person before stays on it (as after signing out).
      this.#teardown();
      void forgetPerson(previous.id);
    }
    // A new session: the old engine's connections were refused or belong to the old session.
    this.sync?.stop();
    this.sync = null;
    this.expired = false;
    this.#open(account, me);
  }

  /**
   * Shows `account`'s local data at once, then starts syncing and refreshes `/api/me`.
   * `me` is given when just fetched (sign-in); otherwise the cached one is used meanwhile.
   */
  #open(account: Account, me: Me | null): void {
    const generation = ++this.#generation;
    if (!sameAccount(readAccount(), account)) writeAccount(account);
    this.account = account;
    const db = this.db ?? openUserDb(account.id);
    this.db = db;
    if (me) this.me = me;
    this.phase = 'signed-in';
    void this.#startSync(generation, db, me);
    void forgetOthers(account.id);
    this.#refreshTimer ??= setInterval(() => void this.refresh(), REFRESH_MS);
  }

  async #startSync(generation: number, db: FikaDb, fresh: Me | null): Promise<void> {
    // The cached answer is shown meanwhile; a fresh one is asked for alongside.
    if (!fresh) void this.refresh();
    try {
      if (fresh) await saveMe(db, fresh);
      else {
        const cached = await getMeta(db, 'me');
        if (generation !== this.#generation) return;
        if (cached && !this.me) this.me = cached;
      }
      const { createSyncEngine } = await import('../sync/engine');
      if (generation !== this.#generation) return;
      const me = this.me;
      const engine = await createSyncEngine({
        db,
        me,
        onSessionEnded: () => {
          if (generation === this.#generation) this.expired = true;
        },
        // What the person may no longer read goes from the device: besides its rows, from the
        // copies of it (search index, cached images).
        onAccessLost: () => {
          if (generation === this.#generation && this.account) {
            void forgetCopies(this.account.id).catch(() => undefined);
          }
        },
        // Everyone's app hears of an access change at once: spread their requests over a moment.
        onAccessChanged: () => {
          setTimeout(() => {
            if (generation === this.#generation) void this.refresh();
          }, Math.random() * ACCESS_REFRESH_SPREAD_MS);
        }
      });
      if (generation !== this.#generation) {
        engine.stop();
        return;
      }
      this.sync = engine;
      // A fresh `/api/me`: from the sign-in, or one that arrived while the engine was loading.
      // Updating also forgets rooms the person may no longer read.
      if (this.me && (this.me !== me || fresh)) engine.update(this.me);
    } catch (err) {
      console.error('session: sync could not start', err);
    }
  }

  /**
   * Asks the server again who this is and what they may read. Offline or failing: nothing
   * changes. Refused: `expired`, with the local data kept.
   */
  async refresh(): Promise<void> {
    const generation = this.#generation;
    const db = this.db;
    if (!db || this.phase !== 'signed-in') return;
    try {
      const me = await api<Me>('/me');
      if (generation !== this.#generation || me.user.id !== this.account?.id) return;
      this.me = me;
      // The engine hears of it in the same step as the pages do: a page that reacts to `me` (a
      // document just shared, say) then finds the engine already allowing it.
      this.sync?.update(me);
      this.expired = false;
      const account = accountOf(me.user);
      if (!sameAccount(account, this.account)) {
        this.account = account;
        writeAccount(account);
      }
      await saveMe(db, me);
      // Online and signed in: read confirmations made offline go now, whatever page is open.
      void sendPendingConfirmations(me.user.id);
    } catch (err) {
      if (generation !== this.#generation) return;
      if (err instanceof ApiFailure && err.status === 401) this.expired = true;
      else if (!(err instanceof ApiFailure)) console.error('session: refreshing failed', err);
    }
  }

  /** Lets go of the current person's data in this tab (without deleting it). */
  #teardown(): void {
    this.#generation++;
    this.sync?.stop();
    this.sync = null;
    // The search worker holds the person's database open too.
    closeSearch();
    this.db?.close();
    this.db = null;
    this.account = null;
    this.me = null;
    this.expired = false;
    if (this.#refreshTimer !== null) clearInterval(this.#refreshTimer);
    this.#refreshTimer = null;
  }

  #onStorage = (event: StorageEvent): void => {
    if (event.key !== ACCOUNT_KEY && event.key !== null) return;
    const account = readAccount();
    if (account?.id === this.account?.id) return;
    // Another tab signed out, or someone else signed in there.
    this.#teardown();
    if (account) {
      this.#open(account, null);
    } else {
      this.phase = 'signed-out';
    }
  };

  #onOnline = (): void => {
    if (this.phase === 'signed-in') void this.refresh();
    else if (flag(SIGN_OUT_PENDING_KEY)) void this.#sendSignOut();
  };
}

export const session = new Session();
