import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseRoomName } from '../../src/lib/model/rooms';
import { editPost, posts } from '../../src/lib/model/space-room';
import { defaultRules } from '../../src/lib/model/validation';
import { DEMO_PASSWORD, DEMO_SIGN_INS, demoEmail, seedDemo, wipeDemoData } from '../../sync-server/src/demo';
import { seedDemoContent } from '../../sync-server/src/demo-content';
import { ClientOwners } from '../../sync-server/src/owners';
import { SqliteUpdateStore } from '../../sync-server/src/persistence';
import { hashPassword } from '../../sync-server/src/passwords';
import { FAST_SCRYPT, createTestOrg, removeDir, tempDataDir, type TestOrg } from '../factories';

describe('demo organisation', () => {
  let t: TestOrg;
  beforeEach(() => {
    t = createTestOrg();
  });
  afterEach(() => t.close());

  it('seeds once, with readable ids and the audiences the demo content relies on', async () => {
    const passwordHash = await hashPassword(DEMO_PASSWORD, FAST_SCRYPT);
    expect(await seedDemo(t.org, { passwordHash })).toBe(true);
    expect(await seedDemo(t.org, { passwordHash })).toBe(false);
    const { org } = t;
    expect(org.getSetting('org.name')).toBe('Norrsken Logistik AB');
    expect(org.userCount()).toBeGreaterThanOrEqual(8);
    for (const signIn of DEMO_SIGN_INS) expect(org.findUserByEmail(signIn.email)?.role).toBe(signIn.role);

    const can = (person: string, room: string) => org.roomAccess(org.getUser(person)!, parseRoomName(room)!);
    // Every author in demo-content.ts can write where their content goes.
    for (const [person, space] of [
      ['erik', 'all-staff'],
      ['sara', 'goteborg-office'],
      ['lina', 'goteborg-office'],
      ['oskar', 'goteborg-office'],
      ['johan', 'it-help'],
      ['maria', 'it-help'],
      ['sara', 'warehouse-2027'],
      ['oskar', 'warehouse-2027']
    ] as const) {
      expect([person, space, can(person, `space/${space}/2026-11`)]).toEqual([person, space, 'write']);
    }
    expect(can('johan', 'space/warehouse-2027')).toBeNull();
    expect(can('astrid', 'space/goteborg-office')).toBeNull();
    expect(can('sara', 'doc/packing-guideline')).toBe('write');
    expect(can('oskar', 'doc/packing-guideline')).toBe('read');
    expect(can('johan', 'doc/packing-guideline')).toBeNull();
    expect(can('johan', 'doc/travel-policy')).toBe('read');
    expect(org.directory().spaces.map((s) => s.id)).toEqual(['all-staff', 'it-help']);
    expect(org.findCredentials(demoEmail('sara'))?.passwordHash).toBe(passwordHash);
  });

  it('seeds posts that belong to the people named, under the ownership rules', async () => {
    await seedDemo(t.org, { passwordHash: await hashPassword(DEMO_PASSWORD, FAST_SCRYPT) });
    const now = Date.UTC(2026, 10, 20, 12);
    seedDemoContent({ db: t.db, org: t.org }, now);
    const name = 'space/all-staff/2026-11';
    const doc = new Y.Doc();
    for (const update of new SqliteUpdateStore(t.db).load(name).updates) Y.applyUpdate(doc, update);
    const owners = new ClientOwners(t.db).load(name);
    const post = posts(doc).get('demo-1')!;
    expect(post.get('authorId')).toBe('erik');
    expect(owners.get(post._item!.id.client)).toBe('erik');

    const edit = (person: string) => {
      const device = new Y.Doc();
      Y.applyUpdate(device, Y.encodeStateAsUpdate(doc));
      const updates: Uint8Array[] = [];
      device.on('update', (u: Uint8Array) => updates.push(u));
      editPost(device, 'demo-1', 'Edited', now);
      const user = t.org.getUser(person)!;
      return defaultRules.space({
        user,
        room: parseRoomName(name)!,
        access: 'write',
        doc,
        update: updates[0]!,
        decoded: Y.decodeUpdate(updates[0]!),
        ownerOf: (client) => owners.get(client) ?? null,
        space: { id: 'all-staff', postingPolicy: 'editors', manager: user.role !== 'staff' }
      });
    };
    expect(edit('sara')).toMatchObject({ ok: false, error: 'not-owner' });
    expect(edit('erik')).toMatchObject({ ok: true });
  });

  it("wipes the demo's database, journal and uploaded images, and nothing else", () => {
    const dir = tempDataDir();
    const files = ['fika.sqlite', 'fika.sqlite-wal', 'fika.sqlite-shm', 'fika.journal', 'notes.txt'];
    for (const file of files) fs.writeFileSync(path.join(dir, file), 'x');
    fs.mkdirSync(path.join(dir, 'uploads', 'tmp'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'uploads', 'image-1'), 'x');
    wipeDemoData(dir);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
    removeDir(dir);
  });
});
