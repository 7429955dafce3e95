import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRoomName, type Room } from '../../src/lib/model/rooms';
import { OrgError, type Group, type Org, type Space, type User } from '../../sync-server/src/org';
import { buildGroup, buildSpace, buildUser, createTestOrg, type TestOrg } from '../factories';

const room = (name: string): Room => {
  const parsed = parseRoomName(name);
  if (!parsed) throw new Error(`bad room name ${name}`);
  return parsed;
};

describe('Org access', () => {
  let t: TestOrg;
  let org: Org;
  let logistics: Group;
  let goteborg: Group;
  let admin: User;
  let editor: User;
  let sara: User; // staff, logistics
  let lina: User; // staff, göteborg
  let gone: User; // inactive, logistics
  let everyone: Space;
  let warehouse: Space;

  beforeEach(() => {
    t = createTestOrg();
    org = t.org;
    logistics = buildGroup(org, { id: 'logistics', kind: 'department', name: 'Logistics' });
    goteborg = buildGroup(org, { id: 'goteborg', kind: 'location', name: 'Göteborg' });
    admin = buildUser(org, { id: 'admin', role: 'admin' });
    editor = buildUser(org, { id: 'editor', role: 'editor' });
    sara = buildUser(org, { id: 'sara' });
    lina = buildUser(org, { id: 'lina' });
    gone = buildUser(org, { id: 'gone' });
    org.addMember(logistics.id, sara.id);
    org.addMember(goteborg.id, lina.id);
    org.addMember(logistics.id, gone.id);
    gone = org.updateUser(gone.id, { active: false });
    everyone = buildSpace(org, {
      id: 'all-staff',
      name: 'All staff',
      kind: 'news',
      postingPolicy: 'editors'
    });
    warehouse = buildSpace(org, {
      id: 'warehouse',
      name: 'Warehouse',
      audience: 'groups',
      audienceGroupIds: [logistics.id]
    });
    buildSpace(org, {
      id: 'office',
      name: 'Office',
      audience: 'groups',
      audienceGroupIds: [goteborg.id]
    });
    org.createDocument({ id: 'policy', spaceId: everyone.id, ownerId: admin.id });
    org.createDocument({ id: 'packing', spaceId: warehouse.id, ownerId: sara.id });
  });

  afterEach(() => t.close());

  const access = (user: User, name: string) => org.roomAccess(user, room(name));

  it('lets every active person read the org room and nobody write it', () => {
    for (const user of [admin, editor, sara, lina]) expect(access(user, 'org')).toBe('read');
  });

  it('gives an inactive person nothing at all', () => {
    for (const name of ['org', 'user/gone', 'space/all-staff', 'space/warehouse', 'doc/packing']) {
      expect(access(gone, name)).toBeNull();
    }
    expect(org.readableRooms(gone)).toEqual([]);
    expect(org.spacesFor(gone)).toEqual([]);
  });

  it('keeps user rooms private to their person, admins included', () => {
    expect(access(sara, 'user/sara')).toBe('write');
    expect(access(lina, 'user/sara')).toBeNull();
    expect(access(admin, 'user/sara')).toBeNull();
  });

  it('opens a space and its month partitions exactly to its audience', () => {
    const matrix: [User, string, 'read' | 'write' | null][] = [
      [sara, 'space/all-staff', 'write'],
      [lina, 'space/all-staff/2026-11', 'write'],
      [sara, 'space/warehouse', 'write'],
      [sara, 'space/warehouse/2027-01', 'write'],
      [lina, 'space/warehouse', null],
      [lina, 'space/warehouse/2027-01', null],
      [lina, 'space/office/2026-12', 'write'],
      [sara, 'space/office', null],
      [sara, 'space/unknown', null],
      [sara, 'space/unknown/2026-11', null]
    ];
    for (const [user, name, expected] of matrix)
      expect([user.id, name, access(user, name)]).toEqual([user.id, name, expected]);
  });

  it('gives admins and editors no read access outside their audience', () => {
    expect(access(admin, 'space/warehouse')).toBeNull();
    expect(access(admin, 'space/warehouse/2026-11')).toBeNull();
    expect(access(admin, 'doc/packing')).toBeNull();
    expect(access(editor, 'space/office')).toBeNull();
    expect(access(editor, 'doc/packing')).toBeNull();
  });

  it('follows membership changes at once', () => {
    expect(access(lina, 'space/warehouse')).toBeNull();
    org.addMember(logistics.id, lina.id);
    expect(access(lina, 'space/warehouse')).toBe('write');
    org.removeMember(logistics.id, lina.id);
    expect(access(lina, 'space/warehouse')).toBeNull();
  });

  it('opens a targeted post room to target members who see the space and its author only', () => {
    // In the warehouse (audience: logistics), targeted at logistics, by an editor in logistics.
    org.addMember(logistics.id, editor.id);
    org.createTargetedPost({ id: 'p1', spaceId: 'warehouse', authorId: editor.id, groupIds: [logistics.id] });
    // In all-staff, targeted at Göteborg: Lina is in it, Sara is not; the admin is in neither.
    org.createTargetedPost({ id: 'p2', spaceId: 'all-staff', authorId: editor.id, groupIds: [goteborg.id] });
    const matrix: [User, string, 'write' | null][] = [
      [sara, 'post/warehouse/p1', 'write'],
      [lina, 'post/warehouse/p1', null],
      [editor, 'post/warehouse/p1', 'write'],
      [lina, 'post/all-staff/p2', 'write'],
      [sara, 'post/all-staff/p2', null],
      [admin, 'post/all-staff/p2', null],
      [editor, 'post/all-staff/p2', 'write'],
      [lina, 'post/warehouse/p2', null],
      [lina, 'post/all-staff/unknown', null],
      [gone, 'post/warehouse/p1', null]
    ];
    for (const [user, name, expected] of matrix)
      expect([user.id, name, access(user, name)]).toEqual([user.id, name, expected]);
    const posts = (user: User) => org.readableRooms(user).filter((r) => r.kind === 'post');
    expect(posts(lina)).toEqual([
      { room: 'post/all-staff/p2', access: 'write', kind: 'post', spaceId: 'all-staff', postId: 'p2' }
    ]);
    expect(posts(admin)).toEqual([]);
    expect(posts(editor).map((r) => r.room)).toEqual(['post/all-staff/p2', 'post/warehouse/p1']);

    // The author loses the room with the space; a member with the target group or the space.
    org.removeMember(logistics.id, editor.id);
    expect(access(editor, 'post/warehouse/p1')).toBeNull();
    org.updateSpace('all-staff', { audience: 'groups', audienceGroupIds: [logistics.id] });
    expect(access(lina, 'post/all-staff/p2')).toBeNull();
    org.updateSpace('all-staff', { audience: 'everyone' });
    expect(access(lina, 'post/all-staff/p2')).toBe('write');
    org.deleteGroup(goteborg.id);
    expect(access(lina, 'post/all-staff/p2')).toBeNull();
    expect(org.getTargetedPost('all-staff', 'p2')?.targetGroupIds).toEqual([]);
  });

  it('closes a groups space whose last group is deleted (fails closed)', () => {
    org.deleteGroup(goteborg.id);
    expect(access(lina, 'space/office')).toBeNull();
    expect(org.getSpace('office')?.audienceGroupIds).toEqual([]);
  });

  it('decides documents by audience, then role, ownership or editorship', () => {
    expect(access(sara, 'doc/policy')).toBe('read');
    expect(access(editor, 'doc/policy')).toBe('write');
    expect(access(admin, 'doc/policy')).toBe('write');
    expect(access(sara, 'doc/packing')).toBe('write'); // owner
    const oskar = buildUser(org, { id: 'oskar' });
    org.addMember(logistics.id, oskar.id);
    expect(access(oskar, 'doc/packing')).toBe('read');
    org.addDocumentEditor('packing', oskar.id);
    expect(access(oskar, 'doc/packing')).toBe('write');
    // An editor listed on a document still needs to be in the space's audience.
    org.addDocumentEditor('packing', lina.id);
    expect(access(lina, 'doc/packing')).toBeNull();
    // The owner leaving the audience loses the document too.
    org.removeMember(logistics.id, sara.id);
    expect(access(sara, 'doc/packing')).toBeNull();
    expect(access(sara, 'doc/unknown')).toBeNull();
  });

  it('lists readable rooms consistent with roomAccess', () => {
    const rooms = org.readableRooms(sara);
    expect(rooms.map((r) => [r.room, r.access])).toEqual([
      ['org', 'read'],
      ['user/sara', 'write'],
      ['space/all-staff', 'write'],
      ['space/warehouse', 'write'],
      ['doc/policy', 'read'],
      ['doc/packing', 'write']
    ]);
    for (const user of [admin, editor, sara, lina]) {
      for (const entry of org.readableRooms(user)) expect(access(user, entry.room)).toBe(entry.access);
    }
    expect(org.readableRooms(admin).map((r) => r.room)).not.toContain('space/warehouse');
  });

  it('lists only everyone-spaces in the public directory, deterministically', () => {
    const directory = org.directory();
    expect(directory.spaces.map((s) => s.id)).toEqual(['all-staff']);
    expect(directory.people.map((p) => p.id)).toEqual(
      ['admin', 'editor', 'gone', 'lina', 'sara'].sort((a, b) => {
        const name = (id: string) => directory.people.find((p) => p.id === id)!.name;
        return name(a).localeCompare(name(b));
      })
    );
    expect(directory.people.find((p) => p.id === 'sara')).toMatchObject({
      groupIds: ['logistics'],
      active: true
    });
    expect(directory.people.find((p) => p.id === 'gone')?.active).toBe(false);
    expect(directory.groups.map((g) => g.id)).toEqual(['logistics', 'goteborg']);
    expect(org.directory()).toEqual(directory);
    expect(JSON.stringify(directory)).not.toContain('scrypt');
  });

  it('lists group-targeted spaces to their audience only', () => {
    expect(org.spacesFor(sara).map((s) => s.id)).toEqual(['all-staff', 'warehouse']);
    expect(org.spacesFor(lina).map((s) => s.id)).toEqual(['all-staff', 'office']);
    expect(org.spacesFor(admin).map((s) => s.id)).toEqual(['all-staff']);
    expect(org.listSpaces()).toHaveLength(3);
  });
});

