/**
 * The feed's queries and the notification centre, on rows materialised from real room
 * documents into a real (in-memory) IndexedDB: ordering and filters, paging, threads, reach,
 * space settings, and notifications of each kind with their read state.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DBCoreQueryRequest } from 'dexie';
import { deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { materialise } from '../../src/lib/data/materialise';
import {
  feedPage,
  feedTop,
  notifications,
  postDetail,
  reachFor,
  spacesWithSettings,
  unreadNotificationCount
} from '../../src/lib/data/queries';
import {
  addComment,
  addPost,
  confirmRead,
  deleteComment,
  markReach,
  setReaction,
  type NewComment,
  type NewPost
} from '../../src/lib/model/space-room';
import { pin } from '../../src/lib/model/space-shared';
import {
  markAllNotificationsRead,
  markNotificationRead,
  markRead,
  setNotifyLevel,
  setSpaceChoice
} from '../../src/lib/model/user-room';
import { buildPerson, buildSpace, orgDoc } from './client-factories';

const opened: FikaDb[] = [];
function freshDb(): FikaDb {
  const db = openUserDb('sara');
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await deleteUserDb(db.userId);
  }
});

const people = [
  buildPerson({ id: 'sara', name: 'Sara' }),
  buildPerson({ id: 'erik', name: 'Erik' }),
  buildPerson({ id: 'johan', name: 'Johan' }),
  buildPerson({ id: 'anna', name: 'Anna' })
];
const spaces = [
  buildSpace({ id: 'news', name: 'News', kind: 'news' }),
  buildSpace({ id: 'hr', name: 'HR', kind: 'news' }),
  buildSpace({ id: 'club', name: 'Book club', kind: 'community' }),
  buildSpace({ id: 'chess', name: 'Chess', kind: 'community' })
];

/** Writes a room's document with `fn` and materialises it. */
async function room(db: FikaDb, name: string, fn: (doc: Y.Doc) => void): Promise<Y.Doc> {
  const doc = new Y.Doc();
  doc.transact(() => fn(doc));
  await materialise(db, name, doc);
  return doc;
}

const post = (fields: Partial<NewPost> & { id: string; createdAt: number }): NewPost => ({
  authorId: 'erik',
  text: `Post ${fields.id}`,
  ...fields
});
const comment = (
  fields: Partial<NewComment> & { id: string; postId: string; createdAt: number }
): NewComment => ({
  parentId: null,
  authorId: 'erik',
  text: `Comment ${fields.id}`,
  ...fields
});

/** News and HR are in the feed unless muted; Book club once joined; Chess not. */
async function seedFeed(db: FikaDb): Promise<void> {
  await materialise(db, 'org', orgDoc(people, spaces));
  await room(db, 'space/news/2026-11', (doc) => {
    addPost(doc, post({ id: 'n1', createdAt: 100 }));
    addPost(doc, post({ id: 'n2', createdAt: 200, important: true }));
    addPost(doc, post({ id: 'n3', createdAt: 300, important: true }));
    addPost(doc, post({ id: 'n4', createdAt: 400 }));
    addPost(doc, post({ id: 'n5', createdAt: 400, authorId: 'sara', important: true }));
    confirmRead(doc, 'n3', 'sara', 350);
    setReaction(doc, 'n4', 'sara', 'like', true, 1);
    setReaction(doc, 'n4', 'johan', 'like', true, 1);
    setReaction(doc, 'n4', 'johan', 'heart', true, 1);
  });
  await room(db, 'post/news/t1', (doc) =>
    addPost(doc, post({ id: 't1', createdAt: 150, important: true, targetGroupIds: ['team'] }))
  );
  await room(db, 'space/hr/2026-11', (doc) => addPost(doc, post({ id: 'h1', createdAt: 500 })));
  await room(db, 'space/club/2026-11', (doc) => addPost(doc, post({ id: 'c1', createdAt: 600 })));
  await room(db, 'space/chess/2026-11', (doc) => addPost(doc, post({ id: 'x1', createdAt: 700 })));
  await room(db, 'space/news', (doc) =>
    pin(doc, { postId: 'n1', room: 'space/news/2026-11', by: 'erik', at: 5 })
  );
  await room(db, 'user/sara', (doc) => {
    setSpaceChoice(doc, 'club', 'follow');
    setSpaceChoice(doc, 'hr', 'mute');
    markRead(doc, ['n4'], 999);
  });
}

