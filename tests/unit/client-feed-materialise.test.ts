/**
 * The feed's materialisers: rooms holding posts (month partitions and targeted post rooms) to
 * posts, comments, reactions and reach; a space's shared room to pins; the person's own room
 * to reads, space settings and notification marks; and forgetting every row a room owns. Real
 * Yjs documents written with the model's functions, a real (in-memory) IndexedDB.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { forgetRoomRows, materialise, postRoomRows } from '../../src/lib/data/materialise';
import { getMeta } from '../../src/lib/data/meta';
import {
  addComment,
  addPost,
  confirmRead,
  deleteComment,
  deletePost,
  markReach,
  posts,
  reach,
  reactions,
  setReaction
} from '../../src/lib/model/space-room';
import { pin, pinned } from '../../src/lib/model/space-shared';
import {
  markAllNotificationsRead,
  markNotificationRead,
  markRead,
  setNotifyLevel,
  setSpaceChoice
} from '../../src/lib/model/user-room';

const MONTH = 'space/news/2026-11';
const IMAGE = { id: 'img1', type: 'image/png' as const, width: 640, height: 480, alt: 'A cat' };

const opened: FikaDb[] = [];
function freshDb(userId = `u${Math.random().toString(36).slice(2)}`): FikaDb {
  const db = openUserDb(userId);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await deleteUserDb(db.userId);
  }
});

/** A month room with one important post (comments, a reply, reactions, reach, a confirmation). */
function monthDoc(): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    addPost(doc, {
      id: 'p1',
      authorId: 'erik',
      createdAt: 1000,
      text: 'Fire drill at **10**, @sara',
      important: true,
      images: [IMAGE],
      mentions: ['sara', 'sara']
    });
    addPost(doc, { id: 'p2', authorId: 'sara', createdAt: 2000, text: 'Lunch?' });
    addComment(doc, {
      id: 'c1',
      postId: 'p1',
      parentId: null,
      authorId: 'sara',
      createdAt: 1100,
      text: 'OK'
    });
    addComment(doc, {
      id: 'c2',
      postId: 'p1',
      parentId: 'c1',
      authorId: 'johan',
      createdAt: 1200,
      text: 'Me too @sara',
      mentions: ['sara']
    });
    setReaction(doc, 'p1', 'sara', 'like', true, 1300);
    setReaction(doc, 'p1', 'johan', 'heart', true, 1400);
    markReach(doc, 'p1', 'sara', 1500, false);
    markReach(doc, 'p1', 'johan', 1500, true);
    confirmRead(doc, 'p1', 'johan', 1600);
    // Confirmed on a device that never wrote reach: still one row.
    confirmRead(doc, 'p1', 'anna', 1700);
  });
  return doc;
}

describe('postRoomRows', () => {
  it('reads posts with every field, comments, reactions and reach (reach and reads together)', () => {
    const rows = postRoomRows(monthDoc(), MONTH);
    const p1 = rows.posts.find((p) => p.id === 'p1');
    expect(p1).toEqual({
      id: 'p1',
      room: MONTH,
      spaceId: 'news',
      authorId: 'erik',
      text: 'Fire drill at **10**, @sara',
      createdAt: 1000,
      editedAt: null,
      commentCount: 2,
      reactionCount: 2,
      important: true,
      targetGroupIds: [],
      images: [IMAGE],
      mentions: ['sara'],
      importantAt: 1000
    });
    expect(rows.posts.find((p) => p.id === 'p2')).not.toHaveProperty('importantAt');
    expect(rows.comments.map((c) => [c.id, c.parentId, c.mentions])).toEqual([
      ['c1', null, []],
      ['c2', 'c1', ['sara']]
    ]);
    expect(rows.reactions.map((r) => r.key).sort()).toEqual(['p1/johan/heart', 'p1/sara/like']);
    const reachRows = new Map(rows.reach.map((r) => [r.userId, r]));
    expect(reachRows.get('sara')).toMatchObject({ deliveredAt: 1500, openedAt: null, confirmedAt: null });
    expect(reachRows.get('johan')).toMatchObject({ deliveredAt: 1500, openedAt: 1500, confirmedAt: 1600 });
    expect(reachRows.get('anna')).toMatchObject({
      key: 'p1/anna',
      deliveredAt: null,
      openedAt: null,
      confirmedAt: 1700
    });
  });

  it('reads a targeted post’s room: only the post it is named after, with its groups', () => {
    const doc = new Y.Doc();
    doc.transact(() => {
      addPost(doc, {
        id: 'tp',
        authorId: 'erik',
        createdAt: 5,
        text: 'Team only',
        important: true,
        targetGroupIds: ['team-a', 'team-b']
      });
      addPost(doc, { id: 'stray', authorId: 'erik', createdAt: 6, text: 'Does not belong here' });
    });
    const rows = postRoomRows(doc, 'post/news/tp');
    expect(rows.posts.map((p) => [p.id, p.room, p.spaceId, p.targetGroupIds])).toEqual([
      ['tp', 'post/news/tp', 'news', ['team-a', 'team-b']]
    ]);
  });

  it('skips entries of the wrong shape and what hangs on a post that is gone', () => {
    const doc = monthDoc();
    doc.transact(() => {
      posts(doc)
        .get('p2')!
        .set('images', [
          { id: 'x', type: 'text/html', width: 1, height: 1 },
          { id: '../me', type: 'image/png', width: 1, height: 1 },
          'junk'
        ]);
      // Ids that would change the address they go into.
      addPost(doc, { id: '../../kiosk?pair=abc', authorId: 'sara', createdAt: 3, text: 'Elsewhere' });
      addComment(doc, { id: 'c/1', postId: 'p2', parentId: null, authorId: 'sara', createdAt: 4, text: '!' });
      posts(doc).get('p2')!.set('mentions', 'sara');
      // A reaction whose key names someone else, and one that is not a reaction.
      reactions(doc).set('p2/sara/like', { postId: 'p2', userId: 'erik', reaction: 'like', at: 1 });
      reactions(doc).set('p2/sara/boo', { postId: 'p2', userId: 'sara', reaction: 'boo' as 'like', at: 1 });
      reach(doc).set('p2/erik', { postId: 'p2', userId: 'sara', deliveredAt: 1 });
      addComment(doc, {
        id: 'orphan',
        postId: 'nope',
        parentId: null,
        authorId: 'sara',
        createdAt: 1,
        text: '?'
      });
      deletePost(doc, 'p1');
    });
    const rows = postRoomRows(doc, MONTH);
    expect(rows.posts.map((p) => [p.id, p.images, p.mentions, p.reactionCount])).toEqual([['p2', [], [], 0]]);
    expect(rows.comments).toEqual([]);
    expect(rows.reactions).toEqual([]);
    expect(rows.reach).toEqual([]);
    expect(postRoomRows(doc, 'space/news')).toEqual({ posts: [], comments: [], reactions: [], reach: [] });
  });
});

