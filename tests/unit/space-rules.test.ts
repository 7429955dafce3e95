/**
 * The ownership rules of space and post rooms, with updates made by real Y.Docs (and a few
 * crafted by hand) checked against a server-side copy, as the sync server does.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseRoomName, type Room } from '../../src/lib/model/rooms';
import {
  addComment,
  addPost,
  comments,
  confirmRead,
  deleteComment,
  deletePost,
  editComment,
  editPost,
  markReach,
  PostLimits,
  posts,
  reactions,
  reads,
  setReaction,
  type NewPost
} from '../../src/lib/model/space-room';
import { markRoomsChanged, pin } from '../../src/lib/model/space-shared';
import { defaultRules, type ValidationResult } from '../../src/lib/model/validation';

interface Person {
  id: string;
  role: 'admin' | 'editor' | 'staff';
}
const anna: Person = { id: 'anna', role: 'staff' };
const bo: Person = { id: 'bo', role: 'staff' };
const eva: Person = { id: 'eva', role: 'editor' };

let nextClient = 1000;

/** The server's side of one room: its document, the recorded client-id owners, the space. */
class ServerRoom {
  readonly doc = new Y.Doc();
  readonly owners = new Map<number, string>();
  readonly room: Room;
  constructor(
    name = 'space/news/2026-11',
    readonly postingPolicy: 'members' | 'editors' = 'members'
  ) {
    this.room = parseRoomName(name)!;
  }

  /** Runs the room kind's rule as the server does; applies and records claims when accepted. */
  send(person: Person, update: Uint8Array): ValidationResult {
    const before = Y.encodeStateAsUpdate(this.doc);
    const result = defaultRules[this.room.kind]({
      user: person,
      room: this.room,
      access: 'write',
      doc: this.doc,
      update,
      decoded: Y.decodeUpdate(update),
      ownerOf: (client) => this.owners.get(client) ?? null,
      space: { id: 'news', postingPolicy: this.postingPolicy, manager: person.role !== 'staff' }
    });
    // The rule only reads the server's copy.
    expect(Y.encodeStateAsUpdate(this.doc)).toEqual(before);
    if (result.ok) {
      for (const client of result.claims ?? []) this.owners.set(client, person.id);
      Y.applyUpdate(this.doc, update);
    }
    return result;
  }

  device(person: Person, clientID = nextClient++): Device {
    return new Device(this, person, clientID);
  }
}

/**
 * A person's device: a copy of the room that sends what each action changes. After a refusal
 * it discards its copy and loads the server's afresh, as the app does.
 */
class Device {
  doc = new Y.Doc();
  constructor(
    readonly server: ServerRoom,
    readonly person: Person,
    clientID: number
  ) {
    this.pull();
    // After the pull: Yjs gives a document a new id when it receives structs of its own id, and
    // some tests reuse an id on purpose.
    this.doc.clientID = clientID;
  }

  reset(): void {
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.doc.clientID = nextClient++;
    this.pull();
  }

  pull(): void {
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(this.server.doc, Y.encodeStateVector(this.doc)));
  }

  /** The update one action makes (as the provider sends it), without sending it. */
  record(action: (doc: Y.Doc) => void): Uint8Array {
    const updates: Uint8Array[] = [];
    const collect = (u: Uint8Array) => updates.push(u);
    this.doc.on('update', collect);
    try {
      this.doc.transact(() => action(this.doc));
    } finally {
      this.doc.off('update', collect);
    }
    return updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
  }

  act(action: (doc: Y.Doc) => void): ValidationResult {
    this.pull();
    const result = this.server.send(this.person, this.record(action));
    if (!result.ok) this.reset();
    return result;
  }
}

const post = (
  id: string,
  authorId: string,
  text = 'Hello **all**',
  more: Partial<NewPost> = {}
): NewPost => ({
  id,
  authorId,
  createdAt: 1,
  text,
  ...more
});

const ok = { ok: true };
const refused = (error: string) => expect.objectContaining({ ok: false, error });

