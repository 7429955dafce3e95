/**
 * Room names: the unit of sync and of access.
 *
 * A room is one Y.Doc, reached at `/sync/<room>`. Its name says what it holds and so who may
 * read and write it; the server decides access from its own tables, never from the client.
 *
 *   org                       the public directory (people, groups, open spaces); server-written
 *   space/<id>                a space's shared room (space settings, pinned posts)
 *   space/<id>/<yyyy-mm>      one month of a space's posts (partitions share the space's access)
 *   post/<spaceId>/<postId>   one targeted post: a post whose audience is narrower than its
 *                             space's (chosen groups within it), with its comments, reactions
 *                             and confirmations; readable only by that narrower audience
 *   doc/<id>                  one document (rich text, metadata, versions)
 *   user/<id>                 one person's private state
 *
 * Ids are 1 to 64 characters of `A-Z a-z 0-9 _ -`.
 */

export type RoomKind = 'org' | 'space' | 'post' | 'doc' | 'user';

export type Room =
  | { kind: 'org'; name: 'org' }
  | { kind: 'space'; name: string; spaceId: string; month: string | null }
  | { kind: 'post'; name: string; spaceId: string; postId: string }
  | { kind: 'doc'; name: string; docId: string }
  | { kind: 'user'; name: string; userId: string };

export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The longest room name accepted (`post/<64>/<64>`). */
export const MAX_ROOM_NAME_LENGTH = 5 + 64 + 1 + 64;

/** Parses a room name; returns null when it is not a valid room name. */
export function parseRoomName(name: string): Room | null {
  if (name.length === 0 || name.length > MAX_ROOM_NAME_LENGTH) return null;
  if (name === 'org') return { kind: 'org', name };
  const parts = name.split('/');
  const [kind, id, month] = parts;
  if (id === undefined || !ROOM_ID_PATTERN.test(id)) return null;
  if (kind === 'space') {
    if (parts.length === 2) return { kind, name, spaceId: id, month: null };
    if (parts.length === 3 && month !== undefined && MONTH_PATTERN.test(month)) {
      return { kind, name, spaceId: id, month };
    }
    return null;
  }
  if (kind === 'post') {
    if (parts.length !== 3 || month === undefined || !ROOM_ID_PATTERN.test(month)) return null;
    return { kind, name, spaceId: id, postId: month };
  }
  if (parts.length !== 2) return null;
  if (kind === 'doc') return { kind, name, docId: id };
  if (kind === 'user') return { kind, name, userId: id };
  return null;
}

export const orgRoom = (): string => 'org';
export const spaceRoom = (spaceId: string): string => `space/${spaceId}`;
export const userRoom = (userId: string): string => `user/${userId}`;
export const docRoom = (docId: string): string => `doc/${docId}`;
export const postRoom = (spaceId: string, postId: string): string => `post/${spaceId}/${postId}`;

/** The month partition a post created at `date` lives in, e.g. `space/abc/2026-11` (UTC). */
export function spaceMonthRoom(spaceId: string, date: Date): string {
  const month = `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
  return `space/${spaceId}/${month}`;
}

export type Access = 'read' | 'write';