describe('materialise', () => {
  it('replaces exactly one post room’s rows in every table', async () => {
    const db = freshDb();
    const doc = monthDoc();
    const other = new Y.Doc();
    other.transact(() => {
      addPost(other, { id: 'q1', authorId: 'erik', createdAt: 9, text: 'December', important: true });
      markReach(other, 'q1', 'sara', 10, false);
    });
    await materialise(db, MONTH, doc);
    await materialise(db, 'space/news/2026-12', other);
    expect(await db.posts.count()).toBe(3);
    expect(await db.comments.count()).toBe(2);
    expect(await db.reactions.count()).toBe(2);
    expect(await db.reach.count()).toBe(4);
    expect(await db.posts.where('importantAt').above(0).primaryKeys()).toEqual(['q1', 'p1']);
    expect(await db.posts.where('mentions').equals('sara').primaryKeys()).toEqual(['p1']);

    doc.transact(() => {
      deleteComment(doc, 'c1');
      setReaction(doc, 'p1', 'sara', 'like', false, 2000);
      deletePost(doc, 'p2');
    });
    await materialise(db, MONTH, doc);
    expect((await db.posts.toArray()).map((p) => p.id).sort()).toEqual(['p1', 'q1']);
    expect((await db.comments.toArray()).map((c) => c.id)).toEqual(['c2']);
    expect((await db.reactions.toArray()).map((r) => r.key)).toEqual(['p1/johan/heart']);
    expect((await db.posts.get('p1'))?.commentCount).toBe(1);
    expect(await db.reach.where('room').equals('space/news/2026-12').count()).toBe(1);
  });

  it('turns a space’s shared room into its pins, ignoring pins that point elsewhere', async () => {
    const db = freshDb();
    const doc = new Y.Doc();
    doc.transact(() => {
      pin(doc, { postId: 'p1', room: MONTH, by: 'erik', at: 5 });
      pin(doc, { postId: 'tp', room: 'post/news/tp', by: 'erik', at: 6 });
      pin(doc, { postId: 'x', room: 'space/other/2026-11', by: 'erik', at: 7 });
      pin(doc, { postId: 'y', room: 'post/news/not-y', by: 'erik', at: 8 });
    });
    const elsewhere = new Y.Doc();
    pin(elsewhere, { postId: 'o1', room: 'space/other/2026-11', by: 'erik', at: 1 });
    await materialise(db, 'space/news', doc);
    await materialise(db, 'space/other', elsewhere);
    expect((await db.pins.where('spaceId').equals('news').toArray()).map((p) => [p.postId, p.room])).toEqual([
      ['p1', MONTH],
      ['tp', 'post/news/tp']
    ]);
    pinned(doc).delete('p1');
    await materialise(db, 'space/news', doc);
    expect((await db.pins.toArray()).map((p) => p.postId).sort()).toEqual(['o1', 'tp']);
  });

  it('turns the person’s own room into reads, space settings, notification marks and the read-until time', async () => {
    const db = freshDb('sara');
    const doc = new Y.Doc();
    doc.transact(() => {
      markRead(doc, ['p1', 'p2'], 100);
      setSpaceChoice(doc, 'club', 'follow');
      setSpaceChoice(doc, 'news', 'mute');
      setNotifyLevel(doc, 'club', 'all');
      setNotifyLevel(doc, 'hr', 'off');
      markNotificationRead(doc, 'mention:c2', 200);
    });
    await materialise(db, 'user/sara', doc);
    expect(await db.reads.toArray()).toEqual([
      { postId: 'p1', at: 100 },
      { postId: 'p2', at: 100 }
    ]);
    expect(await db.spaceSettings.toArray()).toEqual([
      { spaceId: 'club', choice: 'follow', notify: 'all' },
      { spaceId: 'hr', choice: null, notify: 'off' },
      { spaceId: 'news', choice: 'mute', notify: 'mentions' }
    ]);
    expect(await db.notificationReads.toArray()).toEqual([{ id: 'mention:c2', at: 200 }]);
    expect(await getMeta(db, 'notificationsReadUntil')).toBe(0);

    doc.transact(() => {
      setSpaceChoice(doc, 'news', null);
      setNotifyLevel(doc, 'hr', 'mentions');
      markAllNotificationsRead(doc, 300);
    });
    await materialise(db, 'user/sara', doc);
    expect((await db.spaceSettings.toArray()).map((s) => s.spaceId)).toEqual(['club']);
    expect(await db.notificationReads.count()).toBe(0);
    expect(await getMeta(db, 'notificationsReadUntil')).toBe(300);

    // Someone else's room (never synced here) owns nothing.
    await materialise(db, 'user/erik', new Y.Doc());
    expect(await db.reads.count()).toBe(2);
  });

  it('materialises a month of 2,000 posts in one go', async () => {
    const db = freshDb();
    const doc = new Y.Doc();
    doc.transact(() => {
      for (let i = 0; i < 2000; i++) {
        addPost(doc, {
          id: `p${i}`,
          authorId: 'erik',
          createdAt: i,
          text: `Post ${i}`,
          important: i % 100 === 0
        });
        addComment(doc, {
          id: `c${i}`,
          postId: `p${i}`,
          parentId: null,
          authorId: 'sara',
          createdAt: i,
          text: 'Hi'
        });
        setReaction(doc, `p${i}`, 'sara', 'like', true, i);
      }
    });
    const started = performance.now();
    await materialise(db, MONTH, doc);
    const first = performance.now() - started;
    await materialise(db, MONTH, doc);
    const again = performance.now() - started - first;
    console.info(`materialise 2,000 posts: ${first.toFixed(0)} ms, unchanged again: ${again.toFixed(0)} ms`);
    expect(await db.posts.count()).toBe(2000);
    expect(await db.comments.count()).toBe(2000);
    expect(await db.reactions.count()).toBe(2000);
    expect(await db.posts.where('importantAt').above(-1).count()).toBe(20);
  });
});