/** A room with a post by anna, a comment by bo on it, and each one's device. */
function seeded(name?: string, policy?: 'members' | 'editors') {
  const server = new ServerRoom(name, policy);
  const a = server.device(anna);
  const b = server.device(bo);
  const e = server.device(eva);
  expect(a.act((d) => addPost(d, post('p1', 'anna')))).toMatchObject(ok);
  expect(
    b.act((d) =>
      addComment(d, { id: 'c1', postId: 'p1', parentId: null, authorId: 'bo', createdAt: 2, text: 'Nice' })
    )
  ).toMatchObject(ok);
  for (const d of [a, b, e]) d.pull();
  return { server, a, b, e };
}

describe('client ids', () => {
  it('claims a new client id for its sender and refuses it to anyone else', () => {
    const server = new ServerRoom();
    const a = server.device(anna, 42);
    const first = a.act((d) => addPost(d, post('p1', 'anna')));
    expect(first).toEqual({ ok: true, claims: [42] });
    expect(a.act((d) => editPost(d, 'p1', 'Edited', 5))).toEqual({ ok: true });

    const impostor = server.device(bo, 42);
    expect(impostor.act((d) => addPost(d, post('p2', 'bo')))).toEqual(refused('foreign-client'));
  });

  it('gives nobody a client id whose content has no recorded owner', () => {
    const server = new ServerRoom();
    const old = new Y.Doc();
    old.clientID = 7;
    addPost(old, post('legacy', 'anna'));
    Y.applyUpdate(server.doc, Y.encodeStateAsUpdate(old));
    const b = server.device(bo, 7);
    expect(b.act((d) => editPost(d, 'legacy', 'mine now', 5))).toEqual(refused('foreign-client'));
    // Not even its author can claim it afterwards; only an editor's moderation removes it.
    expect(server.device(anna, 7).act((d) => editPost(d, 'legacy', 'x', 5))).toEqual(
      refused('foreign-client')
    );
    expect(server.device(anna).act((d) => deletePost(d, 'legacy'))).toEqual(refused('not-owner'));
    expect(server.device(eva).act((d) => deletePost(d, 'legacy'))).toMatchObject(ok);
  });
});

describe('posts and comments belong to their authors', () => {
  it("refuses editing, extending, overwriting or deleting someone else's post", () => {
    const { b, e } = seeded();
    expect(b.act((d) => editPost(d, 'p1', 'Hacked', 5))).toEqual(refused('not-owner'));
    expect(b.act((d) => posts(d).get('p1')!.set('pinnedBy', 'bo'))).toEqual(refused('not-owner'));
    expect(b.act((d) => addPost(d, post('p1', 'bo', 'Replaced')))).toEqual(refused('not-owner'));
    expect(b.act((d) => deletePost(d, 'p1'))).toEqual(refused('not-owner'));
    // Editors moderate by removing, not by rewriting.
    expect(e.act((d) => editPost(d, 'p1', 'Edited by the editor', 5))).toEqual(refused('not-owner'));
  });

  it("refuses deleting someone else's comment, but lets an editor remove it", () => {
    const { a, e } = seeded();
    expect(a.act((d) => deleteComment(d, 'c1'))).toEqual(refused('not-owner'));
    expect(e.act((d) => deleteComment(d, 'c1'))).toMatchObject(ok);
  });

  it('lets the author edit, extend and delete their own post and comment', () => {
    const { server, a, b } = seeded();
    expect(a.act((d) => editPost(d, 'p1', 'Hello everyone', 5, ['bo']))).toMatchObject(ok);
    expect(b.act((d) => editComment(d, 'c1', 'Very nice', 6))).toMatchObject(ok);
    expect(posts(server.doc).get('p1')!.get('text')!.toString()).toBe('Hello everyone');
    expect(b.act((d) => deleteComment(d, 'c1'))).toMatchObject(ok);
    expect(a.act((d) => deletePost(d, 'p1'))).toMatchObject(ok);
    expect(posts(server.doc).size).toBe(0);
    expect(comments(server.doc).size).toBe(0);
  });

  it('lets an editor remove a whole post, but not just part of it', () => {
    const { server, e } = seeded();
    const partial = e.record((d) => {
      const text = posts(d).get('p1')!.get('text') as Y.Text;
      text.delete(0, 5);
    });
    expect(server.send(eva, partial)).toEqual(refused('not-owner'));
    e.reset();
    expect(e.act((d) => deletePost(d, 'p1'))).toMatchObject(ok);
    expect(posts(server.doc).has('p1')).toBe(false);
  });

  it('refuses a post or comment in someone else’s name', () => {
    const { b } = seeded();
    expect(b.act((d) => addPost(d, post('p2', 'anna')))).toEqual(refused('wrong-author'));
    expect(
      b.act((d) =>
        addComment(d, { id: 'c2', postId: 'p1', parentId: null, authorId: 'anna', createdAt: 3, text: 'Me' })
      )
    ).toEqual(refused('wrong-author'));
    expect(b.act((d) => posts(d).set('p3', new Y.Map()))).toEqual(refused('wrong-author'));
  });

  it('refuses anything but the known top-level maps, and plain values where maps belong', () => {
    const { b } = seeded();
    expect(b.act((d) => d.getMap('m').set('x', 1))).toEqual(refused('unknown-map'));
    expect(b.act((d) => posts(d).set('p9', 'just a string' as unknown as Y.Map<unknown>))).toEqual(
      refused('bad-shape')
    );
  });
});

