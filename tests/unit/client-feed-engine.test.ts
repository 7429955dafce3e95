/**
 * The feed's actions and the engine's `change()` and `loadOlder()` against the real server (an
 * ephemeral port, a real SQLite file), with the engine's store on an in-memory IndexedDB and
 * stock y-websocket clients as other people and other devices.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiFailure } from '../../src/lib/api';
import { type FikaDb } from '../../src/lib/data/db';
import * as actions from '../../src/lib/feed/actions';
import { FeedInputError } from '../../src/lib/feed/actions';
import { spaceMonthRoom, spaceRoom, userRoom } from '../../src/lib/model/rooms';
import {
  addPost,
  comments,
  PostLimits,
  posts,
  reach,
  reactions,
  reads
} from '../../src/lib/model/space-room';
import { pinned } from '../../src/lib/model/space-shared';
import { notifyLevels, readMap, spaceChoices } from '../../src/lib/model/user-room';
import { type FikaSyncEngine, type SpaceMonth } from '../../src/lib/sync/engine';
import { connect, metric, synced, waitFor, type TestServer } from '../support/server';
import { testScope } from '../support/scope';
import { startEngine, userDatabase } from './client-sync';

const scope = testScope();
const { server } = scope;

const database = (userId: string): FikaDb => userDatabase(scope, userId);

const engine = (
  s: TestServer,
  db: FikaDb,
  token: string,
  opts: { url?: string; months?: (spaceId: string) => Promise<SpaceMonth[]> } = {}
): Promise<FikaSyncEngine> => startEngine(scope, s, db, token, opts);

/** A stock client on `room`, synced. */
async function device(s: TestServer, room: string, token: string) {
  const c = connect(s, room, token);
  scope.defer(() => c.destroy());
  await synced(c);
  return c;
}

function newsSpace(s: TestServer) {
  return s.org.createSpace({ name: 'News', kind: 'news', audience: 'everyone', postingPolicy: 'members' });
}

const monthOf = (date: Date): string => date.toISOString().slice(0, 7);

/** A post's row, once materialised (a moment after the change). */
async function rowOf(db: FikaDb, id: string) {
  await expect.poll(() => db.posts.get(id), { timeout: 3000 }).toBeDefined();
  return (await db.posts.get(id))!;
}

describe('engine.change', () => {
  it('writes offline, keeps the change, and sends it once online', async () => {
    const s = await server();
    const space = newsSpace(s);
    const sara = s.addUser('sara');
    const db = database(sara.user.id);
    const me = { id: sara.user.id, role: 'staff' as const };

    // Nothing listens there: the device is offline.
    const offline = await engine(s, db, sara.token, { url: 'ws://127.0.0.1:9/sync' });
    const { id, room } = await actions.createPost(offline, me, {
      spaceId: space.id,
      text: 'Written on the train'
    });
    expect(room).toBe(spaceMonthRoom(space.id, new Date()));
    expect(id).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    await expect
      .poll(() => db.posts.get(id).then((p) => p?.text), { timeout: 3000 })
      .toBe('Written on the train');
    await waitFor(() => offline.status.pending === 1, 3000, 'a pending change');
    // A targeted post needs the server.
    await expect(
      actions.createPost(offline, me, { spaceId: space.id, text: 'Team only', targetGroupIds: ['team'] })
    ).rejects.toMatchObject({ name: 'ApiFailure', error: 'offline' });
    offline.stop();

    const online = await engine(s, db, sara.token);
    await waitFor(() => online.status.pending === 0 && online.status.state === 'synced', 5000, 'sent');
    const other = await device(s, room, sara.token);
    expect(posts(other.doc).get(id)?.get('text')?.toString()).toBe('Written on the train');
  });

  it('refuses rooms the person may not write', async () => {
    const s = await server();
    const sara = s.addUser('sara');
    const e = await engine(s, database(sara.user.id), sara.token);
    await expect(e.change('org', () => {})).rejects.toMatchObject({ error: 'forbidden' });
    await expect(e.change('space/secret/2026-01', () => {})).rejects.toMatchObject({ error: 'forbidden' });
    await expect(e.change('user/someone-else', () => {})).rejects.toBeInstanceOf(ApiFailure);
  });
});