describe('the feed', () => {
  it('puts unread important posts and pinned posts on top, then the rest newest first', async () => {
    const db = freshDb();
    await seedFeed(db);
    const top = await feedTop(db, 'sara');
    // n3 is confirmed, n5 is Sara's own: neither stays on top.
    expect(top.map((p) => [p.id, p.pinned, p.important])).toEqual([
      ['n2', false, true],
      ['t1', false, true],
      ['n1', true, false]
    ]);
    expect(top[0]).toMatchObject({ authorName: 'Erik', spaceName: 'News', readAt: null, confirmedAt: null });

    const page = await feedPage(db, 'sara');
    // HR is muted and Chess not joined; Book club joined.
    expect(page.map((p) => p.id)).toEqual(['c1', 'n5', 'n4', 'n3']);
    const n4 = page.find((p) => p.id === 'n4')!;
    expect(n4).toMatchObject({ readAt: 999, myReactions: ['like'], reactionCounts: { like: 2, heart: 1 } });
    expect(page.find((p) => p.id === 'n3')?.confirmedAt).toBe(350);
  });

  it('filters by space (also one outside the feed) and by unread', async () => {
    const db = freshDb();
    await seedFeed(db);
    expect((await feedPage(db, 'sara', { spaceId: 'chess' })).map((p) => p.id)).toEqual(['x1']);
    expect((await feedPage(db, 'sara', { spaceId: 'hr' })).map((p) => p.id)).toEqual(['h1']);
    expect((await feedTop(db, 'sara', { spaceId: 'hr' })).map((p) => p.id)).toEqual([]);
    expect((await feedTop(db, 'sara', { spaceId: 'news' })).map((p) => p.id)).toEqual(['n2', 't1', 'n1']);
    // n4 read, n5 her own.
    expect((await feedPage(db, 'sara', { unreadOnly: true })).map((p) => p.id)).toEqual(['c1', 'n3']);

    await room(db, 'user/sara', (doc) => {
      setSpaceChoice(doc, 'club', null);
      setSpaceChoice(doc, 'chess', 'follow');
    });
    expect((await feedPage(db, 'sara')).map((p) => p.id)).toEqual(['x1', 'h1', 'n5', 'n4', 'n3']);
  });

  it('pages with `before`, also between posts of the same time', async () => {
    const db = freshDb();
    await seedFeed(db);
    const first = await feedPage(db, 'sara', { limit: 2 });
    expect(first.map((p) => p.id)).toEqual(['c1', 'n5']);
    const last = first.at(-1)!;
    const second = await feedPage(db, 'sara', {
      limit: 2,
      before: { createdAt: last.createdAt, id: last.id }
    });
    expect(second.map((p) => p.id)).toEqual(['n4', 'n3']);
    const third = await feedPage(db, 'sara', { limit: 2, before: { createdAt: 300, id: 'n3' } });
    expect(third.map((p) => p.id)).toEqual([]);
  });

  it('reads a page of 20 from 10,000 posts through the space index, not the whole table', async () => {
    const db = freshDb();
    const scans: string[] = [];
    db.use({
      stack: 'dbcore',
      name: 'scan-spy',
      create: (down) => ({
        ...down,
        table: (name) => {
          const table = down.table(name);
          if (name !== 'posts') return table;
          const note = (req: DBCoreQueryRequest) =>
            scans.push(
              `${req.query.index.isPrimaryKey ? 'primary' : req.query.index.name}:${req.query.range.type}`
            );
          return {
            ...table,
            query: (req) => (note(req), table.query(req)),
            openCursor: (req) => (note(req), table.openCursor(req))
          };
        }
      })
    });
    await materialise(db, 'org', orgDoc(people, spaces));
    for (const [spaceId, offset] of [
      ['news', 0],
      ['hr', 1]
    ] as const) {
      for (let month = 1; month <= 10; month++) {
        await room(db, `space/${spaceId}/2026-${String(month).padStart(2, '0')}`, (doc) => {
          for (let i = 0; i < 500; i++) {
            const createdAt = (month * 1000 + i) * 2 + offset;
            addPost(
              doc,
              post({ id: `${spaceId}-${month}-${i}`, createdAt, important: i === 0 && month === 10 })
            );
          }
        });
      }
    }
    expect(await db.posts.count()).toBe(10_000);
    scans.length = 0;
    const started = performance.now();
    const page = await feedPage(db, 'sara', { limit: 20 });
    const elapsed = performance.now() - started;
    console.info(
      `feedPage: 20 of 10,000 posts in ${elapsed.toFixed(0)} ms (fake-indexeddb); scans: ${scans.join(', ')}`
    );
    expect(page).toHaveLength(20);
    expect(page[0]!.id).toBe('hr-10-499');
    expect(page.some((p) => p.important)).toBe(false);
    expect(page.map((p) => p.createdAt)).toEqual([...page.map((p) => p.createdAt)].sort((a, b) => b - a));
    // Every read of the posts table went through an index with a range or key; none read it all.
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.filter((s) => s.startsWith('primary:3') || s.endsWith(':3'))).toEqual([]);
    expect(scans).toContain('[spaceId+createdAt]:2');
  });
});

