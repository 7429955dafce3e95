/**
 * A space's shared room, `space/<id>`: what belongs to the space rather than to one month.
 *
 * Y.Doc shape (version 1):
 *   getMap('pinned')   post id → { postId, room, by, at }   posts pinned to the top of the feed
 *   getMap('settings') reserved
 *
 * Only the space's editors (admins and editors in its audience) write this room; the server's
 * rules refuse anyone else's update (see space-rules.ts).
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