describe('reactions, confirmations and reach', () => {
  it("refuses them in someone else's name", () => {
    const { b } = seeded();
    expect(b.act((d) => setReaction(d, 'p1', 'anna', 'like', true, 3))).toEqual(refused('wrong-key'));
    expect(b.act((d) => confirmRead(d, 'p1', 'anna', 3))).toEqual(refused('wrong-key'));
    expect(b.act((d) => markReach(d, 'p1', 'anna', 3, true))).toEqual(refused('wrong-key'));
    // The key names bo, the value names anna.
    expect(
      b.act((d) => reactions(d).set('p1/bo/like', { postId: 'p1', userId: 'anna', reaction: 'like', at: 3 }))
    ).toEqual(refused('wrong-value'));
    expect(b.act((d) => setReaction(d, 'p1', 'bo', 'thumbsdown' as 'like', true, 3))).toEqual(
      refused('wrong-key')
    );
  });

  it("refuses removing someone else's reaction or confirmation", () => {
    const { a, b } = seeded();
    expect(a.act((d) => setReaction(d, 'p1', 'anna', 'heart', true, 3))).toMatchObject(ok);
    expect(a.act((d) => confirmRead(d, 'p1', 'anna', 3))).toMatchObject(ok);
    b.pull();
    expect(b.act((d) => setReaction(d, 'p1', 'anna', 'heart', false, 4))).toEqual(refused('not-owner'));
    expect(b.act((d) => reads(d).delete('p1/anna'))).toEqual(refused('not-owner'));
  });

  it('accepts them in the sender’s own name, also changed and removed again', () => {
    const { server, b } = seeded();
    expect(b.act((d) => setReaction(d, 'p1', 'bo', 'celebrate', true, 3))).toMatchObject(ok);
    expect(b.act((d) => confirmRead(d, 'p1', 'bo', 3))).toMatchObject(ok);
    expect(b.act((d) => markReach(d, 'p1', 'bo', 3, false))).toMatchObject(ok);
    expect(b.act((d) => markReach(d, 'p1', 'bo', 4, true))).toMatchObject(ok);
    expect(b.act((d) => setReaction(d, 'p1', 'bo', 'celebrate', false, 5))).toMatchObject(ok);
    expect(reads(server.doc).get('p1/bo')?.userId).toBe('bo');
  });
});