describe('forgetRoomRows', () => {
  it('deletes every row of a post room, of a space’s shared room and of the own room', async () => {
    const db = freshDb('sara');
    await materialise(db, MONTH, monthDoc());
    const keep = new Y.Doc();
    addPost(keep, { id: 'k', authorId: 'erik', createdAt: 1, text: 'Stays' });
    await materialise(db, 'space/news/2026-12', keep);
    const shared = new Y.Doc();
    pin(shared, { postId: 'p1', room: MONTH, by: 'erik', at: 5 });
    await materialise(db, 'space/news', shared);
    const own = new Y.Doc();
    own.transact(() => {
      markRead(own, ['p1'], 1);
      setSpaceChoice(own, 'club', 'follow');
      markNotificationRead(own, 'reply:c2', 2);
      markAllNotificationsRead(own, 1);
    });
    await materialise(db, 'user/sara', own);
    await db.outbox.add({ room: MONTH, client: 1, clock: 1, at: 1 });

    await forgetRoomRows(db, MONTH);
    expect((await db.posts.toArray()).map((p) => p.id)).toEqual(['k']);
    expect(await db.comments.count()).toBe(0);
    expect(await db.reactions.count()).toBe(0);
    expect(await db.reach.count()).toBe(0);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.pins.count()).toBe(1);

    await forgetRoomRows(db, 'space/news');
    expect(await db.pins.count()).toBe(0);
    expect(await db.posts.count()).toBe(1);

    await forgetRoomRows(db, 'user/sara');
    expect(await db.reads.count()).toBe(0);
    expect(await db.spaceSettings.count()).toBe(0);
    expect(await db.notificationReads.count()).toBe(0);
    expect(await getMeta(db, 'notificationsReadUntil')).toBeNull();
  });
});
