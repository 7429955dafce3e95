/**
 * Read confirmations made offline. Confirming goes to the server (a reader's connection is
 * read-only), so a confirmation made without a network is kept on the device, per person and
 * document, and sent as soon as the app is online again, whatever page is open: by the document's
 * banner, and by the session whenever it reaches the server (start, coming back online, its
 * periodic refresh). The server decides whether it still counts: a version that is no longer the
 * one asked for (409), a document gone or no longer readable (404, 403) drops the kept one.
 */
import { api, ApiFailure } from '../api';

export interface PendingConfirmation {
  versionId: string;
  name: string;
}

const PREFIX = 'fika.pendingConfirmation.';
const keyOf = (userId: string, docId: string) => `${PREFIX}${userId}.${docId}`;

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function readPending(userId: string, docId: string): PendingConfirmation | null {
  try {
    const value = JSON.parse(storage()?.getItem(keyOf(userId, docId)) ?? 'null') as unknown;
    if (value && typeof value === 'object' && 'versionId' in value && 'name' in value) {
      const { versionId, name } = value as { versionId: unknown; name: unknown };
      if (typeof versionId === 'string' && typeof name === 'string') return { versionId, name };
    }
  } catch {
    // unreadable: nothing kept
  }
  return null;
}

export function keepPending(userId: string, docId: string, value: PendingConfirmation | null): void {
  try {
    if (value) storage()?.setItem(keyOf(userId, docId), JSON.stringify(value));
    else storage()?.removeItem(keyOf(userId, docId));
  } catch {
    // storage unavailable (private mode): the person confirms again when online
  }
}

function pendingDocs(userId: string): string[] {
  const store = storage();
  if (!store) return [];
  const prefix = `${PREFIX}${userId}.`;
  const docs: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(prefix)) docs.push(key.slice(prefix.length));
  }
  return docs;
}

/**
 * Sends one confirmation. 'sent' and 'dropped' remove what was kept; 'offline' keeps it (made
 * offline, it is kept now); any other failure (a server error) keeps what was kept for the next try.
 */
export async function sendConfirmation(
  userId: string,
  docId: string,
  value: PendingConfirmation
): Promise<'sent' | 'offline' | 'dropped' | 'failed'> {
  try {
    await api(`/documents/${encodeURIComponent(docId)}/confirmations`, {
      body: { versionId: value.versionId }
    });
    keepPending(userId, docId, null);
    return 'sent';
  } catch (err) {
    if (err instanceof ApiFailure && err.error === 'offline') {
      keepPending(userId, docId, value);
      return 'offline';
    }
    if (err instanceof ApiFailure && [403, 404, 409].includes(err.status)) {
      keepPending(userId, docId, null);
      return 'dropped';
    }
    return 'failed';
  }
}

let sending = false;

/** Sends every confirmation this person made offline; called when the app reaches the server. */
export async function sendPendingConfirmations(userId: string): Promise<void> {
  if (sending) return;
  sending = true;
  try {
    for (const docId of pendingDocs(userId)) {
      const value = readPending(userId, docId);
      if (!value) {
        keepPending(userId, docId, null);
        continue;
      }
      if ((await sendConfirmation(userId, docId, value)) === 'offline') return;
    }
  } finally {
    sending = false;
  }
}

/** Forgets what this person kept (sign-out deletes their local data). */
export function forgetPendingConfirmations(userId: string): void {
  for (const docId of pendingDocs(userId)) keepPending(userId, docId, null);
}