describe('a change the server refuses', () => {
  it('is dropped from the device, which restores the room from the server and goes on syncing', async () => {
    const s = await server();
    const space = newsSpace(s);
    const anna = s.addUser('anna');
    const sara = s.addUser('sara');
    const room = spaceMonthRoom(space.id, new Date());
    const annaDevice = await device(s, room, anna.token);
    addPost(annaDevice.doc, {
      id: 'annas',
      authorId: anna.user.id,
      createdAt: Date.now(),
      text: 'Anna wrote this'
    });

    const db = database(sara.user.id);
    const me = { id: sara.user.id, role: 'staff' as const };
    const e = await engine(s, db, sara.token);
    await expect
      .poll(() => db.posts.get('annas').then((p) => p?.text), { timeout: 5000 })
      .toBe('Anna wrote this');

    // A modified app: Sara edits Anna's post. The rules refuse it (4409)…
    await e.change(room, (doc) => {
      const text = posts(doc).get('annas')!.get('text') as Y.Text;
      text.insert(0, 'Sara was here: ');
    });
    await expect
      .poll(() => metric(s, 'fika_sync_connections_closed_total', '{code="4409"}'), { timeout: 5000 })
      .toBe(1);
    // …and the device forgets its copy, loads the server's afresh, and nothing is left pending.
    await expect
      .poll(() => db.posts.get('annas').then((p) => p?.text), { timeout: 10_000 })
      .toBe('Anna wrote this');
    await waitFor(() => e.status.pending === 0 && e.status.state === 'synced', 10_000, 'restored');
    expect(posts(annaDevice.doc).get('annas')?.get('text')?.toString()).toBe('Anna wrote this');

    // The room works again: Sara's own comment reaches Anna.
    const post = (await db.posts.get('annas'))!;
    await actions.addComment(e, me, post, { text: 'Sorry!', parentId: null });
    await waitFor(
      () => [...comments(annaDevice.doc).values()].some((c) => c.get('text')?.toString() === 'Sorry!'),
      5000,
      'the comment after the restore'
    );
  });
});

