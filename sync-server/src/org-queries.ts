/**
 * The SQL behind Org: the row shapes it reads and every prepared statement, prepared once per
 * database. The rule of who sees a space is one SQL condition used by every query that needs it.
 */
import type { Db } from './db';
import type { Audience, Group, PostingPolicy, Role, SpaceKind, User } from './org-types';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  title: string;
  role: Role;
  active: number;
}

export interface SpaceRow {
  id: string;
  name: string;
  description: string;
  kind: SpaceKind;
  audience: Audience;
  posting_policy: PostingPolicy;
  kiosk_visible: number;
}

const USER_COLUMNS = 'u.id, u.email, u.name, u.title, u.role, u.active';
const SPACE_COLUMNS = 's.id, s.name, s.description, s.kind, s.audience, s.posting_policy, s.kiosk_visible';

/**
 * SQL condition: space `s` is visible to the person whose id is the SQL expression `person`
 * (a parameter such as `@userId`, or a column such as `u.id`). One definition for every query.
 */
const visibleTo = (person: string) => `(s.audience = 'everyone' OR EXISTS (
  SELECT 1 FROM space_audience sa JOIN memberships m ON m.group_id = sa.group_id
  WHERE sa.space_id = s.id AND m.user_id = ${person}))`;

const VISIBLE_TO_USER = visibleTo('@userId');

/**
 * SQL condition: targeted post `tp` (whose space is `s`) reaches the person `person`: they see
 * the space and either wrote the post or belong to one of its target groups.
 */
const TARGETED_TO = (person: string) => `(${visibleTo(person)} AND (tp.author_id = ${person} OR EXISTS (
  SELECT 1 FROM targeted_post_groups tg JOIN memberships m ON m.group_id = tg.group_id
  WHERE tg.post_id = tp.id AND m.user_id = ${person})))`;

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  title: row.title,
  role: row.role,
  active: row.active === 1
});

export type OrgStatements = ReturnType<typeof prepareOrgStatements>;

