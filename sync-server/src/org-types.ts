/**
 * The server side of the organisation's types: what creating and changing people, groups,
 * spaces and documents takes, and the refusals Org raises. The shared types live in the model
 * (src/lib/model/org.ts) and are re-exported here.
 */
import crypto from 'node:crypto';
import {
  TextLimits,
  withoutHiddenCharacters,
  type Audience,
  type GroupKind,
  type PostingPolicy,
  type Role,
  type Space,
  type SpaceKind
} from '../../src/lib/model/org';
import { ROOM_ID_PATTERN } from '../../src/lib/model/rooms';

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
  | 'invalid-target'
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

// Input checks Org applies before it writes; each refusal is an OrgError the API turns into a 400.

export function checkId(id: string): string {
  if (!ROOM_ID_PATTERN.test(id)) {
    throw new OrgError('invalid', 'An id is 1 to 64 characters of A–Z, a–z, 0–9, "_" and "-".');
  }
  return id;
}

export function text(value: string, field: string, max: number, required: boolean): string {
  const trimmed = withoutHiddenCharacters(value).trim();
  if (required && trimmed.length === 0) throw new OrgError('invalid', `The ${field} must not be empty.`);
  if (trimmed.length > max) throw new OrgError('invalid', `The ${field} is longer than ${max} characters.`);
  return trimmed;
}

export function normaliseEmail(email: string): string {
  const value = text(email, 'email', TextLimits.email, true).toLowerCase();
  // The API checks the full format; this guards callers that bypass it (demo seeding, tests).
  if (!/^[^\s@]+@[^\s@]+$/.test(value)) throw new OrgError('invalid', 'That is not an email address.');
  return value;
}

export function oneOf<T extends string>(value: T, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value)) throw new OrgError('invalid', `Unknown ${field} "${String(value)}".`);
  return value;
}