describe('the feed’s actions', () => {
  it('write the model’s shapes into the right rooms, seen by others', async () => {
    const s = await server();
    const space = newsSpace(s);
    const sara = s.addUser('sara');
    const erik = s.addUser('erik', { role: 'editor' });
    const db = database(sara.user.id);
    const e = await engine(s, db, sara.token);
    const me = { id: sara.user.id, role: 'staff' as const };
    const room = spaceMonthRoom(space.id, new Date());
    const erikView = await device(s, room, erik.token);

    const image = { id: 'img1', type: 'image/png' as const, width: 10, height: 20, alt: 'A map' };
    const { id } = await actions.createPost(e, me, {
      spaceId: space.id,
      text: 'Hello @erik',
      images: [image],
      mentions: [erik.user.id, erik.user.id]
    });
    await waitFor(() => posts(erikView.doc).has(id), 3000, 'the post at Erik’s');
    const entry = posts(erikView.doc).get(id)!;
    expect(entry.toJSON()).toMatchObject({
      id,
      authorId: sara.user.id,
      text: 'Hello @erik',
      images: [image],
      mentions: [erik.user.id]
    });
    expect(entry.has('important')).toBe(false);

    const row = await rowOf(db, id);
    await actions.editPost(e, me, row, 'Hello everyone', []);
    const { id: commentId } = await actions.addComment(e, me, row, { text: 'First!' });
    const { id: replyId } = await actions.addComment(e, me, row, { text: 'Second', parentId: commentId });
    await actions.toggleReaction(e, me, row, 'like');
    await actions.toggleReaction(e, me, row, 'heart');
    await actions.toggleReaction(e, me, row, 'like');
    await waitFor(
      () => comments(erikView.doc).has(replyId) && reactions(erikView.doc).size === 1,
      3000,
      'all'
    );
    expect(entry.get('text')!.toString()).toBe('Hello everyone');
    expect(entry.has('mentions')).toBe(false);
    expect(comments(erikView.doc).get(replyId)!.get('parentId')).toBe(commentId);
    expect([...reactions(erikView.doc).keys()]).toEqual([`${id}/${sara.user.id}/heart`]);

    // The person's own room: read state, space choice, notification level and marks.
    await actions.markRead(e, me, [id]);
    await actions.setSpaceChoice(e, me, space.id, 'mute');
    await actions.setNotifyLevel(e, me, space.id, 'all');
    await actions.markNotificationRead(e, me, 'mention:x');
    await expect
      .poll(() => db.spaceSettings.get(space.id), { timeout: 3000 })
      .toEqual({
        spaceId: space.id,
        choice: 'mute',
        notify: 'all'
      });
    const phone = await device(s, userRoom(sara.user.id), sara.token);
    await waitFor(() => readMap(phone.doc).has(id), 3000, 'the read state at Sara’s phone');
    expect(spaceChoices(phone.doc).get(space.id)).toBe('mute');
    expect(notifyLevels(phone.doc).get(space.id)).toBe('all');

    // Only editors pin; Erik pins and unpins through his own engine.
    await expect(actions.pinPost(e, me, row)).rejects.toMatchObject({ code: 'not-allowed' });
    const erikDb = database(erik.user.id);
    const erikEngine = await engine(s, erikDb, erik.token);
    const editor = { id: erik.user.id, role: 'editor' as const };
    await actions.pinPost(erikEngine, editor, row);
    const shared = await device(s, spaceRoom(space.id), sara.token);
    await waitFor(() => pinned(shared.doc).has(id), 3000, 'the pin');
    expect(pinned(shared.doc).get(id)).toMatchObject({ postId: id, room, by: erik.user.id });
    await expect.poll(() => db.pins.get(id).then((p) => p?.room), { timeout: 3000 }).toBe(room);

    // An editor deletes anyone's post, and it leaves the pins too.
    await actions.deletePost(erikEngine, editor, row);
    await waitFor(() => !posts(erikView.doc).has(id) && !pinned(shared.doc).has(id), 3000, 'deleted');
    await expect.poll(() => db.posts.get(id), { timeout: 3000 }).toBeUndefined();
    await waitFor(() => e.status.pending === 0 && erikEngine.status.pending === 0, 5000, 'all stored');
  });

  it('confirm important posts and write reach once; delivery is written when the room syncs', async () => {
    const s = await server();
    const space = newsSpace(s);
    const sara = s.addUser('sara');
    const erik = s.addUser('erik', { role: 'editor' });
    const room = spaceMonthRoom(space.id, new Date());
    const erikView = await device(s, room, erik.token);
    erikView.doc.transact(() => {
      addPost(erikView.doc, {
        id: 'drill',
        authorId: erik.user.id,
        createdAt: Date.now(),
        text: 'Fire drill',
        important: true
      });
      addPost(erikView.doc, { id: 'lunch', authorId: erik.user.id, createdAt: Date.now(), text: 'Lunch' });
    });

    const db = database(sara.user.id);
    const e = await engine(s, db, sara.token);
    const key = `drill/${sara.user.id}`;
    // Delivered without any page asking; not for the post that is not important.
    await waitFor(() => reach(erikView.doc).has(key), 5000, 'the delivery');
    const delivered = reach(erikView.doc).get(key)!;
    expect(delivered.openedAt).toBeUndefined();
    expect(reach(erikView.doc).size).toBe(1);

    const me = { id: sara.user.id, role: 'staff' as const };
    const drill = await rowOf(db, 'drill');
    await actions.markDelivered(e, me, [drill]);
    await actions.markOpened(e, me, drill);
    await actions.markOpened(e, me, drill);
    await actions.confirmRead(e, me, drill);
    await expect(actions.confirmRead(e, me, await rowOf(db, 'lunch'))).rejects.toMatchObject({
      code: 'not-important'
    });
    await waitFor(() => reads(erikView.doc).has(key), 3000, 'the confirmation');
    const entry = reach(erikView.doc).get(key)!;
    expect(entry.deliveredAt).toBe(delivered.deliveredAt);
    expect(entry.openedAt).toBeGreaterThanOrEqual(delivered.deliveredAt);
    await expect
      .poll(() => db.reach.get(key).then((r) => r?.confirmedAt != null), { timeout: 3000 })
      .toBe(true);
  });

  it('refuse bad input before writing anything', async () => {
    const s = await server();
    const space = newsSpace(s);
    const sara = s.addUser('sara');
    const db = database(sara.user.id);
    const e = await engine(s, db, sara.token);
    const me = { id: sara.user.id, role: 'staff' as const };
    const input = { spaceId: space.id };

    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (err: unknown) => (err instanceof FeedInputError ? [err.code, err.limit] : err)
      );
    expect(await failure(actions.createPost(e, me, { ...input, text: '  \n ' }))).toEqual(['empty', null]);
    expect(
      await failure(actions.createPost(e, me, { ...input, text: 'x'.repeat(PostLimits.postText + 1) }))
    ).toEqual(['too-long', PostLimits.postText]);
    const image = { id: 'i', type: 'image/svg+xml' as 'image/png', width: 1, height: 1, alt: '' };
    expect(await failure(actions.createPost(e, me, { ...input, text: 'x', images: [image] }))).toEqual([
      'bad-image',
      null
    ]);
    const many = Array.from({ length: PostLimits.mentions + 1 }, (_, i) => `p${i}`);
    expect(await failure(actions.createPost(e, me, { ...input, text: 'x', mentions: many }))).toEqual([
      'too-many-mentions',
      PostLimits.mentions
    ]);

    const { id } = await actions.createPost(e, me, { ...input, text: 'Fine' });
    const row = await rowOf(db, id);
    expect(await failure(actions.addComment(e, me, row, { text: '' }))).toEqual(['empty', null]);
    expect(
      await failure(actions.addComment(e, me, row, { text: 'x'.repeat(PostLimits.commentText + 1) }))
    ).toEqual(['too-long', PostLimits.commentText]);
    expect(await failure(actions.addComment(e, me, row, { text: 'Hi', parentId: 'nope' }))).toEqual([
      'bad-parent',
      null
    ]);
    expect(await failure(actions.editPost(e, me, { ...row, authorId: 'erik' }, 'Mine now', []))).toEqual([
      'not-allowed',
      null
    ]);
    expect(await failure(actions.deletePost(e, me, { ...row, authorId: 'erik' }))).toEqual([
      'not-allowed',
      null
    ]);
    await expect(
      actions.uploadImage(space.id, new Blob(['<svg/>'], { type: 'image/svg+xml' }))
    ).rejects.toMatchObject({
      error: 'unsupported-image-type'
    });
    // Nothing but the one good post was written.
    await expect.poll(() => db.posts.count()).toBe(1);
    expect(await db.comments.count()).toBe(0);
    const doc = new Y.Doc();
    const check = connect(s, spaceMonthRoom(space.id, new Date()), sara.token, { doc });
    scope.defer(() => check.destroy());
    await synced(check);
    await waitFor(() => e.status.pending === 0, 5000, 'stored');
    expect(posts(doc).size).toBe(1);
    expect(comments(doc).size).toBe(0);
  });
});

