/**
 * Who may read or write a room: the security core of the sync server.
 *
 * Decided from the server's tables only, never from anything a client says, and closed by
 * default: an unknown room, space or document, or an inactive person, gets no access. Admins
 * manage the organisation but get no extra read access to content: a space's posts and
 * documents reach only devices of the space's audience.
 */
import {
  docRoom,
  orgRoom,
  postRoom,
  spaceRoom,
  userRoom,
  type Access,
  type Room
} from '../../src/lib/model/rooms';
import type { ReadableRoom, User } from './org-types';
import type { OrgStatements } from './org-queries';

export function canSeeSpace(stmts: OrgStatements, user: User, spaceId: string): boolean {
  return stmts.spaceVisible.get({ spaceId, userId: user.id })?.visible === 1;
}

/** Admins and editors in a space's audience manage its content (targeted posts, pins, reach). */
export function canManageSpace(stmts: OrgStatements, user: User, spaceId: string): boolean {
  return (
    user.active && (user.role === 'admin' || user.role === 'editor') && canSeeSpace(stmts, user, spaceId)
  );
}

/**
 * What the person may do in a room: 'read', 'write', or null (no access; the room must not
 * reach their device). `user` should be freshly loaded (e.g. from `Auth.isSessionValid`);
 * group memberships and spaces are read from the database on every call.
 */
export function roomAccess(stmts: OrgStatements, user: User, room: Room): Access | null {
  if (!user.active) return null;
  switch (room.kind) {
    case 'org':
      // Everyone reads the directory; only the server writes it.
      return 'read';
    case 'user':
      return room.userId === user.id ? 'write' : null;
    case 'space':
      // Every audience member may write (comment, react, confirm); who may create posts
      // under the posting policy is the room's validation rules' business, not access.
      return canSeeSpace(stmts, user, room.spaceId) ? 'write' : null;
    case 'post':
      // A targeted post reaches people who see its space and are in one of its target groups,
      // and its author while they see the space; nobody else, admins included.
      return stmts.targetedPostVisible.get({ postId: room.postId, spaceId: room.spaceId, userId: user.id })
        ? 'write'
        : null;
    case 'doc': {
      const doc = stmts.docById.get(room.docId);
      if (!doc || !canSeeSpace(stmts, user, doc.space_id)) return null;
      if (user.role === 'admin' || user.role === 'editor' || doc.owner_id === user.id) return 'write';
      return stmts.isDocEditor.get(doc.id, user.id)!.n > 0 ? 'write' : 'read';
    }
    default: {
      const never: never = room;
      return never;
    }
  }
}

/** Every room the person may open, with their access (none for an inactive person). */
export function readableRooms(stmts: OrgStatements, user: User): ReadableRoom[] {
  if (!user.active) return [];
  const rooms: ReadableRoom[] = [
    { room: orgRoom(), access: 'read', kind: 'org' },
    { room: userRoom(user.id), access: 'write', kind: 'user', userId: user.id }
  ];
  for (const row of stmts.spacesFor.all({ userId: user.id })) {
    rooms.push({ room: spaceRoom(row.id), access: 'write', kind: 'space', spaceId: row.id });
  }
  for (const post of stmts.targetedPostsFor.all({ userId: user.id })) {
    rooms.push({
      room: postRoom(post.space_id, post.id),
      access: 'write',
      kind: 'post',
      spaceId: post.space_id,
      postId: post.id
    });
  }
  const privileged = user.role === 'admin' || user.role === 'editor';
  for (const doc of stmts.docsFor.all({ userId: user.id })) {
    const write = privileged || doc.owner_id === user.id || doc.editor === 1;
    rooms.push({
      room: docRoom(doc.id),
      access: write ? 'write' : 'read',
      kind: 'doc',
      docId: doc.id,
      spaceId: doc.space_id,
      ownerId: doc.owner_id
    });
  }
  return rooms;
}
