/**
 * Finding people by their skills, along the path the app takes: the demo organisation's
 * directory as the server writes it into the `org` room, materialised into a real (in-memory)
 * IndexedDB, indexed by the search indexer through its contributors.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteUserDb, openUserDb, type PostRow } from '../../src/lib/data/db';
import { materialise } from '../../src/lib/data/materialise';
import { writeDirectory } from '../../src/lib/model/org-room';
import { contributors } from '../../src/lib/search/contributors';
import { SearchIndexer } from '../../src/lib/search/indexer';
import { deleteSearchDb, SearchStore } from '../../src/lib/search/store';
import { DEMO_PASSWORD, seedDemo } from '../../sync-server/src/demo';
import { hashPassword } from '../../sync-server/src/passwords';
import { createTestOrg, FAST_SCRYPT } from '../factories';
import { testScope } from '../support/scope';

const scope = testScope();

function post(id: string, text: string): PostRow {
  return {
    id,
    room: 'space/all-staff/2026-11',
    spaceId: 'all-staff',
    authorId: 'astrid',
    text,
    createdAt: 1000,
    editedAt: null,
    commentCount: 0,
    reactionCount: 0,
    important: false,
    targetGroupIds: [],
    images: [],
    mentions: []
  };
}

/** The demo directory on a device, with a post that talks about the same skill, indexed. */
async function demoDevice(): Promise<{
  indexer: SearchIndexer;
  addSkill: (person: string, skill: string) => Promise<void>;
}> {
  const t = createTestOrg();
  scope.defer(() => t.close());
  await seedDemo(t.org, { passwordHash: await hashPassword(DEMO_PASSWORD, FAST_SCRYPT) });
  const org = new Y.Doc();
  const userId = `u${Math.random().toString(36).slice(2)}`;
  const db = openUserDb(userId);
  const store = new SearchStore(userId);
  scope.defer(async () => {
    db.close();
    store.close();
    await Promise.all([deleteUserDb(userId), deleteSearchDb(userId)]);
  });
  const sync = async () => {
    org.transact(() => writeDirectory(org, { ...t.org.directory(), organisation: { name: 'Norrsken' } }));
    await materialise(db, 'org', org);
  };
  await sync();
  await db.posts.put(post('course', 'Forklift certification course in March: sign up with HR.'));
  const indexer = await SearchIndexer.open(db, store, contributors, { debounceMs: 5, mergeDelayMs: 60_000 });
  scope.defer(() => indexer.close());
  await indexer.catchUp();
  return {
    indexer,
    addSkill: async (person, skill) => {
      // The server stores it and rewrites the directory; the device materialises the org room
      // and the indexer hears which tables changed, as when the room syncs.
      t.org.setSkills(person, [...t.org.skillsOf(person), skill]);
      await sync();
      indexer.changed(['people']);
      await indexer.settled();
    }
  };
}

const ids = (i: SearchIndexer, query: string) => i.search({ query }).hits.map((h) => h.doc.id);

describe('search: people by skill', () => {
  it('ranks the people who list a skill first, in English and Swedish', async () => {
    const { indexer } = await demoDevice();
    const found = ids(indexer, 'who knows forklift certification');
    expect(found.slice(0, 3).sort()).toEqual(['person:maria', 'person:oskar', 'person:sara']);
    // The post about the skill is found too, below the people who have it.
    expect(found).toContain('post:course');
    expect(ids(indexer, 'truckkort').slice(0, 2).sort()).toEqual(['person:oskar', 'person:sara']);
    expect(ids(indexer, 'network').slice(0, 2).sort()).toEqual(['person:elin', 'person:johan']);
    // A person's snippet shows the skill, highlighted.
    const hit = indexer.search({ query: 'forklift' }).hits[0]!;
    expect(hit.snippet.text).toMatch(/Forklift certification/);
    // A line about oneself is searched too: Johan's mentions laptops, no skill does.
    expect(ids(indexer, 'laptops')[0]).toBe('person:johan');
  });

  it('finds a skill added to a profile once the directory syncs', async () => {
    const device = await demoDevice();
    expect(ids(device.indexer, 'truckkort')).not.toContain('person:johan');
    await device.addSkill('johan', 'Truckkort');
    expect(ids(device.indexer, 'truckkort').slice(0, 3).sort()).toEqual([
      'person:johan',
      'person:oskar',
      'person:sara'
    ]);
  });
});