describe('engine.loadOlder', () => {
  it('fetches older month partitions newest first, one step at a time, without keeping them open', async () => {
    const s = await server();
    const space = newsSpace(s);
    const sara = s.addUser('sara');
    const erik = s.addUser('erik');
    const older = ['2024-03', '2024-01'];
    for (const month of older) {
      const c = await device(s, `space/${space.id}/${month}`, erik.token);
      c.doc.transact(() =>
        addPost(c.doc, {
          id: `old-${month}`,
          authorId: erik.user.id,
          createdAt: Date.parse(`${month}-15T12:00:00Z`),
          text: `From ${month}`
        })
      );
    }
    const now = new Date();
    const asked: string[] = [];
    const months = (spaceId: string): Promise<SpaceMonth[]> => {
      asked.push(spaceId);
      return Promise.resolve([monthOf(now), ...older].map((month) => ({ month, updatedAt: 1 })));
    };
    const db = database(sara.user.id);
    const e = await engine(s, db, sara.token, { months });
    await waitFor(() => e.status.state === 'synced', 5000, 'first sync');

    expect(await e.loadOlder(null)).toBe(true);
    expect(asked).toEqual([space.id]);
    expect((await db.posts.toArray()).map((p) => p.id)).toEqual(['old-2024-03']);
    await waitFor(() => !e.openRooms.includes(`space/${space.id}/2024-03`), 3000, 'the month let go');

    expect(await e.loadOlder(space.id)).toBe(true);
    expect((await db.posts.toArray()).map((p) => p.id).sort()).toEqual(['old-2024-01', 'old-2024-03']);
    expect(await e.loadOlder(space.id)).toBe(false);
    expect(e.openRooms).not.toContain(`space/${space.id}/2024-01`);

    // Muted: not in the feed, so paging the feed asks nothing about it.
    await actions.setSpaceChoice(e, { id: sara.user.id, role: 'staff' }, space.id, 'mute');
    await expect.poll(() => db.spaceSettings.count(), { timeout: 3000 }).toBe(1);
    asked.length = 0;
    expect(await e.loadOlder(null)).toBe(false);
    expect(asked).toEqual([]);

    e.status.setOnline(false);
    expect(await e.loadOlder(space.id)).toBe(false);
  });
});
