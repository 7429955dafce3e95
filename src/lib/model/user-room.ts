/**
 * A person's own room, `user/<id>`: private to them, synced between their devices.
 *
 * Y.Doc shape (version 2):
 *   getText('note')         a personal note, plain text
 *   getMap('read')          post id → ms: when the person first opened or scrolled past the post
 *   getMap('spaces')        space id → 'follow' | 'mute': the person's choice for the space's place
 *                           in their feed (absent: the default, see `inFeed`)
 *   getMap('notify')        space id → 'all' | 'mentions' | 'off': which notifications the space gives
 *                           (absent: 'mentions')
 *   getMap('notifications') notification id → ms: when the person read it
 *   getMap('prefs')         'notificationsReadUntil' → ms: everything before it counts as read
 */
import type * as Y from 'yjs';
import type { Audience, SpaceKind } from './org';
import { replaceText } from './text';

export type SpaceChoice = 'follow' | 'mute';
export type NotifyLevel = 'all' | 'mentions' | 'off';

export const note = (doc: Y.Doc): Y.Text => doc.getText('note');
export const readMap = (doc: Y.Doc) => doc.getMap<number>('read');
export const spaceChoices = (doc: Y.Doc) => doc.getMap<SpaceChoice>('spaces');
export const notifyLevels = (doc: Y.Doc) => doc.getMap<NotifyLevel>('notify');
export const notificationReads = (doc: Y.Doc) => doc.getMap<number>('notifications');
export const prefs = (doc: Y.Doc) => doc.getMap<unknown>('prefs');

export function readNote(doc: Y.Doc): string {
  return note(doc).toString();
}

/**
 * Makes the note read `next`, changing only the part that differs (the common start and end are
 * kept), so that edits made meanwhile on another device outside that part survive the merge.
 */
export function writeNote(doc: Y.Doc, next: string): void {
  replaceText(note(doc), next);
}

/**
 * Whether a space's posts are in the person's feed. News and project spaces are, unless muted;
 * so are communities for a set of groups (being in the group is being in the community). Open
 * communities (for everyone) are once joined ('follow').
 */
export function inFeed(
  space: { kind: SpaceKind; audience: Audience },
  choice: SpaceChoice | null | undefined
): boolean {
  if (choice === 'mute') return false;
  if (choice === 'follow') return true;
  return !isOpenCommunity(space);
}

/** An open community: anyone may join it (its audience is everyone). */
export function isOpenCommunity(space: { kind: SpaceKind; audience: Audience }): boolean {
  return space.kind === 'community' && space.audience === 'everyone';
}

/** Marks posts read (the first time only: the earliest time stays). */
export function markRead(doc: Y.Doc, postIds: string[], at: number): void {
  const map = readMap(doc);
  const unread = postIds.filter((id) => !map.has(id));
  if (unread.length === 0) return;
  doc.transact(() => {
    for (const id of unread) map.set(id, at);
  });
}

export function markUnread(doc: Y.Doc, postId: string): void {
  if (readMap(doc).has(postId)) readMap(doc).delete(postId);
}

/** Sets the person's choice for a space; null returns it to the default. */
export function setSpaceChoice(doc: Y.Doc, spaceId: string, choice: SpaceChoice | null): void {
  if (choice === null) {
    if (spaceChoices(doc).has(spaceId)) spaceChoices(doc).delete(spaceId);
  } else if (spaceChoices(doc).get(spaceId) !== choice) spaceChoices(doc).set(spaceId, choice);
}

export function setNotifyLevel(doc: Y.Doc, spaceId: string, level: NotifyLevel): void {
  if (level === 'mentions') {
    if (notifyLevels(doc).has(spaceId)) notifyLevels(doc).delete(spaceId);
  } else if (notifyLevels(doc).get(spaceId) !== level) notifyLevels(doc).set(spaceId, level);
}

export function markNotificationRead(doc: Y.Doc, id: string, at: number): void {
  if (!notificationReads(doc).has(id)) notificationReads(doc).set(id, at);
}

/** "Mark all as read": everything up to `at` counts as read; the single marks before it go. */
export function markAllNotificationsRead(doc: Y.Doc, at: number): void {
  doc.transact(() => {
    prefs(doc).set('notificationsReadUntil', at);
    for (const [id, readAt] of notificationReads(doc).entries()) {
      if (readAt <= at) notificationReads(doc).delete(id);
    }
  });
}

export function notificationsReadUntil(doc: Y.Doc): number {
  const value = prefs(doc).get('notificationsReadUntil');
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
