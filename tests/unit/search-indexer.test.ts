/**
 * The search indexer on a real (in-memory) IndexedDB: the rows of the local store become
 * search items through the contributors, changes reach the index incrementally, and a restart
 * loads the persisted segments and catches up only with what changed while it was closed.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteUserDb, openUserDb, type DocumentRow, type FikaDb, type PostRow } from '../../src/lib/data/db';
import { contributors } from '../../src/lib/search/contributors';
import { SearchIndexer } from '../../src/lib/search/indexer';
import { deleteSearchDb, SearchStore } from '../../src/lib/search/store';
import { testScope } from '../support/scope';
import { buildPerson } from './client-factories';

const scope = testScope();

function stores(): { db: FikaDb; store: () => SearchStore } {
  const userId = `u${Math.random().toString(36).slice(2)}`;
  const db = openUserDb(userId);
  const opened: SearchStore[] = [];
  scope.defer(async () => {
    db.close();
    for (const s of opened) s.close();
    await Promise.all([deleteUserDb(userId), deleteSearchDb(userId)]);
  });
  return {
    db,
    store: () => {
      const s = new SearchStore(userId);
      opened.push(s);
      return s;
    }
  };
}

async function indexer(db: FikaDb, store: SearchStore): Promise<SearchIndexer> {
  const i = await SearchIndexer.open(db, store, contributors, { debounceMs: 5, mergeDelayMs: 60_000 });
  scope.defer(() => i.close());
  return i;
}

function post(id: string, text: string, createdAt = 1000): PostRow {
  return {
    id,
    room: 'space/s1/2026-11',
    spaceId: 's1',
    authorId: 'sara',
    text,
    createdAt,
    editedAt: null,
    commentCount: 0,
    reactionCount: 0,
    important: false,
    targetGroupIds: [],
    images: [],
    mentions: []
  };
}

function docUpdate(paragraphs: string[]): Uint8Array {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment('body');
  body.insert(
    0,
    paragraphs.map((p) => {
      const el = new Y.XmlElement('paragraph');
      el.insert(0, [new Y.XmlText(p)]);
      return el;
    })
  );
  return Y.encodeStateAsUpdateV2(doc);
}

function documentRow(id: string, title: string): DocumentRow {
  return {
    id,
    room: `doc/${id}`,
    spaceId: 's1',
    title,
    folder: 'HR/Ledighet',
    status: 'published',
    reviewDate: null,
    requiresConfirmation: false,
    ownerId: 'sara',
    updatedAt: 5000,
    updatedBy: 'sara',
    access: 'read'
  };
}

const ids = (i: SearchIndexer, query: string) => i.search({ query }).hits.map((h) => h.doc.id);

describe('search indexer', () => {
  it('indexes posts, people, groups and documents with their body text', async () => {
    const { db, store } = stores();
    await db.people.bulkPut([
      buildPerson({ id: 'sara', name: 'Sara Nilsson', title: 'HR-chef', groupIds: ['g-hr', 'g-gbg'] }),
      buildPerson({ id: 'gone', name: 'Gone Person', active: false })
    ]);
    await db.groups.bulkPut([
      { id: 'g-hr', kind: 'department', name: 'Personal' },
      { id: 'g-gbg', kind: 'location', name: 'Göteborg' }
    ]);
    await db.posts.put(post('p1', 'Nya riktlinjer för hemarbete'));
    await db.documents.put(documentRow('d1', 'Semester'));
    await db.roomUpdates.add({
      i: undefined as unknown as number,
      k: 'doc/d1',
      u: docUpdate(['Ansök om ledighet i april.'])
    });

    const i = await indexer(db, store());
    expect(await i.catchUp()).toBeGreaterThan(0);
    expect(ids(i, 'riktlinje')).toEqual(['post:p1']);
    expect(ids(i, 'ledigheten')).toEqual(['doc:d1']);
    expect(ids(i, 'göteborg')).toEqual(expect.arrayContaining(['person:sara', 'group:g-gbg']));
    expect(ids(i, 'gone')).toEqual([]);
    const hit = i.search({ query: 'hemarbete' }).hits[0]!;
    expect(hit.doc).toMatchObject({ type: 'post', href: '/posts/p1', spaceId: 's1' });
    expect(hit.doc.fields.author).toBe('Sara Nilsson');
    // Nothing changed: nothing to do.
    expect(await i.catchUp()).toBe(0);
  });

  it('follows additions, edits, deletions and document text edits as tables change', async () => {
    const { db, store } = stores();
    await db.posts.put(post('p1', 'Kaffemaskinen är trasig'));
    const i = await indexer(db, store());
    await i.catchUp();

    await db.posts.put(post('p2', 'Fredagsfika i matsalen'));
    i.changed(['posts']);
    await i.settled();
    expect(ids(i, 'fredagsfika')).toEqual(['post:p2']);

    await db.posts.put({ ...post('p1', 'Kaffemaskinen är lagad'), editedAt: 2000 });
    i.changed(['posts']);
    await i.settled();
    expect(ids(i, 'trasig')).toEqual([]);
    expect(ids(i, 'lagad')).toEqual(['post:p1']);

    await db.posts.delete('p2');
    i.changed(['posts']);
    await i.settled();
    expect(ids(i, 'fredagsfika')).toEqual([]);

    await db.documents.put(documentRow('d1', 'Policy'));
    await db.roomUpdates.add({
      i: undefined as unknown as number,
      k: 'doc/d1',
      u: docUpdate(['Första versionen.'])
    });
    i.changed(['documents', '$rooms.doc_updates']);
    await i.settled();
    expect(ids(i, 'versionen')).toEqual(['doc:d1']);
    // An edit of the body alone (the row is unchanged) is followed through the stored updates.
    const edit = new Y.Doc();
    for (const row of await db.roomUpdates.where('k').equals('doc/d1').toArray())
      Y.applyUpdateV2(edit, row.u);
    const before = Y.encodeStateVector(edit);
    (edit.getXmlFragment('body').get(0) as Y.XmlElement).insert(1, [
      new Y.XmlText(' Tillägg om distansarbete.')
    ]);
    await db.roomUpdates.add({
      i: undefined as unknown as number,
      k: 'doc/d1',
      u: Y.encodeStateAsUpdateV2(edit, before)
    });
    i.changed(['$rooms.doc_updates']);
    await i.settled();
    expect(ids(i, 'distansarbete')).toEqual(['doc:d1']);
  });

  it('starts from the persisted index and catches up with what changed while closed', async () => {
    const { db, store } = stores();
    await db.posts.bulkPut([post('p1', 'Brandövning på tisdag'), post('p2', 'Ny parkeringsplats')]);
    const first = await indexer(db, store());
    await first.catchUp();
    await db.posts.put(post('p3', 'Julbord i december'));
    first.changed(['posts']);
    await first.settled();
    first.close();
    first.store.close();

    // While closed: one post changed, one deleted, one added.
    await db.posts.put({ ...post('p1', 'Brandövning på onsdag'), editedAt: 3000 });
    await db.posts.delete('p2');
    await db.posts.put(post('p4', 'Sommaravslutning'));

    const second = await indexer(db, store());
    // Search-ready from the persisted segments alone, before catching up.
    expect(second.size).toBe(3);
    expect(ids(second, 'julbord')).toEqual(['post:p3']);
    expect(await second.catchUp()).toBe(3);
    expect(ids(second, 'tisdag')).toEqual([]);
    expect(ids(second, 'onsdag')).toEqual(['post:p1']);
    expect(ids(second, 'parkeringsplats')).toEqual([]);
    expect(ids(second, 'sommaravslutning')).toEqual(['post:p4']);

    // A merge keeps the same answers, persisted.
    await db.posts.bulkPut(Array.from({ length: 12 }, (_, n) => post(`n${n}`, `Mötesrum ${n}`)));
    for (let n = 0; n < 12; n++) {
      await db.posts.put({ ...post(`n${n}`, `Mötesrum ${n} bokat`), editedAt: 4000 + n });
      second.changed(['posts']);
      await second.settled();
    }
    expect(second.segmentCount).toBeGreaterThan(8);
    await second.merge();
    expect(second.segmentCount).toBeLessThanOrEqual(2);
    expect(ids(second, 'bokat')).toHaveLength(12);
    second.close();
    second.store.close();
    const third = await indexer(db, store());
    expect(third.segmentCount).toBeLessThanOrEqual(2);
    expect(ids(third, 'bokat')).toHaveLength(12);
    expect(await third.catchUp()).toBe(0);
  });
});
