/**
 * The library on the device: document rooms materialised into `documents` rows on a real
 * (in-memory) IndexedDB, joined with `/api/me`, forgotten with their room, and the queries the
 * library page reads.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Me } from '../../src/lib/api';
import { deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { dayString, listDocuments, overdue, overdueFor } from '../../src/lib/data/doc-queries';
import { forgetRoomRows, materialise } from '../../src/lib/data/materialise';
import { saveMe } from '../../src/lib/data/meta';
import { setMeta, type DocMeta } from '../../src/lib/model/doc-room';
import { stillReadable, wantedRooms } from '../../src/lib/sync/wanted-rooms';
import { buildMe, buildPerson, buildSpace, orgDoc } from './client-factories';

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

function docEntry(docId: string, ownerId: string, access: 'read' | 'write' = 'read', spaceId = 'all') {
  return { room: `doc/${docId}`, access, kind: 'doc' as const, docId, spaceId, ownerId };
}

function meWith(...docs: ReturnType<typeof docEntry>[]): Me {
  const me = buildMe({ spaces: [buildSpace({ id: 'all', name: 'All staff' }), buildSpace({ id: 'it' })] });
  me.rooms.push(...docs);
  return me;
}

function docRoomDoc(patch: Partial<Omit<DocMeta, 'updatedAt' | 'updatedBy'>>, at = 1000, by = 'erik'): Y.Doc {
  const doc = new Y.Doc();
  setMeta(doc, patch, by, at);
  return doc;
}

describe('document rows', () => {
  it("materialise a document room's meta with its owner and access from /api/me", async () => {
    const db = freshDb();
    await saveMe(db, meWith(docEntry('vacation', 'erik')));
    const doc = docRoomDoc({
      title: 'Vacation policy',
      folder: 'HR',
      status: 'published',
      reviewDate: '2027-03-01'
    });
    await materialise(db, 'doc/vacation', doc);
    expect(await db.documents.toArray()).toEqual([
      {
        id: 'vacation',
        room: 'doc/vacation',
        spaceId: 'all',
        title: 'Vacation policy',
        folder: 'HR',
        status: 'published',
        reviewDate: '2027-03-01',
        requiresConfirmation: false,
        ownerId: 'erik',
        updatedAt: 1000,
        updatedBy: 'erik',
        access: 'read'
      }
    ]);

    // A change in the room replaces the row.
    setMeta(doc, { title: 'Semesterpolicy' }, 'astrid', 2000);
    await materialise(db, 'doc/vacation', doc);
    expect(await db.documents.get('vacation')).toMatchObject({
      title: 'Semesterpolicy',
      updatedBy: 'astrid',
      updatedAt: 2000
    });

    // A fresh /api/me that makes Sara a co-author updates the row without the room.
    await saveMe(db, meWith(docEntry('vacation', 'erik', 'write')));
    expect((await db.documents.get('vacation'))?.access).toBe('write');

    // Forgetting the room forgets its row.
    await forgetRoomRows(db, 'doc/vacation');
    expect(await db.documents.count()).toBe(0);
  });

  it('keeps what it knew of owner and access when /api/me is not cached', async () => {
    const db = freshDb();
    await materialise(db, 'doc/d1', docRoomDoc({ title: 'Early' }));
    expect(await db.documents.get('d1')).toMatchObject({ ownerId: '', spaceId: '', access: 'read' });
    await saveMe(db, meWith(docEntry('d1', 'astrid', 'write')));
    await db.meta.delete('me');
    await materialise(db, 'doc/d1', docRoomDoc({ title: 'Later' }, 3000));
    expect(await db.documents.get('d1')).toMatchObject({
      title: 'Later',
      ownerId: 'astrid',
      access: 'write'
    });
  });

  it('are kept open by the sync layer while /api/me lists them, and forgotten after', () => {
    const me = meWith(docEntry('vacation', 'erik'), docEntry('it-rules', 'astrid', 'write'));
    const wanted = wantedRooms('sara', me, new Date(Date.UTC(2027, 0, 15)));
    expect(wanted.get('doc/vacation')).toBe('read');
    expect(wanted.get('doc/it-rules')).toBe('write');
    expect(stillReadable(me, 'doc/vacation')).toBe(true);
    expect(stillReadable(me, 'doc/gone')).toBe(false);
  });
});

describe('library queries', () => {
  async function library(): Promise<FikaDb> {
    const db = freshDb();
    const people = [
      buildPerson({ id: 'erik', name: 'Erik Johansson' }),
      buildPerson({ id: 'astrid', name: 'Astrid Lindqvist' })
    ];
    const me = meWith(
      docEntry('vacation', 'erik'),
      docEntry('forklift', 'erik'),
      docEntry('it-rules', 'astrid', 'read', 'it'),
      docEntry('onboarding', 'astrid')
    );
    await saveMe(db, me);
    await materialise(db, 'org', orgDoc(people, me.spaces));
    const docs: [string, Partial<Omit<DocMeta, 'updatedAt' | 'updatedBy'>>, number][] = [
      [
        'vacation',
        { title: 'Vacation policy', folder: 'HR', status: 'published', reviewDate: '2027-06-01' },
        300
      ],
      ['forklift', { title: 'Forklift safety', folder: 'Warehouse', status: 'draft', reviewDate: null }, 100],
      [
        'it-rules',
        { title: 'IT security rules', folder: '', status: 'published', reviewDate: '2026-10-01' },
        200
      ],
      [
        'onboarding',
        { title: 'Välkommen till jobbet', folder: 'HR', status: 'published', reviewDate: '2026-12-31' },
        400
      ]
    ];
    for (const [id, patch, at] of docs) await materialise(db, `doc/${id}`, docRoomDoc(patch, at));
    return db;
  }
  const today = '2027-01-15';
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

  it('sort by each column, both ways, with owner and space names', async () => {
    const db = await library();
    const list = (sort: Parameters<typeof listDocuments>[1]['sort'], direction: 'asc' | 'desc' = 'asc') =>
      listDocuments(db, { sort, direction, today });
    expect(ids(await list('title'))).toEqual(['forklift', 'it-rules', 'vacation', 'onboarding']);
    expect(ids(await list('title', 'desc'))).toEqual(['onboarding', 'vacation', 'it-rules', 'forklift']);
    expect(ids(await list('owner'))).toEqual(['it-rules', 'onboarding', 'forklift', 'vacation']);
    expect(ids(await list('status'))).toEqual(['forklift', 'it-rules', 'vacation', 'onboarding']);
    expect(ids(await list('updated', 'desc'))).toEqual(['onboarding', 'vacation', 'it-rules', 'forklift']);
    expect(ids(await list('folder'))).toEqual(['it-rules', 'vacation', 'onboarding', 'forklift']);
    // Without a review date last, whichever the direction.
    expect(ids(await list('review'))).toEqual(['it-rules', 'onboarding', 'vacation', 'forklift']);
    expect(ids(await list('review', 'desc'))).toEqual(['vacation', 'onboarding', 'it-rules', 'forklift']);
    const [first] = await list('title');
    expect(first).toMatchObject({ ownerName: 'Erik Johansson', spaceName: 'All staff', overdue: false });
  });

  it('filter by space, status, overdue reviews and title text', async () => {
    const db = await library();
    const base = { sort: 'title', direction: 'asc', today } as const;
    expect(ids(await listDocuments(db, { ...base, spaceId: 'it' }))).toEqual(['it-rules']);
    expect(ids(await listDocuments(db, { ...base, status: 'draft' }))).toEqual(['forklift']);
    const late = await listDocuments(db, { ...base, overdueOnly: true });
    expect(ids(late)).toEqual(['it-rules', 'onboarding']);
    expect(late.every((d) => d.overdue)).toBe(true);
    expect(ids(await listDocuments(db, { ...base, text: 'valkommen' }))).toEqual(['onboarding']);
    expect(ids(await listDocuments(db, { ...base, text: ' SAFETY ' }))).toEqual(['forklift']);
    expect(
      ids(await listDocuments(db, { ...base, status: 'published', spaceId: 'all', overdueOnly: true }))
    ).toEqual(['onboarding']);
  });

  it("flag an owner's overdue reviews, and only the days after the review date", async () => {
    const db = await library();
    expect(ids(await overdueFor(db, 'astrid', today))).toEqual(['it-rules', 'onboarding']);
    expect(await overdueFor(db, 'erik', today)).toEqual([]);
    expect(overdue({ reviewDate: '2027-01-15' }, '2027-01-15')).toBe(false);
    expect(overdue({ reviewDate: '2027-01-14' }, '2027-01-15')).toBe(true);
    expect(overdue({ reviewDate: null }, '2027-01-15')).toBe(false);
    expect(dayString(new Date(2027, 0, 5))).toBe('2027-01-05');
  });
});