describe('postDetail', () => {
  it('threads comments one level deep, with a placeholder for a removed parent, and names reactions', async () => {
    const db = freshDb();
    await materialise(db, 'org', orgDoc(people, spaces));
    const doc = await room(db, 'space/news/2026-11', (d) => {
      addPost(d, post({ id: 'p', createdAt: 1 }));
      addComment(d, comment({ id: 'a', postId: 'p', createdAt: 10, authorId: 'johan' }));
      addComment(d, comment({ id: 'b', postId: 'p', createdAt: 20 }));
      addComment(d, comment({ id: 'a1', postId: 'p', parentId: 'a', createdAt: 30, authorId: 'sara' }));
      addComment(d, comment({ id: 'b1', postId: 'p', parentId: 'b', createdAt: 25 }));
      addComment(d, comment({ id: 'b2', postId: 'p', parentId: 'b', createdAt: 26, authorId: 'anna' }));
      setReaction(d, 'p', 'sara', 'like', true, 1);
      setReaction(d, 'p', 'anna', 'like', true, 2);
      setReaction(d, 'p', 'anna', 'laugh', true, 3);
    });
    doc.transact(() => deleteComment(doc, 'b'));
    await materialise(db, 'space/news/2026-11', doc);

    const detail = await postDetail(db, 'sara', 'p');
    expect(detail?.post).toMatchObject({ id: 'p', commentCount: 4, myReactions: ['like'] });
    const shape = detail!.comments.map((c) => ({
      id: c.id,
      removed: c.removed ?? false,
      author: c.authorName,
      replies: c.replies.map((r) => [r.id, r.authorName])
    }));
    expect(shape).toEqual([
      { id: 'a', removed: false, author: 'Johan', replies: [['a1', 'Sara']] },
      {
        id: 'b',
        removed: true,
        author: '',
        replies: [
          ['b1', 'Erik'],
          ['b2', 'Anna']
        ]
      }
    ]);
    expect(detail!.reactions).toEqual([
      { reaction: 'like', userIds: ['sara', 'anna'], names: ['Sara', 'Anna'] },
      { reaction: 'laugh', userIds: ['anna'], names: ['Anna'] }
    ]);
    expect(await postDetail(db, 'sara', 'missing')).toBeNull();
  });
});

describe('reachFor', () => {
  it('counts reached, opened and confirmed within the audience and names who has not confirmed', async () => {
    const db = freshDb();
    await materialise(db, 'org', orgDoc(people, spaces));
    await room(db, 'post/news/t', (doc) => {
      addPost(doc, post({ id: 't', createdAt: 1, important: true, targetGroupIds: ['team'] }));
      markReach(doc, 't', 'sara', 2, false);
      markReach(doc, 't', 'johan', 2, true);
      confirmRead(doc, 't', 'johan', 3);
      // Confirmed from a device that never wrote reach: counts as reached and opened.
      confirmRead(doc, 't', 'anna', 4);
      // Someone outside the audience given does not count.
      markReach(doc, 't', 'outsider', 2, true);
    });
    expect(await reachFor(db, 't', ['erik', 'sara', 'johan', 'anna', 'nils'])).toEqual({
      reached: 3,
      opened: 2,
      confirmed: 2,
      audience: 4,
      notConfirmed: [
        { id: 'nils', name: '' },
        { id: 'sara', name: 'Sara' }
      ]
    });
  });
});

describe('spacesWithSettings', () => {
  it('lists every space by name with the person’s choice, level and whether it is in the feed', async () => {
    const db = freshDb();
    await seedFeed(db);
    await room(db, 'user/sara', (doc) => {
      setSpaceChoice(doc, 'club', 'follow');
      setSpaceChoice(doc, 'hr', 'mute');
      setNotifyLevel(doc, 'news', 'all');
    });
    expect((await spacesWithSettings(db)).map((s) => [s.id, s.choice, s.notify, s.inFeed])).toEqual([
      ['club', 'follow', 'mentions', true],
      ['chess', null, 'mentions', false],
      ['hr', 'mute', 'mentions', false],
      ['news', null, 'all', true]
    ]);
  });
});

