/**
 * The organisation, server-authoritative in SQLite: people, groups, memberships and settings
 * here, on top of targeted posts (org-posts.ts), spaces and documents (org-spaces.ts) and the
 * shared base (org-base.ts). Who may read or write each room is decided in access.ts from
 * the same tables; the SQL is in org-queries.ts.
 *
 * Every mutation that can change the directory or anyone's access emits `org-changed` (after
 * its transaction commits); deactivating someone or changing a role also emits
 * `sessions-changed`, so open connections are re-checked at once.
 */
import type { Access, Room } from '../../src/lib/model/rooms';
import {
  GROUP_KINDS,
  OrgError,
  ROLES,
  SkillLimits,
  TextLimits,
  newId,
  normaliseSkills,
  type Directory,
  type Group,
  type NewGroup,
  type SkillsProblem,
  type NewUser,
  type ReadableRoom,
  type User,
  type UserPatch
} from './org-types';
import { checkId, normaliseEmail, oneOf, text } from './org-types';
import { readableRooms, roomAccess } from './access';
import { toUser } from './org-queries';
import { OrgPosts } from './org-posts';

export * from './org-types';
export { toUser } from './org-queries';
export type { NewTargetedPost, TargetedPost } from './org-posts';

export class Org extends OrgPosts {
  // ---- people ----

  userCount(): number {
    return this.stmts.userCount.get()!.n;
  }

  createUser(input: NewUser): User {
    return this.transaction(() => {
      const id = checkId(input.id ?? newId());
      const email = normaliseEmail(input.email);
      if (this.stmts.userByEmail.get(email)) {
        throw new OrgError('email-taken', 'Someone already uses that email address.');
      }
      if (this.stmts.userById.get(id)) throw new OrgError('id-taken', 'That id is already used.');
      this.stmts.insertUser.run({
        id,
        email,
        name: text(input.name, 'name', TextLimits.name, true),
        title: text(input.title ?? '', 'title', TextLimits.title, false),
        role: oneOf(input.role, ROLES, 'role'),
        passwordHash: input.passwordHash,
        active: input.active === false ? 0 : 1,
        now: Date.now()
      });
      this.changed('org-changed');
      return this.getUser(id)!;
    });
  }

  /**
   * Creates the first person (an admin) and names the organisation, only while nobody exists.
   * The check and the insert share one immediate transaction, so two racing set-ups cannot
   * both succeed.
   */
  setUp(input: { organisation: string; name: string; email: string; passwordHash: string }): User {
    return this.transaction(() => {
      if (this.userCount() > 0) throw new OrgError('already-set-up', 'Fika is already set up.');
      this.setSetting('org.name', text(input.organisation, 'organisation name', TextLimits.name, true));
      return this.createUser({
        name: input.name,
        email: input.email,
        role: 'admin',
        passwordHash: input.passwordHash
      });
    });
  }

  getUser(id: string): User | null {
    const row = this.stmts.userById.get(id);
    return row ? toUser(row) : null;
  }

  findUserByEmail(email: string): User | null {
    return this.findCredentials(email)?.user ?? null;
  }

