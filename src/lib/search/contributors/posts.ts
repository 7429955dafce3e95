/**
 * Posts and comments (the `posts` and `comments` tables, materialised from space month rooms and
 * targeted post rooms). Only what this device holds is there, so a targeted post reaches search
 * only on its audience's devices. A post has no title: its first line stands for one.
 */
import type { CommentRow, FikaDb, PostRow } from '../../data/db';
import { parseRoomName } from '../../model/rooms';
import { firstLine, hash, rowId, type SearchContributor } from '../contributor';

async function names(db: FikaDb): Promise<{ person: Map<string, string>; space: Map<string, string> }> {
  const [people, spaces] = await Promise.all([db.people.toArray(), db.spaces.toArray()]);
  return {
    person: new Map(people.map((p) => [p.id, p.name])),
    space: new Map(spaces.map((s) => [s.id, s.name]))
  };
}

const postVersion = (p: PostRow, n: Awaited<ReturnType<typeof names>>) =>
  `${p.editedAt ?? p.createdAt}:${hash(p.text)}:${n.person.get(p.authorId) ?? ''}:${n.space.get(p.spaceId) ?? ''}`;

export const posts: SearchContributor = {
  type: 'post',
  tables: ['posts', 'people', 'spaces'],
  async versions(db) {
    const [rows, n] = await Promise.all([db.posts.toArray(), names(db)]);
    return new Map(rows.map((p) => [`post:${p.id}`, postVersion(p, n)]));
  },
  async items(db, ids) {
    const [rows, n] = await Promise.all([db.posts.bulkGet(ids.map(rowId)), names(db)]);
    return rows.flatMap((p) =>
      p
        ? [
            {
              id: `post:${p.id}`,
              type: 'post',
              title: firstLine(p.text),
              text: p.text,
              fields: { author: n.person.get(p.authorId) ?? '', space: n.space.get(p.spaceId) ?? '' },
              spaceId: p.spaceId,
              at: p.editedAt ?? p.createdAt,
              href: `/posts/${encodeURIComponent(p.id)}`,
              v: postVersion(p, n)
            }
          ]
        : []
    );
  }
};

function spaceOf(c: CommentRow): string {
  const room = parseRoomName(c.room);
  return room && 'spaceId' in room ? room.spaceId : '';
}

const commentVersion = (c: CommentRow, n: Awaited<ReturnType<typeof names>>) =>
  `${c.editedAt ?? c.createdAt}:${hash(c.text)}:${n.person.get(c.authorId) ?? ''}`;

export const comments: SearchContributor = {
  type: 'comment',
  tables: ['comments', 'people', 'spaces'],
  async versions(db) {
    const [rows, n] = await Promise.all([db.comments.toArray(), names(db)]);
    return new Map(rows.map((c) => [`comment:${c.id}`, commentVersion(c, n)]));
  },
  async items(db, ids) {
    const [rows, n] = await Promise.all([db.comments.bulkGet(ids.map(rowId)), names(db)]);
    return rows.flatMap((c) => {
      if (!c) return [];
      const spaceId = spaceOf(c);
      return [
        {
          id: `comment:${c.id}`,
          type: 'comment',
          title: firstLine(c.text),
          text: c.text,
          fields: { author: n.person.get(c.authorId) ?? '', space: n.space.get(spaceId) ?? '' },
          spaceId,
          at: c.editedAt ?? c.createdAt,
          href: `/posts/${encodeURIComponent(c.postId)}`,
          v: commentVersion(c, n)
        }
      ];
    });
  }
};
