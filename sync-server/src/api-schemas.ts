/**
 * JSON schemas of the API's request bodies and parameters, with the TypeScript type each one
 * guarantees once validated. Every object refuses unknown properties and every string has a
 * length limit, so nothing unbounded reaches the database.
 */
import { MAX_ROOM_NAME_LENGTH, ROOM_ID_PATTERN } from '../../src/lib/model/rooms';
import { PostLimits } from '../../src/lib/model/space-room';
import { DocLimits } from '../../src/lib/model/doc-room';
import {
  AUDIENCES,
  GROUP_KINDS,
  POSTING_POLICIES,
  ROLES,
  SPACE_KINDS,
  SkillLimits,
  TextLimits,
  type Audience,
  type GroupKind,
  type PostingPolicy,
  type Role,
  type SpaceKind
} from './org';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

const string = (maxLength: number, minLength = 1) => ({ type: 'string', minLength, maxLength }) as const;
const enumOf = (values: readonly string[]) => ({ type: 'string', enum: [...values] }) as const;
const id = { type: 'string', pattern: ROOM_ID_PATTERN.source } as const;
const email = { type: 'string', format: 'email', maxLength: TextLimits.email } as const;
const newPassword = string(PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH);
/** Any existing password is accepted for checking, whatever the rules were when it was set. */
const anyPassword = string(PASSWORD_MAX_LENGTH);

const object = (properties: Record<string, object>, required: string[], minProperties = 0) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...(minProperties > 0 ? { minProperties } : {})
});

export interface SetupBody {
  organisation: string;
  name: string;
  email: string;
  password: string;
}
export const setupBody = object(
  { organisation: string(TextLimits.name), name: string(TextLimits.name), email, password: newPassword },
  ['organisation', 'name', 'email', 'password']
);

export interface LoginBody {
  email: string;
  password: string;
}
// No email format here: a sign-in with a malformed email is just a wrong email (401, same as any).
export const loginBody = object({ email: string(TextLimits.email), password: anyPassword }, [
  'email',
  'password'
]);

export interface PasswordBody {
  currentPassword: string;
  newPassword: string;
}
export const passwordBody = object({ currentPassword: anyPassword, newPassword }, [
  'currentPassword',
  'newPassword'
]);

export interface NewUserBody {
  email: string;
  name: string;
  title?: string;
  role: Role;
  password: string;
}
export const newUserBody = object(
  {
    email,
    name: string(TextLimits.name),
    title: string(TextLimits.title, 0),
    role: enumOf(ROLES),
    password: newPassword
  },
  ['email', 'name', 'role', 'password']
);

export interface UserPatchBody {
  name?: string;
  title?: string;
  role?: Role;
  active?: boolean;
  password?: string;
}
export const userPatchBody = object(
  {
    name: string(TextLimits.name),
    title: string(TextLimits.title, 0),
    role: enumOf(ROLES),
    active: { type: 'boolean' },
    password: newPassword
  },
  [],
  1
);

export interface SkillsBody {
  skills: string[];
}
/**
 * Room for white space and repeats around the limits (Org trims and drops repeats, then applies
 * SkillLimits with a sentence that names the skill); still bounded here.
 */
export const skillsBody = object(
  {
    skills: {
      type: 'array',
      items: { type: 'string', maxLength: SkillLimits.length * 2 },
      maxItems: SkillLimits.count * 2
    }
  },
  ['skills']
);

export interface AboutBody {
  about: string;
}
export const aboutBody = object({ about: string(TextLimits.about * 2, 0) }, ['about']);

export interface NewGroupBody {
  kind: GroupKind;
  name: string;
}
export const newGroupBody = object({ kind: enumOf(GROUP_KINDS), name: string(TextLimits.groupName) }, [
  'kind',
  'name'
]);

const groupIds = { type: 'array', items: id, maxItems: 200, uniqueItems: true } as const;

export interface NewSpaceBody {
  name: string;
  description?: string;
  kind: SpaceKind;
  audience: Audience;
  audienceGroupIds?: string[];
  postingPolicy: PostingPolicy;
  kioskVisible?: boolean;
}
const spaceProperties = {
  name: string(TextLimits.spaceName),
  description: string(TextLimits.spaceDescription, 0),
  kind: enumOf(SPACE_KINDS),
  audience: enumOf(AUDIENCES),
  audienceGroupIds: groupIds,
  postingPolicy: enumOf(POSTING_POLICIES),
  kioskVisible: { type: 'boolean' }
};
export const newSpaceBody = object(spaceProperties, ['name', 'kind', 'audience', 'postingPolicy']);

export type SpacePatchBody = Partial<NewSpaceBody>;
export const spacePatchBody = object(spaceProperties, [], 1);

export interface IdParams {
  id: string;
}
export const idParams = object({ id }, ['id']);

export interface MemberParams {
  id: string;
  userId: string;
}
export const memberParams = object({ id, userId: id }, ['id', 'userId']);

/** The most rooms one request for room versions may ask about; a device asks in chunks. */
export const MAX_VERSION_ROOMS = 1000;

export interface RoomVersionsBody {
  rooms: string[];
}
export const roomVersionsBody = object(
  {
    rooms: {
      type: 'array',
      items: string(MAX_ROOM_NAME_LENGTH),
      maxItems: MAX_VERSION_ROOMS,
      uniqueItems: true
    }
  },
  ['rooms']
);

export interface SpaceParams {
  spaceId: string;
}
export const spaceParams = object({ spaceId: id }, ['spaceId']);

export interface PostParams {
  spaceId: string;
  postId: string;
}
export const postParams = object({ spaceId: id, postId: id }, ['spaceId', 'postId']);

export interface TargetedPostBody {
  groupIds: string[];
  /** Images already uploaded to the space for this post: from now on only its audience reads them. */
  imageIds?: string[];
}
export const targetedPostBody = object(
  {
    groupIds: { type: 'array', items: id, minItems: 1, maxItems: PostLimits.targetGroups, uniqueItems: true },
    imageIds: { type: 'array', items: id, maxItems: PostLimits.images, uniqueItems: true }
  },
  ['groupIds']
);

export interface NewDocumentBody {
  title: string;
  folder?: string;
}
export const newDocumentBody = object(
  { title: string(DocLimits.title), folder: string(DocLimits.folder, 0) },
  ['title']
);

export interface DocumentEditorsBody {
  userIds: string[];
}
export const documentEditorsBody = object(
  { userIds: { type: 'array', items: id, maxItems: DocLimits.editors, uniqueItems: true } },
  ['userIds']
);

export interface ConfirmationBody {
  versionId: string;
}
export const confirmationBody = object({ versionId: id }, ['versionId']);
