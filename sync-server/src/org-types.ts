/**
 * The organisation's types: people, groups, spaces, documents, the public directory and the
 * refusals Org raises. Split from org.ts so that API schemas and tests can name them without
 * the SQL.
 */
import crypto from 'node:crypto';
import type { Access } from '../../src/lib/model/rooms';

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

/** Lengths enforced here and by the API's schemas. */
export const TextLimits = {
  email: 254,
  name: 120,
  title: 120,
  groupName: 120,
  spaceName: 120,
  spaceDescription: 2000,
  settingValue: 4000
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
}

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
  | { room: string; access: Access; kind: 'doc'; docId: string; spaceId: string };

export interface NewUser {
  id?: string;
  email: string;
  name: string;
  title?: string;
  role: Role;
  passwordHash: string;
  active?: boolean;
}

export interface UserPatch {
  name?: string;
  title?: string;
  role?: Role;
  active?: boolean;
  passwordHash?: string;
}

export interface NewGroup {
  id?: string;
  kind: GroupKind;
  name: string;
}

export interface NewSpace {
  id?: string;
  name: string;
  description?: string;
  kind: SpaceKind;
  audience: Audience;
  audienceGroupIds?: string[];
  postingPolicy: PostingPolicy;
  kioskVisible?: boolean;
}

export type SpacePatch = Partial<Omit<Space, 'id'>>;

export interface NewDocument {
  id?: string;
  spaceId: string;
  ownerId: string;
}

export type OrgErrorReason =
  | 'invalid'
  | 'not-found'
  | 'email-taken'
  | 'id-taken'
  | 'group-exists'
  | 'invalid-audience'
  | 'last-admin'
  | 'already-set-up';

/** A refusal the API turns into a JSON error; `reason` is the machine-readable part. */
export class OrgError extends Error {
  constructor(
    readonly reason: OrgErrorReason,
    message: string
  ) {
    super(message);
    this.name = 'OrgError';
  }
}

/** A new random id: 12 random bytes, 16 characters of base64url (matches ROOM_ID_PATTERN). */
export const newId = (): string => crypto.randomBytes(12).toString('base64url');
