/**
 * Materialisation from crafted room documents to the rows the lists read, and its effect on a
 * real (in-memory) IndexedDB: rows replaced per room, vanished rows deleted.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { directoryRows, materialise, postRows } from '../../src/lib/data/materialise';
import { posts } from '../../src/lib/model/space-room';
import { buildPerson, buildSpace, orgDoc, writePosts } from './client-factories';

const ROOM = 'space/news/2026-11';

const opened: FikaDb[] = [];
function freshDb(): FikaDb {
  const db = openUserDb(`u${Math.random().toString(36).slice(2)}`);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await deleteUserDb(db.userId);
  }
});

describe('postRows', () => {
  it('turns each post into a row with its comment and reaction counts', () => {
    const doc = new Y.Doc();
    const [a, b] = writePosts(doc, [
      {
        text: 'Hello **all**',
        createdAt: 1000,
        comments: 2,
        deletedComments: 1,
        reactions: [
          ['erik', 'like'],
          ['sara', 'heart'],
          ['erik', 'heart']
        ]
      },
      { createdAt: 2000, editedAt: 2500 }
    ]);
    const rows = postRows(doc, ROOM).sort((x, y) => x.createdAt - y.createdAt);
    expect(rows).toEqual([
      {
        id: a,
        room: ROOM,
        spaceId: 'news',
        authorId: 'sara',
        text: 'Hello **all**',
        createdAt: 1000,
        editedAt: null,
        commentCount: 2,
        reactionCount: 3,
        important: false,
        targetGroupIds: [],
        images: [],
        mentions: []
      },
      {
        id: b,
        room: ROOM,
        spaceId: 'news',
        authorId: 'sara',
        text: `Post ${b}`,
        createdAt: 2000,
        editedAt: 2500,
        commentCount: 0,
        reactionCount: 0,
        important: false,
        targetGroupIds: [],
        images: [],
        mentions: []
      }
    ]);
  });

  it('leaves out deleted posts and entries of the wrong shape', () => {
    const doc = new Y.Doc();
    const [kept] = writePosts(doc, [{ createdAt: 1 }, { createdAt: 2, deleted: true }]);
    doc.transact(() => {
      posts(doc).set('plain', 'not a map' as unknown as Y.Map<unknown>);
      const noDate = new Y.Map<unknown>();
      posts(doc).set('no-date', noDate);
      noDate.set('authorId', 'sara');
    });
    expect(postRows(doc, ROOM).map((r) => r.id)).toEqual([kept]);
  });

  it('gives no rows for rooms that are not month partitions', () => {
    const doc = new Y.Doc();
    writePosts(doc, [{}]);
    expect(postRows(doc, 'space/news')).toEqual([]);
    expect(postRows(doc, 'user/sara')).toEqual([]);
  });
});

describe('directoryRows', () => {
  it('reads people, groups and spaces from the org room', () => {
    const people = [
      buildPerson({ id: 'sara', name: 'Sara' }),
      buildPerson({ id: 'erik', name: 'Erik', active: false })
    ];
    const spaces = [buildSpace({ id: 'news', name: 'News' })];
    const groups = [{ id: 'goteborg', kind: 'location' as const, name: 'Göteborg' }];
    expect(directoryRows(orgDoc(people, spaces, groups))).toEqual({ people, groups, spaces });
  });
});

describe('materialise', () => {
  it('replaces exactly one room’s posts, deleting those that vanished', async () => {
    const db = freshDb();
    const november = new Y.Doc();
    const december = new Y.Doc();
    const [first, second] = writePosts(november, [{ createdAt: 1 }, { createdAt: 2 }]);
    const [other] = writePosts(december, [{ createdAt: 3 }]);
    await materialise(db, ROOM, november);
    await materialise(db, 'space/news/2026-12', december);
    expect((await db.posts.toArray()).map((p) => p.id).sort()).toEqual([first, second, other].sort());

    november.transact(() => posts(november).get(first!)!.set('deleted', true));
    writePosts(november, [{ id: 'late', createdAt: 4, comments: 1 }]);
    await materialise(db, ROOM, november);
    const rows = await db.posts.where('room').equals(ROOM).toArray();
    expect(rows.map((p) => p.id).sort()).toEqual([second, 'late'].sort());
    expect(rows.find((r) => r.id === 'late')?.commentCount).toBe(1);
    expect(await db.posts.get(other!)).toBeDefined();
  });

  it('writes the directory’s people and spaces, and follows removals', async () => {
    const db = freshDb();
    const sara = buildPerson({ id: 'sara', name: 'Sara' });
    const erik = buildPerson({ id: 'erik', name: 'Erik' });
    const news = buildSpace({ id: 'news', name: 'News' });
    const doc = orgDoc([sara, erik], [news]);
    await materialise(db, 'org', doc);
    expect(await db.people.count()).toBe(2);
    expect(await db.spaces.get('news')).toEqual(news);

    doc.transact(() => {
      doc.getMap('people').delete('erik');
      doc.getMap('spaces').delete('news');
    });
    await materialise(db, 'org', doc);
    expect((await db.people.toArray()).map((p) => p.id)).toEqual(['sara']);
    expect(await db.spaces.count()).toBe(0);
  });
});
