/**
 * Reading the rooms that hold posts — a space's month partitions `space/<id>/<yyyy-mm>` and
 * targeted posts' rooms `post/<spaceId>/<postId>`, both of the shape in model/space-room.ts —
 * into the rows the feed reads: posts, comments, reactions and reach.
 *
 * Pure and defensive: a room's content came from other people's devices, so an entry of the
 * wrong shape is skipped rather than trusted, and what hangs on a post (comments, reactions,
 * reach) is kept only while the post is there. Deleting a post removes its entry; older data
 * may instead carry `deleted: true`, which counts the same.
 */
import * as Y from 'yjs';
import { parseRoomName, ROOM_ID_PATTERN } from '../model/rooms';
import {
  comments,
  personKey,
  posts,
  reach,
  reactionKey,
  Reactions,
  reads,
  reactions,
  type PostImage,
  type Reaction
} from '../model/space-room';
import type { CommentRow, PostRow, ReachRow, ReactionRow } from './db';

export interface PostRoomRows {
  posts: PostRow[];
  comments: CommentRow[];
  reactions: ReactionRow[];
  reach: ReachRow[];
}

const EMPTY: PostRoomRows = Object.freeze({ posts: [], comments: [], reactions: [], reach: [] });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** An id as the server hands them out (it goes into addresses: a post's page, an image's). */
const isId = (v: unknown): v is string => typeof v === 'string' && ROOM_ID_PATTERN.test(v);
const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const REACTIONS: ReadonlySet<string> = new Set(Reactions);

/** Distinct ids from a value that should be a string array; anything else gives none. */
function idList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter(isId))];
}

function images(value: unknown): PostImage[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v): PostImage[] => {
    if (!isObject(v) || !isId(v.id) || typeof v.type !== 'string' || !IMAGE_TYPES.has(v.type)) return [];
    const width = v.width;
    const height = v.height;
    if (!isTime(width) || !isTime(height) || width <= 0 || height <= 0) return [];
    return [
      {
        id: v.id,
        type: v.type as PostImage['type'],
        width,
        height,
        alt: typeof v.alt === 'string' ? v.alt : ''
      }
    ];
  });
}

function textOf(value: unknown): string {
  if (value instanceof Y.Text) return value.toString();
  return typeof value === 'string' ? value : '';
}

/** The fields common to posts and comments, or null when the entry is not one. */
function entryFields(entry: unknown) {
  if (!(entry instanceof Y.Map) || entry.get('deleted') === true) return null;
  const authorId: unknown = entry.get('authorId');
  const createdAt: unknown = entry.get('createdAt');
  if (!isId(authorId) || !isTime(createdAt)) return null;
  const editedAt: unknown = entry.get('editedAt');
  return {
    map: entry as Y.Map<unknown>,
    authorId,
    createdAt,
    editedAt: isTime(editedAt) ? editedAt : null,
    text: textOf(entry.get('text')),
    mentions: idList(entry.get('mentions'))
  };
}

/**
 * Every row a post-holding room owns. In a targeted post's room only the post the room is
 * named after counts.
 */
export function postRoomRows(doc: Y.Doc, roomName: string): PostRoomRows {
  const room = parseRoomName(roomName);
  const spaceId =
    room?.kind === 'post' || (room?.kind === 'space' && room.month !== null) ? room.spaceId : null;
  if (spaceId === null || room === null) return EMPTY;
  const onlyPost = room.kind === 'post' ? room.postId : null;

  const postRows: PostRow[] = [];
  for (const [id, entry] of posts(doc).entries()) {
    if ((onlyPost !== null && id !== onlyPost) || !isId(id)) continue;
    const fields = entryFields(entry);
    if (!fields) continue;
    const important = fields.map.get('important') === true;
    postRows.push({
      id,
      room: roomName,
      spaceId,
      authorId: fields.authorId,
      text: fields.text,
      createdAt: fields.createdAt,
      editedAt: fields.editedAt,
      commentCount: 0,
      reactionCount: 0,
      important,
      targetGroupIds: idList(fields.map.get('targetGroupIds')),
      images: images(fields.map.get('images')),
      mentions: fields.mentions,
      ...(important ? { importantAt: fields.createdAt } : {})
    });
  }
  const byId = new Map(postRows.map((p) => [p.id, p]));

  const commentRows: CommentRow[] = [];
  for (const [id, entry] of comments(doc).entries()) {
    if (!isId(id)) continue;
    const fields = entryFields(entry);
    if (!fields) continue;
    const postId: unknown = fields.map.get('postId');
    const parentId: unknown = fields.map.get('parentId') ?? null;
    const post = typeof postId === 'string' ? byId.get(postId) : undefined;
    if (!post || (parentId !== null && !isId(parentId))) continue;
    post.commentCount++;
    commentRows.push({
      id,
      room: roomName,
      postId: post.id,
      parentId,
      authorId: fields.authorId,
      text: fields.text,
      createdAt: fields.createdAt,
      editedAt: fields.editedAt,
      mentions: fields.mentions
    });
  }

  const reactionRows: ReactionRow[] = [];
  for (const [key, value] of reactions(doc).entries()) {
    if (!isObject(value) || typeof value.postId !== 'string' || !isId(value.userId)) continue;
    const { postId, userId, reaction, at } = value;
    if (typeof reaction !== 'string' || !REACTIONS.has(reaction) || !isTime(at)) continue;
    // The key names the person: an entry whose key and fields disagree is not trusted.
    if (key !== reactionKey(postId, userId, reaction as Reaction)) continue;
    const post = byId.get(postId);
    if (!post) continue;
    post.reactionCount++;
    reactionRows.push({ key, room: roomName, postId, userId, reaction: reaction as Reaction, at });
  }

  return {
    posts: postRows,
    comments: commentRows,
    reactions: reactionRows,
    reach: reachRows(doc, roomName, byId)
  };
}

/** One row per person from the `reach` and `reads` maps together. */
function reachRows(doc: Y.Doc, roomName: string, byId: ReadonlyMap<string, PostRow>): ReachRow[] {
  const rows = new Map<string, ReachRow>();
  const rowFor = (key: string, value: unknown): ReachRow | null => {
    if (!isObject(value) || typeof value.postId !== 'string' || !isId(value.userId)) return null;
    if (key !== personKey(value.postId, value.userId) || !byId.has(value.postId)) return null;
    let row = rows.get(key);
    if (!row) {
      row = {
        key,
        room: roomName,
        postId: value.postId,
        userId: value.userId,
        deliveredAt: null,
        openedAt: null,
        confirmedAt: null
      };
      rows.set(key, row);
    }
    return row;
  };
  for (const [key, value] of reach(doc).entries()) {
    const row = rowFor(key, value);
    if (!row) continue;
    const entry = value as unknown as Record<string, unknown>;
    if (isTime(entry.deliveredAt)) row.deliveredAt = entry.deliveredAt;
    if (isTime(entry.openedAt)) row.openedAt = entry.openedAt;
  }
  for (const [key, value] of reads(doc).entries()) {
    const entry = value as unknown;
    if (!isObject(entry) || !isTime(entry.at)) continue;
    const row = rowFor(key, entry);
    if (row) row.confirmedAt = entry.at;
  }
  return [...rows.values()];
}