describe('editors', () => {
  it('only editors post in an editors-only space', () => {
    const server = new ServerRoom('space/news/2026-11', 'editors');
    expect(server.device(anna).act((d) => addPost(d, post('p1', 'anna')))).toEqual(refused('editors-only'));
    expect(server.device(eva).act((d) => addPost(d, post('p2', 'eva')))).toMatchObject(ok);
    // Everyone in the audience still comments and reacts.
    const a = server.device(anna);
    expect(
      a.act((d) =>
        addComment(d, { id: 'c1', postId: 'p2', parentId: null, authorId: 'anna', createdAt: 2, text: 'Ok' })
      )
    ).toMatchObject(ok);
  });

  it('only editors mark a post important', () => {
    const server = new ServerRoom();
    expect(
      server.device(anna).act((d) => addPost(d, post('p1', 'anna', 'Read me', { important: true })))
    ).toEqual(refused('editors-only'));
    const a = server.device(anna);
    expect(a.act((d) => addPost(d, post('p2', 'anna')))).toMatchObject(ok);
    expect(a.act((d) => posts(d).get('p2')!.set('important', true))).toEqual(refused('editors-only'));
    expect(
      server.device(eva).act((d) => addPost(d, post('p3', 'eva', 'Read me', { important: true })))
    ).toMatchObject(ok);
  });

  it("only editors write a space's shared room (pins)", () => {
    const server = new ServerRoom('space/news');
    const entry = { postId: 'p1', room: 'space/news/2026-11', by: 'anna', at: 1 };
    expect(server.device(anna).act((d) => pin(d, entry))).toEqual(refused('editors-only'));
    expect(server.device(eva).act((d) => pin(d, { ...entry, by: 'eva' }))).toMatchObject(ok);
  });

  it("leaves a space's signals to the server: editors pin, but set or delete no signal", () => {
    const server = new ServerRoom('space/news');
    const entry = { postId: 'p1', room: 'space/news/2026-11', by: 'eva', at: 1 };
    const e = server.device(eva);
    // Each signal sends every kiosk screen of the space to ask for its rooms again.
    expect(e.act((d) => markRoomsChanged(d, 5))).toEqual(refused('server-only'));
    expect(e.act((d) => d.getMap('signals').set('other', 1))).toEqual(refused('server-only'));
    // The server's own signal (written straight into its copy, as `writeAsServer` does).
    markRoomsChanged(server.doc, 10);
    expect(e.act((d) => markRoomsChanged(d, 10))).toEqual(refused('server-only'));
    expect(e.act((d) => d.getMap('signals').delete('roomsChangedAt'))).toEqual(refused('server-only'));
    // Pinning in the same update as a signal is refused whole; pinning alone passes, next to it.
    expect(
      e.act((d) => {
        pin(d, entry);
        markRoomsChanged(d, 11);
      })
    ).toEqual(refused('server-only'));
    expect(e.act((d) => pin(d, entry))).toMatchObject(ok);
    expect(server.doc.getMap('signals').toJSON()).toEqual({ roomsChangedAt: 10 });
    expect(server.doc.getMap('pinned').size).toBe(1);

    // A pin replaced, and one holding a nested map, pass; an update depending on one the server
    // never had is refused (Yjs would keep it aside and place it later, unchecked).
    expect(e.act((d) => pin(d, { ...entry, at: 2 }))).toMatchObject(ok);
    expect(e.act((d) => d.getMap('pinned').set('p2', new Y.Map([['a', 1]])))).toMatchObject(ok);
    const f = server.device(eva);
    f.pull();
    f.record((d) => pin(d, { ...entry, postId: 'p3' }));
    const second = f.record((d) => pin(d, { ...entry, postId: 'p3', at: 3 }));
    expect(server.send(eva, second)).toEqual(refused('gap'));

    // Offline, a pin set twice and sent as one update: the second value refers to the first, which
    // the device has deleted (its content dropped).
    const g = server.device(eva);
    g.pull();
    g.record((d) => pin(d, { ...entry, postId: 'p4' }));
    g.record((d) => pin(d, { ...entry, postId: 'p4', at: 4 }));
    const offline = Y.encodeStateAsUpdate(g.doc, Y.encodeStateVector(server.doc));
    expect(server.send(eva, offline)).toMatchObject(ok);
    expect(server.doc.getMap('pinned').get('p4')).toMatchObject({ at: 4 });
  });

  it('a post room holds only its own post', () => {
    const server = new ServerRoom('post/news/p7');
    expect(server.device(eva).act((d) => addPost(d, post('p8', 'eva')))).toEqual(refused('wrong-key'));
    expect(server.device(eva).act((d) => addPost(d, post('p7', 'eva')))).toMatchObject(ok);
    expect(server.device(anna).act((d) => confirmRead(d, 'p7', 'anna', 2))).toMatchObject(ok);
    expect(server.device(anna).act((d) => confirmRead(d, 'p7', 'eva', 2))).toEqual(refused('wrong-key'));
  });
});