describe('Org changes', () => {
  let t: TestOrg;
  beforeEach(() => {
    t = createTestOrg();
  });
  afterEach(() => t.close());

  const count = (event: 'org-changed' | 'sessions-changed') => {
    const seen = { n: 0 };
    t.events.on(event, () => seen.n++);
    return seen;
  };

  it('emits org-changed for directory changes and sessions-changed for role or deactivation', () => {
    const orgChanged = count('org-changed');
    const sessionsChanged = count('sessions-changed');
    const user = buildUser(t.org);
    const group = buildGroup(t.org);
    t.org.addMember(group.id, user.id);
    expect(orgChanged.n).toBe(3);
    expect(sessionsChanged.n).toBe(0);
    t.org.updateUser(user.id, { title: 'Chef' });
    expect(sessionsChanged.n).toBe(0);
    t.org.updateUser(user.id, { role: 'editor' });
    t.org.updateUser(user.id, { active: false });
    expect(sessionsChanged.n).toBe(2);
    expect(orgChanged.n).toBe(6);
  });

  it('emits once per transaction, after the commit', () => {
    const orgChanged = count('org-changed');
    t.org.transaction(() => {
      buildUser(t.org);
      buildGroup(t.org);
      expect(orgChanged.n).toBe(0);
    });
    expect(orgChanged.n).toBe(1);
    expect(() =>
      t.org.transaction(() => {
        buildGroup(t.org);
        throw new Error('rolled back');
      })
    ).toThrow('rolled back');
    expect(orgChanged.n).toBe(1);
    expect(t.org.listGroups()).toHaveLength(1);
  });

  it('keeps at least one active admin', () => {
    const admin = buildUser(t.org, { role: 'admin' });
    expect(() => t.org.updateUser(admin.id, { active: false })).toThrow(OrgError);
    expect(() => t.org.updateUser(admin.id, { role: 'staff' })).toThrow(/last active admin/);
    const other = buildUser(t.org, { role: 'admin' });
    expect(t.org.updateUser(admin.id, { role: 'staff' }).role).toBe('staff');
    expect(() => t.org.updateUser(other.id, { active: false })).toThrow(OrgError);
  });

  it('refuses duplicate emails case-insensitively, bad ids and bad audiences', () => {
    buildUser(t.org, { email: 'Sara@Example.com' });
    expect(() => buildUser(t.org, { email: 'sara@example.COM' })).toThrow(
      expect.objectContaining({ reason: 'email-taken' })
    );
    expect(t.org.findCredentials(' SARA@example.com ')?.user.email).toBe('sara@example.com');
    expect(() => buildUser(t.org, { id: 'no/slash' })).toThrow(
      expect.objectContaining({ reason: 'invalid' })
    );
    expect(() => buildSpace(t.org, { audience: 'groups', audienceGroupIds: [] })).toThrow(
      expect.objectContaining({ reason: 'invalid-audience' })
    );
    expect(() => buildSpace(t.org, { audience: 'groups', audienceGroupIds: ['nope'] })).toThrow(
      expect.objectContaining({ reason: 'invalid-audience' })
    );
  });

  it('updates spaces: switching to everyone drops the groups; groups needs a group', () => {
    const group = buildGroup(t.org);
    const space = buildSpace(t.org, { audience: 'groups', audienceGroupIds: [group.id] });
    expect(t.org.updateSpace(space.id, { audience: 'everyone' })).toMatchObject({ audienceGroupIds: [] });
    expect(() => t.org.updateSpace(space.id, { audience: 'groups' })).toThrow(
      expect.objectContaining({ reason: 'invalid-audience' })
    );
    expect(
      t.org.updateSpace(space.id, { audience: 'groups', audienceGroupIds: [group.id], kioskVisible: true })
    ).toMatchObject({ audience: 'groups', audienceGroupIds: [group.id], kioskVisible: true });
  });

  it('sets up once, atomically', () => {
    const admin = t.org.setUp({
      organisation: 'Acme',
      name: 'Ada',
      email: 'ada@acme.example',
      passwordHash: 'x'
    });
    expect(admin.role).toBe('admin');
    expect(t.org.getSetting('org.name')).toBe('Acme');
    expect(() =>
      t.org.setUp({ organisation: 'Evil', name: 'Eve', email: 'eve@acme.example', passwordHash: 'x' })
    ).toThrow(expect.objectContaining({ reason: 'already-set-up' }));
    expect(t.org.getSetting('org.name')).toBe('Acme');
  });
});
