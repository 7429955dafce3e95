/**
 * The kiosk screen's life: pairing, syncing its spaces, following its settings, and ending
 * when it is disconnected. Built to run for months untouched:
 *
 * - it starts from the last known view and local store, so it shows content with no network;
 * - the sync engine (personal: false, read-only rooms) reconnects by itself, also after a server
 *   restart; `/api/kiosk/me` is asked again when the server signals, in a space's shared room,
 *   that its rooms may have changed (a new targeted post), and every `REFRESH_MS` for changed
 *   spaces or language;
 * - a 4401 on any room or a 401 from the API means the kiosk was revoked (or paired again
 *   elsewhere): it stops, deletes its database, token and cached images, and says so.
 */
import { ApiFailure } from '../api';
import { openUserDb, type FikaDb } from '../data/db';
import { i18n } from '../i18n/index.svelte';
import type { SyncEngine } from '../sync/engine';
import { tokenProtocols } from '../model/protocol';
import {
  engineMe,
  fetchMe,
  forgetDevice,
  kioskDbOwner,
  kioskVersions,
  pair,
  readCachedMe,
  readDevice,
  type KioskDevice,
  type KioskMe
} from './device';

export type KioskPhase = 'starting' | 'pairing' | 'showing' | 'disconnected';

/** How often the kiosk asks for its view again. */
export const REFRESH_MS = 15_000;
/** The most a screen waits, at random, before asking after a change signal. */
const SPREAD_MS = 500;
/** A connection down this long (not just reconnecting) shows the offline marker. */
const DOWN_GRACE_MS = 5_000;

export class KioskScreen {
  phase = $state<KioskPhase>('starting');
  me = $state.raw<KioskMe | null>(null);
  db = $state.raw<FikaDb | null>(null);
  sync = $state.raw<SyncEngine | null>(null);
  /** Pairing failed: the server's reason (`invalid-pairing`, `too-many-attempts`, `offline`). */
  pairingError = $state<string | null>(null);
  pairing = $state(false);
  /** When the screen lost its connection, while it is lost; null while connected. */
  offlineSince = $state<number | null>(null);

  #device: KioskDevice | null = null;
  #refresh: ReturnType<typeof setInterval> | null = null;
  #soon: ReturnType<typeof setTimeout> | null = null;
  #downNoticedAt: number | null = null;
  #stopped = false;

  /** Starts from the link's secret, else the remembered device, else the pairing form. */
  async start(url: URL): Promise<void> {
    const secret = url.searchParams.get('pair');
    if (secret) {
      // The secret is one-time and must not stay in the address bar or the history.
      history.replaceState(history.state, '', url.pathname);
      await this.pair({ secret });
      if (this.phase === 'showing') return;
    }
    const device = readDevice();
    if (device) await this.#show(device);
    else if (this.phase === 'starting') this.phase = 'pairing';
  }

  async pair(input: { code: string } | { secret: string }): Promise<void> {
    if (this.pairing) return;
    this.pairing = true;
    this.pairingError = null;
    try {
      const old = readDevice();
      const device = await pair(input);
      // A screen paired anew drops whatever the previous kiosk identity had stored.
      if (old && old.id !== device.id) await forgetDevice(old.id);
      await this.#show(device);
    } catch (err) {
      this.pairingError = err instanceof ApiFailure ? err.error : 'unknown';
      this.phase = 'pairing';
    } finally {
      this.pairing = false;
    }
  }

  async #show(device: KioskDevice): Promise<void> {
    this.#device = device;
    const cached = readCachedMe();
    this.#apply(cached?.kiosk.id === device.id ? cached : null);
    this.db = openUserDb(kioskDbOwner(device.id));
    this.phase = 'showing';
    const { createSyncEngine } = await import('../sync/engine');
    if (this.#stopped || this.#device !== device) return;
    this.sync = await createSyncEngine({
      db: this.db,
      me: this.me ? engineMe(this.me) : null,
      personal: false,
      // In a header, not the address: proxies log addresses.
      protocols: tokenProtocols(device.token),
      versions: kioskVersions(device),
      onSessionEnded: () => void this.#disconnect(),
      // A new targeted post for this screen's place, or a changed audience: ask at once rather
      // than at the next refresh, spread a little so that all screens do not ask together.
      onSpaceRoomsChanged: () => this.#refreshSoon()
    });
    void this.#refreshMe();
    this.#refresh = setInterval(() => void this.#refreshMe(), REFRESH_MS);
  }

  #apply(me: KioskMe | null): void {
    this.me = me;
    if (me) i18n.preference = me.kiosk.language;
  }

  #refreshSoon(): void {
    if (this.#soon) return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      void this.#refreshMe();
    }, Math.random() * SPREAD_MS);
  }

  async #refreshMe(): Promise<void> {
    const device = this.#device;
    if (!device || this.phase !== 'showing') return;
    try {
      const me = await fetchMe(device);
      if (this.#device !== device || this.phase !== 'showing') return;
      this.#apply(me);
      this.sync?.update(engineMe(me));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) await this.#disconnect();
      // Anything else (no network, a restarting server): keep showing, try at the next refresh.
    }
  }

  /** Follows the connection, once a second (from the clock): sets or clears `offlineSince`. */
  tick(now = Date.now()): void {
    const status = this.sync?.status;
    if (!status) return;
    // With no room to show (no space chosen yet) the engine has nothing to connect: not "down".
    const idle = this.me !== null && this.me.rooms.length === 0 && status.state === 'connecting';
    const down = !idle && (status.state === 'offline' || status.state === 'connecting');
    if (!down) {
      this.#downNoticedAt = null;
      this.offlineSince = null;
      return;
    }
    this.#downNoticedAt ??= now;
    if (status.state === 'offline' || now - this.#downNoticedAt >= DOWN_GRACE_MS) {
      this.offlineSince ??= status.lastSyncedAt ?? this.#downNoticedAt;
    }
  }

  async #disconnect(): Promise<void> {
    if (this.phase === 'disconnected') return;
    const id = this.#device?.id ?? null;
    this.phase = 'disconnected';
    this.#device = null;
    if (this.#refresh) clearInterval(this.#refresh);
    this.#refresh = null;
    if (this.#soon) clearTimeout(this.#soon);
    this.#soon = null;
    this.sync?.stop();
    this.sync = null;
    this.db?.close();
    this.db = null;
    this.me = null;
    await forgetDevice(id).catch((err: unknown) =>
      console.error('the kiosk could not delete its local data', err)
    );
  }

  stop(): void {
    this.#stopped = true;
    if (this.#refresh) clearInterval(this.#refresh);
    if (this.#soon) clearTimeout(this.#soon);
    this.sync?.stop();
    this.db?.close();
  }
}