describe('gaps', () => {
  it('refuses a struct beyond what the server has of its client', () => {
    const server = new ServerRoom();
    const a = server.device(anna);
    a.record((d) => addPost(d, post('p1', 'anna')));
    const second = a.record((d) => editPost(d, 'p1', 'Later', 5));
    expect(server.send(anna, second)).toEqual(refused('gap'));
    expect(posts(server.doc).size).toBe(0);
  });

  it('refuses an update with a hole in it (merged around a missing one)', () => {
    const server = new ServerRoom();
    const a = server.device(anna);
    const first = a.record((d) => addPost(d, post('p1', 'anna')));
    a.record((d) => editPost(d, 'p1', 'Second', 5));
    const third = a.record((d) => editPost(d, 'p1', 'Third', 6));
    const holed = Y.mergeUpdates([first, third]);
    expect(Y.decodeUpdate(holed).structs.some((st) => st instanceof Y.Skip)).toBe(true);
    expect(server.send(anna, holed)).toEqual(refused('gap'));
    expect(server.send(anna, first)).toMatchObject(ok);
  });

  it('refuses items whose origin or parent the server does not have, and deletions of unknown items', () => {
    const server = new ServerRoom();
    const phone = server.device(anna);
    const laptop = server.device(anna);
    const unsent = phone.record((d) => addPost(d, post('p1', 'anna')));
    Y.applyUpdate(laptop.doc, unsent);
    // The laptop edits a post the server never received: its items refer to the phone's.
    const appended = laptop.record((d) => {
      const text = posts(d).get('p1')!.get('text') as Y.Text;
      text.insert(text.length, ', again');
    });
    expect(server.send(anna, appended)).toEqual(refused('gap'));
    // A field set on it: the new item's parent is the phone's post.
    const tablet = server.device(anna);
    Y.applyUpdate(tablet.doc, unsent);
    expect(
      server.send(
        anna,
        tablet.record((d) => posts(d).get('p1')!.set('editedAt', 5))
      )
    ).toEqual(refused('gap'));
    const deleting = server.device(anna);
    Y.applyUpdate(deleting.doc, unsent);
    expect(
      server.send(
        anna,
        deleting.record((d) => deletePost(d, 'p1'))
      )
    ).toEqual(refused('unknown-deletion'));
    expect(Y.encodeStateVector(server.doc)).toEqual(Y.encodeStateVector(new Y.Doc()));
  });

  it('accepts a full catch-up (sync step 2) that repeats what the server has and deletions of others', () => {
    const { server, a, e } = seeded();
    expect(e.act((d) => deleteComment(d, 'c1'))).toMatchObject(ok);
    a.pull();
    a.doc.transact(() => setReaction(a.doc, 'p1', 'anna', 'like', true, 9));
    // Everything the device has that the server lacks, plus its whole delete set.
    const step2 = Y.encodeStateAsUpdate(a.doc, new Uint8Array([0]));
    expect(server.send(anna, step2)).toMatchObject(ok);
    expect(reactions(server.doc).has('p1/anna/like')).toBe(true);
  });
});

