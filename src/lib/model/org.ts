/**
 * The organisation as the app and the server both see it: people, groups, spaces, documents,
 * the public directory and the rooms a person may open. The server keeps these in SQLite and
 * is the only one to change them; the app reads them from `/api/me` and the `org` room.
 */
import type { Access } from './rooms';

export type Role = 'admin' | 'editor' | 'staff';
export type GroupKind = 'department' | 'location' | 'team';
export type SpaceKind = 'news' | 'community' | 'project';
export type Audience = 'everyone' | 'groups';
export type PostingPolicy = 'members' | 'editors';

export const ROLES: readonly Role[] = ['admin', 'editor', 'staff'];
export const GROUP_KINDS: readonly GroupKind[] = ['department', 'location', 'team'];
export const SPACE_KINDS: readonly SpaceKind[] = ['news', 'community', 'project'];
export const AUDIENCES: readonly Audience[] = ['everyone', 'groups'];
export const POSTING_POLICIES: readonly PostingPolicy[] = ['members', 'editors'];

/** Password length rules for new passwords (set-up, new accounts, changes), shared with the app's forms. */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** Lengths enforced here and by the API's schemas. */
export const TextLimits = {
  email: 254,
  name: 120,
  title: 120,
  groupName: 120,
  spaceName: 120,
  spaceDescription: 2000,
  settingValue: 4000,
  /** A profile's line about oneself. */
  about: 160
} as const;

export interface User {
  id: string;
  email: string;
  name: string;
  title: string;
  role: Role;
  active: boolean;
}

export interface Group {
  id: string;
  kind: GroupKind;
  name: string;
}

export interface Space {
  id: string;
  name: string;
  description: string;
  kind: SpaceKind;
  audience: Audience;
  /** Empty when the audience is everyone. */
  audienceGroupIds: string[];
  postingPolicy: PostingPolicy;
  kioskVisible: boolean;
}

export interface DocumentInfo {
  id: string;
  spaceId: string;
  ownerId: string;
  editorIds: string[];
}

/** A person as listed in the public `org` room. */
export interface PublicPerson {
  id: string;
  name: string;
  title: string;
  email: string;
  role: Role;
  active: boolean;
  groupIds: string[];
  /**
   * What they know, as they (or an admin) listed it, in their order; see `normaliseSkills`.
   * The server always writes it; a row stored by an app before skills existed lacks it.
   */
  skills?: string[];
  /** One line about themselves ("Ask me about…"), empty when they wrote none; absent like `skills`. */
  about?: string;
}

/** A profile's skills: at most `count` of them, each at most `length` characters once trimmed. */
export const SkillLimits = { count: 30, length: 60 } as const;

/** Why a list of skills was refused; the server and the app's editor word it each their own way. */
export type SkillsProblem =
  | { reason: 'empty'; index: number }
  | { reason: 'too-long'; skill: string }
  | { reason: 'too-many'; count: number };

/**
 * Control characters (other than tab and line breaks, which callers treat as white space) and
 * the characters that reorder text (bidirectional overrides and isolates): invisible, and in a
 * name or a skill only good for making one thing look like another, or for cutting off what
 * SQLite counts (a NUL). Joiners stay: emoji sequences need them.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const HIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** `value` without the hidden characters above. */
export function withoutHiddenCharacters(value: string): string {
  return value.replace(HIDDEN_CHARACTERS, '');
}

/**
 * A list of skills as stored: each without hidden characters, trimmed (inner runs of white
 * space made one space), the
 * repeats of an earlier skill dropped whatever their case, the first spelling and the order kept.
 * A blank or over-long skill, or more than `SkillLimits.count` after that, is a problem instead.
 */
export function normaliseSkills(input: readonly string[]): { skills: string[] } | { problem: SkillsProblem } {
  const skills: string[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of input.entries()) {
    const skill = withoutHiddenCharacters(raw).trim().replace(/\s+/g, ' ');
    if (skill === '') return { problem: { reason: 'empty', index } };
    if (skill.length > SkillLimits.length) return { problem: { reason: 'too-long', skill } };
    const key = skill.toLocaleLowerCase('sv');
    if (seen.has(key)) continue;
    seen.add(key);
    skills.push(skill);
  }
  if (skills.length > SkillLimits.count) return { problem: { reason: 'too-many', count: skills.length } };
  return { skills };
}

/** The public directory (the `org` room without the organisation's name). */
export interface Directory {
  people: PublicPerson[];
  groups: Group[];
  /** Only spaces whose audience is everyone; group-targeted spaces are listed to their audience via /api/me. */
  spaces: Space[];
}

/**
 * A room a person may open. Month partitions `space/<id>/<yyyy-mm>` are not listed: they
 * inherit the access of their space's entry `space/<id>`.
 */
export type ReadableRoom =
  | { room: string; access: Access; kind: 'org' }
  | { room: string; access: Access; kind: 'user'; userId: string }
  | { room: string; access: Access; kind: 'space'; spaceId: string }
  /** A targeted post's room `post/<spaceId>/<postId>`, listed to its audience only. */
  | { room: string; access: Access; kind: 'post'; spaceId: string; postId: string }
  /** A document's room; `ownerId` is who answers for it (kept by the server, not in the room). */
  | { room: string; access: Access; kind: 'doc'; docId: string; spaceId: string; ownerId: string };