export function prepareOrgStatements(db: Db) {
  return {
    userCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users'),
    userById: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`),
    userByEmail: db.prepare<[string], UserRow & { password_hash: string }>(
      `SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = ?`
    ),
    users: db.prepare<[], UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u ORDER BY u.name COLLATE NOCASE, u.id`
    ),
    activeAdminsExcept: db.prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1 AND id <> ?`
    ),
    insertUser: db.prepare(
      `INSERT INTO users (id, email, name, title, role, password_hash, active, created_at, updated_at)
       VALUES (@id, @email, @name, @title, @role, @passwordHash, @active, @now, @now)`
    ),
    groupById: db.prepare<[string], Group>('SELECT id, kind, name FROM groups WHERE id = ?'),
    groupByName: db.prepare<[string, string], { id: string }>(
      'SELECT id FROM groups WHERE kind = ? AND name = ?'
    ),
    groups: db.prepare<[], Group>('SELECT id, kind, name FROM groups ORDER BY kind, name COLLATE NOCASE, id'),
    groupsOf: db.prepare<[string], Group>(
      `SELECT g.id, g.kind, g.name FROM groups g JOIN memberships m ON m.group_id = g.id
       WHERE m.user_id = ? ORDER BY g.kind, g.name COLLATE NOCASE, g.id`
    ),
    memberships: db.prepare<[], { group_id: string; user_id: string }>(
      'SELECT group_id, user_id FROM memberships ORDER BY user_id, group_id'
    ),
    spaceById: db.prepare<[string], SpaceRow>(`SELECT ${SPACE_COLUMNS} FROM spaces s WHERE s.id = ?`),
    spaces: db.prepare<[], SpaceRow>(
      `SELECT ${SPACE_COLUMNS} FROM spaces s ORDER BY s.name COLLATE NOCASE, s.id`
    ),
    spacesFor: db.prepare<{ userId: string }, SpaceRow>(
      `SELECT ${SPACE_COLUMNS} FROM spaces s WHERE ${VISIBLE_TO_USER} ORDER BY s.name COLLATE NOCASE, s.id`
    ),
    audienceOf: db.prepare<[string], { group_id: string }>(
      'SELECT group_id FROM space_audience WHERE space_id = ? ORDER BY group_id'
    ),
    audiences: db.prepare<[], { space_id: string; group_id: string }>(
      'SELECT space_id, group_id FROM space_audience ORDER BY space_id, group_id'
    ),
    spaceVisible: db.prepare<{ spaceId: string; userId: string }, { visible: number }>(
      `SELECT ${VISIBLE_TO_USER} AS visible FROM spaces s WHERE s.id = @spaceId`
    ),
    docById: db.prepare<[string], { id: string; space_id: string; owner_id: string }>(
      'SELECT id, space_id, owner_id FROM documents WHERE id = ?'
    ),
    docEditors: db.prepare<[string], { user_id: string }>(
      'SELECT user_id FROM document_editors WHERE document_id = ? ORDER BY user_id'
    ),
    isDocEditor: db.prepare<[string, string], { n: number }>(
      'SELECT COUNT(*) AS n FROM document_editors WHERE document_id = ? AND user_id = ?'
    ),
    docsFor: db.prepare<
      { userId: string },
      { id: string; space_id: string; owner_id: string; editor: number }
    >(
      `SELECT d.id, d.space_id, d.owner_id, EXISTS (
         SELECT 1 FROM document_editors de WHERE de.document_id = d.id AND de.user_id = @userId
       ) AS editor
       FROM documents d JOIN spaces s ON s.id = d.space_id
       WHERE ${VISIBLE_TO_USER} ORDER BY d.space_id, d.id`
    ),
    targetedPostById: db.prepare<
      [string],
      { id: string; space_id: string; author_id: string; created_at: number }
    >('SELECT id, space_id, author_id, created_at FROM targeted_posts WHERE id = ?'),
    targetedPostGroups: db.prepare<[string], { group_id: string }>(
      'SELECT group_id FROM targeted_post_groups WHERE post_id = ? ORDER BY group_id'
    ),
    targetedPostVisible: db.prepare<{ postId: string; spaceId: string; userId: string }, { id: string }>(
      `SELECT tp.id FROM targeted_posts tp JOIN spaces s ON s.id = tp.space_id
       WHERE tp.id = @postId AND tp.space_id = @spaceId AND ${TARGETED_TO('@userId')}`
    ),
    targetedPostsFor: db.prepare<{ userId: string }, { id: string; space_id: string }>(
      `SELECT tp.id, tp.space_id FROM targeted_posts tp JOIN spaces s ON s.id = tp.space_id
       WHERE ${TARGETED_TO('@userId')} ORDER BY tp.space_id, tp.created_at, tp.id`
    ),
    targetedPostAudience: db.prepare<{ postId: string }, { id: string }>(
      `SELECT u.id FROM users u, targeted_posts tp JOIN spaces s ON s.id = tp.space_id
       WHERE tp.id = @postId AND u.active = 1 AND ${visibleTo('u.id')} AND EXISTS (
         SELECT 1 FROM targeted_post_groups tg JOIN memberships m ON m.group_id = tg.group_id
         WHERE tg.post_id = tp.id AND m.user_id = u.id)
       ORDER BY u.id`
    ),
    spaceAudience: db.prepare<{ spaceId: string }, { id: string }>(
      `SELECT u.id FROM users u, spaces s
       WHERE s.id = @spaceId AND u.active = 1 AND ${visibleTo('u.id')} ORDER BY u.id`
    ),
    skills: db.prepare<[], { user_id: string; skill: string }>(
      'SELECT user_id, skill FROM user_skills ORDER BY user_id, position'
    ),
    skillsOf: db.prepare<[string], { skill: string }>(
      'SELECT skill FROM user_skills WHERE user_id = ? ORDER BY position'
    ),
    abouts: db.prepare<[], { id: string; about: string }>("SELECT id, about FROM users WHERE about <> ''"),
    aboutOf: db.prepare<[string], { about: string }>('SELECT about FROM users WHERE id = ?'),
    setAbout: db.prepare<[string, number, string]>('UPDATE users SET about = ?, updated_at = ? WHERE id = ?'),
    deleteSkills: db.prepare<[string]>('DELETE FROM user_skills WHERE user_id = ?'),
    insertSkill: db.prepare<[string, number, string]>(
      'INSERT INTO user_skills (user_id, position, skill) VALUES (?, ?, ?)'
    ),
    getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?'),
    setSetting: db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'
    )
  };
}