  /** The person with this email and their stored password hash (for sign-in only). */
  findCredentials(email: string): { user: User; passwordHash: string } | null {
    const row = this.stmts.userByEmail.get(email.trim().toLowerCase());
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  listUsers(): User[] {
    return this.stmts.users.all().map(toUser);
  }

  /**
   * Changes a person. Refuses (`last-admin`) a change that would leave no active admin, so the
   * organisation can always be managed.
   */
  updateUser(id: string, patch: UserPatch): User {
    return this.transaction(() => {
      const user = this.getUser(id);
      if (!user) throw new OrgError('not-found', 'No such person.');
      const next: User = {
        ...user,
        name: patch.name === undefined ? user.name : text(patch.name, 'name', TextLimits.name, true),
        title: patch.title === undefined ? user.title : text(patch.title, 'title', TextLimits.title, false),
        role: patch.role === undefined ? user.role : oneOf(patch.role, ROLES, 'role'),
        active: patch.active ?? user.active
      };
      const losesAdmin = user.role === 'admin' && user.active && (next.role !== 'admin' || !next.active);
      if (losesAdmin && this.stmts.activeAdminsExcept.get(id)!.n === 0) {
        throw new OrgError(
          'last-admin',
          'The last active admin cannot be deactivated or given another role.'
        );
      }
      this.db
        .prepare(
          `UPDATE users SET name = @name, title = @title, role = @role, active = @active,
             password_hash = COALESCE(@passwordHash, password_hash), updated_at = @now WHERE id = @id`
        )
        .run({
          id,
          name: next.name,
          title: next.title,
          role: next.role,
          active: next.active ? 1 : 0,
          passwordHash: patch.passwordHash ?? null,
          now: Date.now()
        });
      if (
        next.name !== user.name ||
        next.title !== user.title ||
        next.role !== user.role ||
        next.active !== user.active
      ) {
        this.changed('org-changed');
      }
      if (next.role !== user.role || next.active !== user.active) this.changed('sessions-changed');
      return next;
    });
  }

  // ---- skills ----

  /** A person's skills, in their order. */
  skillsOf(userId: string): string[] {
    return this.stmts.skillsOf.all(userId).map((row) => row.skill);
  }

  /**
   * Replaces a person's skills with `skills`, normalised (trimmed, case-insensitive repeats
   * dropped); a blank or over-long skill or too many of them is refused whole. Returns what is
   * stored. Who may set whose skills is the API's decision.
   */
  setSkills(userId: string, skills: readonly string[]): string[] {
    const result = normaliseSkills(skills);
    if ('problem' in result) throw new OrgError('invalid', skillsMessage(result.problem));
    return this.transaction(() => {
      if (!this.stmts.userById.get(userId)) throw new OrgError('not-found', 'No such person.');
      const before = this.skillsOf(userId);
      if (JSON.stringify(before) === JSON.stringify(result.skills)) return before;
      this.stmts.deleteSkills.run(userId);
      result.skills.forEach((skill, position) => this.stmts.insertSkill.run(userId, position, skill));
      this.changed('org-changed');
      return result.skills;
    });
  }

  /** A person's line about themselves ('' when none, null for no such person). */
  aboutOf(userId: string): string | null {
    return this.stmts.aboutOf.get(userId)?.about ?? null;
  }

  /** Sets a person's line about themselves: one line (line breaks become spaces), trimmed. */
  setAbout(userId: string, about: string): string {
    const line = text(about.replace(/\s+/g, ' '), 'line about you', TextLimits.about, false);
    return this.transaction(() => {
      const before = this.aboutOf(userId);
      if (before === null) throw new OrgError('not-found', 'No such person.');
      if (before !== line) {
        this.stmts.setAbout.run(line, Date.now(), userId);
        this.changed('org-changed');
      }
      return line;
    });
  }

  // ---- groups ----

  createGroup(input: NewGroup): Group {
    return this.transaction(() => {
      const group: Group = {
        id: checkId(input.id ?? newId()),
        kind: oneOf(input.kind, GROUP_KINDS, 'group kind'),
        name: text(input.name, 'group name', TextLimits.groupName, true)
      };
      if (this.stmts.groupByName.get(group.kind, group.name)) {
        throw new OrgError('group-exists', `There is already a ${group.kind} called "${group.name}".`);
      }
      if (this.stmts.groupById.get(group.id)) throw new OrgError('id-taken', 'That id is already used.');
      this.db
        .prepare('INSERT INTO groups (id, kind, name, created_at) VALUES (?, ?, ?, ?)')
        .run(group.id, group.kind, group.name, Date.now());
      this.changed('org-changed');
      return group;
    });
  }

  getGroup(id: string): Group | null {
    return this.stmts.groupById.get(id) ?? null;
  }

  listGroups(): Group[] {
    return this.stmts.groups.all();
  }

  /**
   * Deletes a group with its memberships and its place in spaces' audiences. A space left
   * with audience 'groups' and no group is visible to nobody (fails closed) until an admin
   * gives it an audience again.
   */
  deleteGroup(id: string): boolean {
    return this.transaction(() => {
      const { changes } = this.db.prepare('DELETE FROM groups WHERE id = ?').run(id);
      if (changes > 0) this.changed('org-changed');
      return changes > 0;
    });
  }

  addMember(groupId: string, userId: string): void {
    this.transaction(() => {
      this.requireGroupAndUser(groupId, userId);
      const { changes } = this.db
        .prepare('INSERT OR IGNORE INTO memberships (group_id, user_id) VALUES (?, ?)')
        .run(groupId, userId);
      if (changes > 0) this.changed('org-changed');
    });
  }

  removeMember(groupId: string, userId: string): void {
    this.transaction(() => {
      this.requireGroupAndUser(groupId, userId);
      const { changes } = this.db
        .prepare('DELETE FROM memberships WHERE group_id = ? AND user_id = ?')
        .run(groupId, userId);
      if (changes > 0) this.changed('org-changed');
    });
  }

  private requireGroupAndUser(groupId: string, userId: string): void {
    if (!this.stmts.groupById.get(groupId)) throw new OrgError('not-found', 'No such group.');
    if (!this.stmts.userById.get(userId)) throw new OrgError('not-found', 'No such person.');
  }

  groupsOf(userId: string): Group[] {
    return this.stmts.groupsOf.all(userId);
  }

  // ---- access ----

  /** See access.ts: who may read or write a room, decided from the server's tables only. */
  roomAccess(user: User, room: Room): Access | null {
    return roomAccess(this.stmts, user, room);
  }

  readableRooms(user: User): ReadableRoom[] {
    return readableRooms(this.stmts, user);
  }

  /** The public directory materialised into the `org` room. Deterministically ordered. */
  directory(): Directory {
    const groupIds = new Map<string, string[]>();
    for (const { group_id, user_id } of this.stmts.memberships.all()) {
      const list = groupIds.get(user_id) ?? [];
      list.push(group_id);
      groupIds.set(user_id, list);
    }
    const skills = new Map<string, string[]>();
    for (const { user_id, skill } of this.stmts.skills.all()) {
      const list = skills.get(user_id) ?? [];
      list.push(skill);
      skills.set(user_id, list);
    }
    const abouts = new Map(this.stmts.abouts.all().map((row) => [row.id, row.about]));
    return {
      people: this.listUsers().map((u) => ({
        id: u.id,
        name: u.name,
        title: u.title,
        email: u.email,
        role: u.role,
        active: u.active,
        groupIds: groupIds.get(u.id) ?? [],
        skills: skills.get(u.id) ?? [],
        about: abouts.get(u.id) ?? ''
      })),
      groups: this.listGroups(),
      spaces: this.listSpaces().filter((s) => s.audience === 'everyone')
    };
  }

  // ---- settings ----

  getSetting(key: string): string | null {
    return this.stmts.getSetting.get(key)?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    if (value.length > TextLimits.settingValue) throw new OrgError('invalid', 'The setting is too long.');
    this.stmts.setSetting.run(key, value);
    this.changed('org-changed');
  }

  organisationName(): string {
    return this.getSetting('org.name') ?? 'Fika';
  }
}

/** The API's sentence for a refused list of skills. */
function skillsMessage(problem: SkillsProblem): string {
  switch (problem.reason) {
    case 'empty':
      return `Skill number ${problem.index + 1} is empty.`;
    case 'too-long':
      return `The skill "${problem.skill.slice(0, 20)}…" is longer than ${SkillLimits.length} characters.`;
    case 'too-many':
      return `At most ${SkillLimits.count} skills, not ${problem.count}.`;
  }
}