describe('limits', () => {
  it('refuses empty and too long posts and comments, with the limit', () => {
    const { a, b } = seeded();
    expect(a.act((d) => addPost(d, post('p2', 'anna', '')))).toEqual(refused('empty'));
    expect(
      b.act((d) =>
        addComment(d, { id: 'c2', postId: 'p1', parentId: null, authorId: 'bo', createdAt: 3, text: '' })
      )
    ).toEqual(refused('empty'));
    const long = a.act((d) => addPost(d, post('p3', 'anna', 'x'.repeat(PostLimits.postText + 1))));
    expect(long).toEqual(refused('too-long'));
    expect(long.ok === false && long.message).toContain(String(PostLimits.postText));
    expect(a.act((d) => addPost(d, post('p4', 'anna', 'x'.repeat(PostLimits.postText))))).toMatchObject(ok);
    expect(
      b.act((d) =>
        addComment(d, {
          id: 'c3',
          postId: 'p1',
          parentId: null,
          authorId: 'bo',
          createdAt: 3,
          text: 'y'.repeat(PostLimits.commentText + 1)
        })
      )
    ).toEqual(refused('too-long'));
  });

  it('refuses post and comment ids and image ids that are not plain ids (they go into addresses)', () => {
    const { a, b } = seeded();
    expect(a.act((d) => addPost(d, post('../../kiosk?pair=abc', 'anna')))).toEqual(refused('wrong-key'));
    expect(
      b.act((d) =>
        addComment(d, { id: 'c/2', postId: 'p1', parentId: null, authorId: 'bo', createdAt: 3, text: 'Hej' })
      )
    ).toEqual(refused('wrong-key'));
    const image = (id: string) => ({ id, type: 'image/png' as const, width: 2, height: 2, alt: '' });
    expect(a.act((d) => addPost(d, post('p2', 'anna', 'Bild', { images: [image('../me')] })))).toEqual(
      refused('bad-shape')
    );
    expect(
      a.act((d) => addPost(d, post('p3', 'anna', 'Bild', { images: [image('Abc_12-x')] })))
    ).toMatchObject(ok);
  });

  it('refuses a post or comment of nothing but white space, however it comes about', () => {
    const { a, b } = seeded();
    const text = (d: Y.Doc, id: string) => posts(d).get(id)!.get('text') as Y.Text;
    expect(a.act((d) => addPost(d, post('p2', 'anna', ' \n\t ')))).toEqual(refused('empty'));
    expect(
      b.act((d) =>
        addComment(d, { id: 'c2', postId: 'p1', parentId: null, authorId: 'bo', createdAt: 3, text: '  ' })
      )
    ).toEqual(refused('empty'));
    // Written and partly deleted again in one update: what is left counts.
    expect(
      a.act((d) =>
        d.transact(() => {
          addPost(d, post('p3', 'anna', 'x  '));
          text(d, 'p3').delete(0, 1);
        })
      )
    ).toEqual(refused('empty'));
    expect(
      a.act((d) =>
        d.transact(() => {
          addPost(d, post('p4', 'anna', ' x '));
          text(d, 'p4').delete(0, 1);
        })
      )
    ).toMatchObject(ok);
    // Edits of a post already there: blanking it is refused, spaces around a word are not.
    expect(a.act((d) => editPost(d, 'p1', '   ', 5))).toEqual(refused('empty'));
    expect(a.act((d) => editPost(d, 'p1', ' Hej ', 6))).toMatchObject(ok);
    expect(a.act((d) => text(d, 'p1').delete(2, 2))).toMatchObject(ok);
    expect(a.act((d) => text(d, 'p1').delete(1, 1))).toEqual(refused('empty'));
    expect(a.act((d) => text(d, 'p1').insert(0, '\n'))).toMatchObject(ok);
  });

  it('counts an edit against the text already there', () => {
    const { a } = seeded();
    expect(a.act((d) => editPost(d, 'p1', 'x'.repeat(PostLimits.postText - 1), 5))).toMatchObject(ok);
    expect(a.act((d) => (posts(d).get('p1')!.get('text') as Y.Text).insert(0, 'ab'))).toEqual(
      refused('too-long')
    );
    expect(a.act((d) => (posts(d).get('p1')!.get('text') as Y.Text).insert(0, 'a'))).toMatchObject(ok);
    expect(a.act((d) => editPost(d, 'p1', '', 6))).toEqual(refused('empty'));
  });

  it('refuses too many images, target groups or mentions', () => {
    const { a, e } = seeded();
    const image = { id: 'i', type: 'image/png' as const, width: 1, height: 1, alt: '' };
    expect(
      a.act((d) =>
        addPost(d, post('p2', 'anna', 'Pics', { images: Array(PostLimits.images + 1).fill(image) }))
      )
    ).toEqual(refused('too-many'));
    expect(
      a.act((d) =>
        addPost(d, post('p3', 'anna', 'Hi', { mentions: Array(PostLimits.mentions + 1).fill('bo') }))
      )
    ).toEqual(refused('too-many'));
    expect(
      e.act((d) =>
        addPost(d, post('p4', 'eva', 'Hi', { targetGroupIds: Array(PostLimits.targetGroups + 1).fill('g') }))
      )
    ).toEqual(refused('too-many'));
    expect(a.act((d) => addPost(d, post('p5', 'anna', 'Pics', { images: [image, image] })))).toMatchObject(
      ok
    );
  });
});
