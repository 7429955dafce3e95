import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseRoomName } from '../../src/lib/model/rooms';
import { editPost, posts } from '../../src/lib/model/space-room';
import { body, readMeta } from '../../src/lib/model/doc-room';
import {
  needsConfirmation,
  readVersions,
  requiredVersion,
  versionDoc
} from '../../src/lib/model/doc-versions';
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
    // Profiles list skills in both languages, so a search for a skill finds its people.
    const withSkill = (skill: string) =>
      org
        .directory()
        .people.filter((p) => p.skills?.some((s) => s.toLowerCase().includes(skill)))
        .map((p) => p.id);
    expect(withSkill('forklift certification')).toEqual(['maria', 'oskar', 'sara']);
    expect(withSkill('truckkort')).toEqual(['oskar', 'sara']);
    expect(withSkill('network')).toEqual(['elin', 'johan']);
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

  it('seeds guidelines in All staff with rich-text bodies, one draft and one overdue for review', async () => {
    await seedDemo(t.org, { passwordHash: await hashPassword(DEMO_PASSWORD, FAST_SCRYPT) });
    const now = Date.UTC(2026, 10, 20, 12);
    seedDemoContent({ db: t.db, org: t.org }, now);
    const load = (id: string) => {
      const doc = new Y.Doc({ gc: false });
      for (const update of new SqliteUpdateStore(t.db).load(`doc/${id}`).updates) Y.applyUpdate(doc, update);
      return doc;
    };
    const guidelines = ['vacation-policy', 'forklift-safety', 'it-security'];
    for (const id of guidelines) expect(t.org.getDocument(id)?.spaceId).toBe('all-staff');
    expect(guidelines.map((id) => t.org.getDocument(id)?.ownerId)).toEqual(['astrid', 'erik', 'erik']);
    expect(t.org.getDocument('forklift-safety')?.editorIds).toEqual(['sara']);
    const can = (person: string, room: string) =>
      t.org.roomAccess(t.org.getUser(person)!, parseRoomName(room)!);
    expect(can('sara', 'doc/forklift-safety')).toBe('write');
    expect(can('oskar', 'doc/forklift-safety')).toBe('read');

    const metas = guidelines.map((id) => readMeta(load(id)));
    expect(metas.map((m) => m.status)).toEqual(['published', 'draft', 'published']);
    expect(metas[0]!.reviewDate! > '2026-11-20').toBe(true);
    expect(metas[2]!.reviewDate! < '2026-11-20').toBe(true);
    expect(metas[1]).toMatchObject({
      title: 'Trucksäkerhet – rutiner',
      folder: 'Lager/Säkerhet',
      updatedBy: 'erik'
    });
    expect(readMeta(load('travel-policy')).title).toBe('Resepolicy');

    // Stored as the editor's ProseMirror nodes, marks as text formatting.
    const vacation = body(load('vacation-policy'));
    const first = vacation.get(0) as Y.XmlElement;
    expect(first.nodeName).toBe('heading');
    expect(first.getAttribute('level')).toBe(1);
    expect(vacation.toArray().map((node) => (node as Y.XmlElement).nodeName)).toEqual([
      'heading',
      'paragraph',
      'heading',
      'bulletList',
      'heading',
      'paragraph',
      'heading',
      'orderedList',
      'blockquote'
    ]);
    expect(((vacation.get(3) as Y.XmlElement).get(0) as Y.XmlElement).nodeName).toBe('listItem');
    // (toString writes node names in lower case.)
    const xml = vacation.toString();
    expect(xml).toContain('<paragraph>Alla anställda har rätt till <bold>25 semesterdagar</bold>');
    expect(xml).toContain('<bulletlist><listitem><paragraph>Du har rätt till');
    expect(xml).toContain('<blockquote><paragraph><italic>In English: </italic>');
    const delta = ((vacation.get(1) as Y.XmlElement).get(0) as Y.XmlText).toDelta();
    expect(delta[1]).toEqual({ insert: '25 semesterdagar', attributes: { bold: {} } });
    for (const id of guidelines) expect(body(load(id)).toString().length).toBeGreaterThan(500);

    // Two named versions of the vacation policy; everyone is asked to confirm the second.
    const history = load('vacation-policy');
    const versions = readVersions(history);
    expect(versions.map((v) => [v.name, v.requiresConfirmation])).toEqual([
      ['2025', false],
      ['2026', true]
    ]);
    expect(body(versionDoc(history, versions[0]!)).toString()).not.toContain('Spara dagar');
    expect(body(versionDoc(history, versions[1]!)).toString()).toBe(vacation.toString());
    expect(requiredVersion(history)?.id).toBe(versions[1]!.id);
    expect(needsConfirmation(history, 'sara')).toBeNull();
    expect(needsConfirmation(history, 'maria')?.name).toBe('2026');
    expect(needsConfirmation(history, 'johan')?.name).toBe('2026');
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
