/**
 * Materialisation: from a room's Y.Doc to the rows the lists read.
 *
 * The lists (feed, people, spaces) must never need a document in memory, so each room's
 * document is turned into plain rows whenever it changes, and the rows are what `liveQuery`
 * reads. Each room owns a definite set of rows: a space month room owns the posts whose `room`
 * is its name; the `org` room owns the people, and the spaces it lists (see directory.ts). A
 * room's rows are replaced as a whole in one transaction — every current row written, every row
 * that vanished from the document deleted — so the rows never show half of a change, and
 * running it twice is harmless.
 *
 * The functions that read documents are pure and defensive: a room's content came from other
 * people's devices, so an entry of the wrong shape is skipped rather than trusted.
 */
import * as Y from 'yjs';
import { readDirectory } from '../model/org-room';
import { parseRoomName } from '../model/rooms';
import { comments, posts, reactions } from '../model/space-room';
import type { FikaDb, GroupRow, PersonRow, PostRow, SpaceRow } from './db';
import { replaceGroups, replacePeople, replaceRows, replaceSpaces } from './directory';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The posts of a space month room, with comment and reaction counts; deleted posts left out. */
export function postRows(doc: Y.Doc, roomName: string): PostRow[] {
  const room = parseRoomName(roomName);
  if (room?.kind !== 'space' || room.month === null) return [];

  const commentCounts = new Map<string, number>();
  for (const comment of comments(doc).values()) {
    if (!(comment instanceof Y.Map) || comment.get('deleted') === true) continue;
    const postId = comment.get('postId');
    if (typeof postId === 'string') commentCounts.set(postId, (commentCounts.get(postId) ?? 0) + 1);
  }
  const reactionCounts = new Map<string, number>();
  for (const reaction of reactions(doc).values()) {
    const postId: unknown = isObject(reaction) ? reaction.postId : undefined;
    if (typeof postId === 'string') reactionCounts.set(postId, (reactionCounts.get(postId) ?? 0) + 1);
  }

  const rows: PostRow[] = [];
  for (const [id, post] of posts(doc).entries()) {
    if (!(post instanceof Y.Map) || post.get('deleted') === true) continue;
    const authorId = post.get('authorId');
    const createdAt = post.get('createdAt');
    const editedAt = post.get('editedAt');
    const text = post.get('text');
    if (typeof authorId !== 'string' || typeof createdAt !== 'number' || !Number.isFinite(createdAt))
      continue;
    rows.push({
      id,
      room: roomName,
      spaceId: room.spaceId,
      authorId,
      text: text instanceof Y.Text ? text.toString() : typeof text === 'string' ? text : '',
      createdAt,
      editedAt: typeof editedAt === 'number' && Number.isFinite(editedAt) ? editedAt : null,
      commentCount: commentCounts.get(id) ?? 0,
      reactionCount: reactionCounts.get(id) ?? 0,
      important: false,
      targetGroupIds: [],
      images: [],
      mentions: []
    });
  }
  return rows;
}

/** The people and spaces of the `org` room. */
export function directoryRows(doc: Y.Doc): { people: PersonRow[]; groups: GroupRow[]; spaces: SpaceRow[] } {
  const { people, groups, spaces } = readDirectory(doc);
  return {
    people: people.filter((p) => isObject(p) && typeof p.id === 'string' && typeof p.name === 'string'),
    groups: groups.filter((g) => isObject(g) && typeof g.id === 'string' && typeof g.name === 'string'),
    spaces: spaces.filter((s) => isObject(s) && typeof s.id === 'string' && typeof s.name === 'string')
  };
}

/** Replaces exactly the rows `roomName` owns with what `doc` holds now. */
export async function materialise(db: FikaDb, roomName: string, doc: Y.Doc): Promise<void> {
  const room = parseRoomName(roomName);
  if (room?.kind === 'org') {
    const { people, groups, spaces } = directoryRows(doc);
    await db.transaction('rw', db.people, db.groups, db.spaces, db.meta, async () => {
      await replacePeople(db, people);
      await replaceGroups(db, groups);
      await replaceSpaces(db, 'directory', spaces);
    });
  } else if (room?.kind === 'space' && room.month !== null) {
    const rows = postRows(doc, roomName);
    await db.transaction('rw', db.posts, async () => {
      await replaceRows(db.posts, await db.posts.where('room').equals(roomName).toArray(), rows);
    });
  }
  // `user/<id>` and the rest own no rows yet.
}

/** Deletes every row a room owns (it is no longer readable, or is being loaded afresh). */
export async function forgetRoomRows(db: FikaDb, roomName: string): Promise<void> {
  await db.transaction('rw', db.posts, db.outbox, db.roomUpdates, db.rooms, async () => {
    await db.posts.where('room').equals(roomName).delete();
    await db.outbox.where('room').equals(roomName).delete();
    await db.roomUpdates.where('k').equals(roomName).delete();
    await db.rooms.delete(roomName);
  });
}
