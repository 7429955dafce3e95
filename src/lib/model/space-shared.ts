/**
 * A space's shared room, `space/<id>`: what belongs to the space rather than to one month.
 *
 * Y.Doc shape (version 1):
 *   getMap('pinned')   post id → { postId, room, by, at }   posts pinned to the top of the feed
 *   getMap('settings') reserved
 *   getMap('signals')  'roomsChangedAt' → ms, written by the server when the rooms some readers
 *                      may open could have changed (a new targeted post, a changed audience) in a
 *                      kiosk-visible space. Kiosk screens, which do not read the `org` room and its
 *                      `accessChangedAt`, ask for their rooms again when it changes. Advisory only:
 *                      the answer to that request, not this value, decides what a device reads.
 *
 * Only the space's editors (admins and editors in its audience) write this room, and only the
 * server its signals; the server's rules refuse any other update (see space-rules.ts).
 */
import type * as Y from 'yjs';

export interface PinEntry {
  postId: string;
  /** The room the post lives in (`space/<id>/<yyyy-mm>` or `post/<spaceId>/<postId>`). */
  room: string;
  /** Who pinned it. */
  by: string;
  at: number;
}

export const pinned = (doc: Y.Doc) => doc.getMap<PinEntry>('pinned');

export function pin(doc: Y.Doc, entry: PinEntry): void {
  pinned(doc).set(entry.postId, entry);
}

export function unpin(doc: Y.Doc, postId: string): void {
  if (pinned(doc).has(postId)) pinned(doc).delete(postId);
}

const signals = (doc: Y.Doc) => doc.getMap<unknown>('signals');

/** Records that the rooms readers of the space may open could have changed (server only). */
export function markRoomsChanged(doc: Y.Doc, at: number): void {
  signals(doc).set('roomsChangedAt', at);
}

/** Calls `listener` whenever the server records such a change (not on the first load). */
export function onRoomsChanged(doc: Y.Doc, listener: () => void): () => void {
  const map = signals(doc);
  const observer = (event: Y.YMapEvent<unknown>) => {
    if (!event.transaction.local && event.keysChanged.has('roomsChangedAt')) listener();
  };
  map.observe(observer);
  return () => map.unobserve(observer);
}