describe('notifications', () => {
  async function seedNotifications(db: FikaDb): Promise<void> {
    await materialise(db, 'org', orgDoc(people, spaces));
    await room(db, 'space/news/2026-11', (doc) => {
      addPost(doc, post({ id: 'mine', createdAt: 10, authorId: 'sara' }));
      addPost(doc, post({ id: 'hello', createdAt: 20, mentions: ['sara'], text: 'Hello @sara' }));
      addPost(doc, post({ id: 'drill', createdAt: 30, important: true, mentions: ['sara'] }));
      addPost(doc, post({ id: 'plain', createdAt: 40 }));
      addComment(doc, comment({ id: 'my-comment', postId: 'plain', createdAt: 41, authorId: 'sara' }));
      addComment(doc, comment({ id: 'on-mine', postId: 'mine', createdAt: 50, authorId: 'johan' }));
      addComment(doc, comment({ id: 'reply', postId: 'plain', parentId: 'my-comment', createdAt: 60 }));
      addComment(
        doc,
        comment({ id: 'self', postId: 'mine', createdAt: 65, authorId: 'sara', mentions: ['sara'] })
      );
      addComment(
        doc,
        comment({ id: 'shout', postId: 'plain', createdAt: 70, mentions: ['sara'], parentId: 'my-comment' })
      );
    });
    await room(db, 'space/club/2026-11', (doc) => {
      addPost(
        doc,
        post({ id: 'club-post', createdAt: 80, authorId: 'anna', text: 'Next book:\n\n  *Dune*' })
      );
      addPost(doc, post({ id: 'club-mine', createdAt: 90, authorId: 'sara' }));
    });
    await room(db, 'space/hr/2026-11', (doc) => {
      addPost(doc, post({ id: 'hr-hi', createdAt: 100, mentions: ['sara'] }));
      addPost(doc, post({ id: 'hr-urgent', createdAt: 110, important: true }));
    });
  }

  it('derives mentions, replies, important posts and new posts, nothing from the person', async () => {
    const db = freshDb();
    await seedNotifications(db);
    await room(db, 'user/sara', (doc) => {
      setNotifyLevel(doc, 'club', 'all');
      setNotifyLevel(doc, 'hr', 'off');
    });
    const items = await notifications(db, 'sara');
    expect(items.map((n) => [n.id, n.kind, n.postId, n.commentId, n.actorName])).toEqual([
      ['important:hr-urgent', 'important', 'hr-urgent', null, 'Erik'],
      ['post:club-post', 'post', 'club-post', null, 'Anna'],
      ['mention:shout', 'mention', 'plain', 'shout', 'Erik'],
      ['reply:reply', 'reply', 'plain', 'reply', 'Erik'],
      ['reply:on-mine', 'reply', 'mine', 'on-mine', 'Johan'],
      ['important:drill', 'important', 'drill', null, 'Erik'],
      ['mention:hello', 'mention', 'hello', null, 'Erik']
    ]);
    expect(items[1]).toMatchObject({
      room: 'space/club/2026-11',
      spaceId: 'club',
      spaceName: 'Book club',
      at: 80,
      read: false,
      excerpt: 'Next book: *Dune*'
    });
    expect(await unreadNotificationCount(db, 'sara')).toBe(7);
    expect(await notifications(db, 'sara', 2)).toHaveLength(2);
  });

  it('counts as read what was marked one by one or is not newer than “mark all as read”', async () => {
    const db = freshDb();
    await seedNotifications(db);
    const doc = await room(db, 'user/sara', (d) => markNotificationRead(d, 'mention:hello', 500));
    expect((await notifications(db, 'sara')).filter((n) => n.read).map((n) => n.id)).toEqual([
      'mention:hello'
    ]);
    // Levels are the default here: Book club's new post gives nothing, HR's mention does.
    expect(await unreadNotificationCount(db, 'sara')).toBe(6);

    doc.transact(() => markAllNotificationsRead(doc, 60));
    await materialise(db, 'user/sara', doc);
    expect((await notifications(db, 'sara')).filter((n) => !n.read).map((n) => n.id)).toEqual([
      'important:hr-urgent',
      'mention:hr-hi',
      'mention:shout'
    ]);
    expect(await unreadNotificationCount(db, 'sara')).toBe(3);
  });
});
