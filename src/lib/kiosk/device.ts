/**
 * This browser as a kiosk screen: its pairing, its device token and its own local store.
 *
 * A kiosk is a device, not a person (see sync-server/src/kiosks.ts): pairing with a code or a
 * link's secret gives a device token, kept in localStorage (`fika.kiosk`) for the sync
 * connections (as a subprotocol, `tokenProtocols`) and the API's Bearer header; the server also
 * sets an HttpOnly cookie for the images. Its rooms live in a Dexie database of its own,
 * `fika-kiosk:<id>` (a `:` never occurs in a person's id, so it cannot be anyone's), deleted
 * whole when the screen is disconnected.
 */
import { ApiFailure, type Me } from '../api';
import { deleteUserDb } from '../data/db';
import type { ReadableRoom } from '../model/org';
import { versionsInChunks, type RoomVersions } from '../sync/room-budget';

export type KioskLanguage = 'sv' | 'en';

/** What the device remembers. */
export interface KioskDevice {
  id: string;
  token: string;
}

/** What `GET /api/kiosk/me` answers. */
export interface KioskMe {
  kiosk: { id: string; name: string; language: KioskLanguage; location: string | null };
  organisation: { name: string };
  spaces: { id: string; name: string }[];
  rooms: ReadableRoom[];
  people: { id: string; name: string }[];
}

const DEVICE_KEY = 'fika.kiosk';
const ME_KEY = 'fika.kiosk.me';
/** The service worker's cache of post images (see vite.config.ts). */
const IMAGE_CACHE = 'fika-images';

/** The owner id of the kiosk's local database: `fika-kiosk:<id>`. */
export const kioskDbOwner = (kioskId: string): string => `kiosk:${kioskId}`;

export function readDevice(): KioskDevice | null {
  try {
    const raw = localStorage.getItem(DEVICE_KEY);
    const value = raw ? (JSON.parse(raw) as Partial<KioskDevice> | null) : null;
    return value && typeof value.id === 'string' && typeof value.token === 'string'
      ? { id: value.id, token: value.token }
      : null;
  } catch {
    return null;
  }
}

/** The last `/api/kiosk/me`, so that the screen starts without a network. */
export function readCachedMe(): KioskMe | null {
  try {
    const raw = localStorage.getItem(ME_KEY);
    return raw ? (JSON.parse(raw) as KioskMe) : null;
  } catch {
    return null;
  }
}

function remember(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage unavailable: the screen works until the next reload
  }
}

async function call<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiFailure(0, 'offline', 'The server could not be reached.');
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: string; message?: string }) | null;
  if (!response.ok) {
    throw new ApiFailure(
      response.status,
      body?.error ?? `http-${response.status}`,
      body?.message ?? response.statusText
    );
  }
  return body as T;
}

/** Pairs this browser with a code or a link's secret, and remembers the device token. */
export async function pair(input: { code: string } | { secret: string }): Promise<KioskDevice> {
  const { token, kiosk } = await call<{ token: string; kiosk: { id: string } }>('/kiosk/pair', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input)
  });
  const device = { id: kiosk.id, token };
  remember(DEVICE_KEY, device);
  return device;
}

/** The kiosk's current view from the server (and kept for offline starts). 401: disconnected. */
export async function fetchMe(device: KioskDevice): Promise<KioskMe> {
  const me = await call<KioskMe>('/kiosk/me', { headers: { authorization: `Bearer ${device.token}` } });
  remember(ME_KEY, me);
  return me;
}

/** How the screen's sync engine asks which of its closed rooms changed (room-budget.ts). */
export function kioskVersions(device: KioskDevice): (rooms: string[]) => Promise<RoomVersions> {
  return (rooms) =>
    versionsInChunks(rooms, (chunk) =>
      call('/sync/versions', {
        method: 'POST',
        headers: { authorization: `Bearer ${device.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rooms: chunk })
      })
    );
}

/** The kiosk's view in the shape the sync engine follows (only `rooms` matters to it). */
export function engineMe(me: KioskMe): Me {
  return {
    user: {
      id: kioskDbOwner(me.kiosk.id),
      email: '',
      name: me.kiosk.name,
      title: '',
      role: 'staff',
      active: true
    },
    groups: [],
    spaces: [],
    rooms: me.rooms,
    organisation: me.organisation
  };
}

/**
 * Forgets everything this screen held: the token, the cached view, the local database and the
 * cached images. Waits for the database to be deleted (its connections must be closed first).
 */
export async function forgetDevice(kioskId: string | null): Promise<void> {
  try {
    localStorage.removeItem(DEVICE_KEY);
    localStorage.removeItem(ME_KEY);
  } catch {
    // storage unavailable: nothing was kept there
  }
  const deletions: Promise<unknown>[] = [];
  if (kioskId !== null) deletions.push(deleteUserDb(kioskDbOwner(kioskId)));
  if (typeof caches !== 'undefined') deletions.push(caches.delete(IMAGE_CACHE).catch(() => false));
  await Promise.all(deletions);
}
