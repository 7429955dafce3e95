/**
 * A space's month partition, `space/<id>/<yyyy-mm>`: the posts created in that month (UTC),
 * with their comments, reactions and read confirmations.
 *
 * Y.Doc shape (version 1):
 *   getMap('posts')      post id → Y.Map { id, authorId, createdAt (ms), text: Y.Text,
 *                                          editedAt?: ms, deleted?: true }
 *   getMap('comments')   comment id → Y.Map { id, postId, parentId: string | null, authorId,
 *                                          createdAt, text: Y.Text, editedAt?, deleted? }
 *   getMap('reactions')  `<postId>/<userId>/<reaction>` → { postId, userId, reaction, at }
 *   getMap('reads')      `<postId>/<userId>` → { postId, userId, at }
 * Keys of reactions and reads name the person, so a rule can check that nobody reacts or
 * confirms in someone else's name. The ownership rules themselves are added with the feed.
 */
import * as Y from 'yjs';

export interface NewPost {
  id: string;
  authorId: string;
  createdAt: number;
  text: string;
}

export interface NewComment {
  id: string;
  postId: string;
  parentId: string | null;
  authorId: string;
  createdAt: number;
  text: string;
}

export const Reactions = ['like', 'heart', 'celebrate', 'insightful', 'laugh'] as const;
export type Reaction = (typeof Reactions)[number];

export const posts = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('posts');
export const comments = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('comments');
export const reactions = (doc: Y.Doc) =>
  doc.getMap<{ postId: string; userId: string; reaction: Reaction; at: number }>('reactions');
export const reads = (doc: Y.Doc) => doc.getMap<{ postId: string; userId: string; at: number }>('reads');

function entry(fields: Record<string, unknown>, text: string): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [k, v] of Object.entries(fields)) map.set(k, v);
  map.set('text', new Y.Text(text));
  return map;
}

export function addPost(doc: Y.Doc, post: NewPost): void {
  const { text, ...fields } = post;
  posts(doc).set(post.id, entry(fields, text));
}

export function addComment(doc: Y.Doc, comment: NewComment): void {
  const { text, ...fields } = comment;
  comments(doc).set(comment.id, entry(fields, text));
}

export function react(doc: Y.Doc, postId: string, userId: string, reaction: Reaction, at: number): void {
  reactions(doc).set(`${postId}/${userId}/${reaction}`, { postId, userId, reaction, at });
}

export function confirmRead(doc: Y.Doc, postId: string, userId: string, at: number): void {
  reads(doc).set(`${postId}/${userId}`, { postId, userId, at });
}
