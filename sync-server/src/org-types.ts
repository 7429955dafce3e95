/**
 * The server side of the organisation's types: what creating and changing people, groups,
 * spaces and documents takes, and the refusals Org raises. The shared types live in the model
 * (src/lib/model/org.ts) and are re-exported here.
 */
import crypto from 'node:crypto';
import type { Audience, GroupKind, PostingPolicy, Role, Space, SpaceKind } from '../../src/lib/model/org';

export * from '../../src/lib/model/org';

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
