/**
 * The admin's routes under `/api/admin`: people, groups and memberships, spaces. Registered by
 * api.ts inside its `/api` scope, so they share its validator, error shape and sign-in check.
 */
import type { FastifyBaseLogger, FastifyRequest, FastifyReply } from 'fastify';
import type { Api } from './api-types';
import type { Auth } from './auth';
import { OrgError, type Org } from './org';
import { hashPassword } from './passwords';
import * as schemas from './api-schemas';
import { ApiError } from './api-error';
import type { AuthContext } from './api';

export interface AdminDeps {
  org: Org;
  auth: Auth;
  /** Route options that require a signed-in admin. */
  adminOnly: { preHandler: Array<(request: FastifyRequest, reply: FastifyReply) => Promise<unknown>> };
  authOf: (request: FastifyRequest) => AuthContext;
}

export function registerAdminRoutes<L extends FastifyBaseLogger>(
  api: Api<L>,
  { org, auth, adminOnly, authOf }: AdminDeps
): void {
  // ---- admin: people ----

  api.get('/admin/users', adminOnly, async () => ({ users: org.directory().people }));

  api.post<{ Body: schemas.NewUserBody }>(
    '/admin/users',
    { ...adminOnly, schema: { body: schemas.newUserBody } },
    async (request, reply) => {
      const { email, name, title, role, password } = request.body;
      // Checked before hashing to spare the scrypt; createUser checks again atomically.
      if (org.findUserByEmail(email))
        throw new OrgError('email-taken', 'Someone already uses that email address.');
      const user = org.createUser({
        email,
        name,
        title,
        role,
        passwordHash: await hashPassword(password)
      });
      return reply.code(201).send(user);
    }
  );

  api.patch<{ Params: schemas.IdParams; Body: schemas.UserPatchBody }>(
    '/admin/users/:id',
    { ...adminOnly, schema: { params: schemas.idParams, body: schemas.userPatchBody } },
    async (request) => {
      const { session } = authOf(request);
      const { id } = request.params;
      const { password, ...rest } = request.body;
      if (!org.getUser(id)) throw new ApiError(404, 'not-found', 'No such person.');
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      const user = org.updateUser(id, { ...rest, passwordHash });
      // A deactivated person is signed out everywhere; a reset password ends the sessions
      // made with the old one (but not the admin's own current one).
      if (!user.active || passwordHash !== undefined) auth.revokeUserSessions(id, session.id);
      return user;
    }
  );

  api.put<{ Params: schemas.IdParams; Body: schemas.SkillsBody }>(
    '/admin/users/:id/skills',
    { ...adminOnly, schema: { params: schemas.idParams, body: schemas.skillsBody } },
    async (request) => ({ skills: org.setSkills(request.params.id, request.body.skills) })
  );

  api.put<{ Params: schemas.IdParams; Body: schemas.AboutBody }>(
    '/admin/users/:id/about',
    { ...adminOnly, schema: { params: schemas.idParams, body: schemas.aboutBody } },
    async (request) => ({ about: org.setAbout(request.params.id, request.body.about) })
  );

  api.post<{ Params: schemas.IdParams }>(
    '/admin/users/:id/revoke-sessions',
    { ...adminOnly, schema: { params: schemas.idParams } },
    async (request) => {
      if (!org.getUser(request.params.id)) throw new ApiError(404, 'not-found', 'No such person.');
      return { revokedSessions: auth.revokeUserSessions(request.params.id) };
    }
  );

  // ---- admin: groups ----

  api.get('/admin/groups', adminOnly, async () => ({ groups: org.listGroups() }));

  api.post<{ Body: schemas.NewGroupBody }>(
    '/admin/groups',
    { ...adminOnly, schema: { body: schemas.newGroupBody } },
    async (request, reply) => reply.code(201).send(org.createGroup(request.body))
  );

  api.delete<{ Params: schemas.IdParams }>(
    '/admin/groups/:id',
    { ...adminOnly, schema: { params: schemas.idParams } },
    async (request, reply) => {
      if (!org.deleteGroup(request.params.id)) throw new ApiError(404, 'not-found', 'No such group.');
      return reply.code(204).send();
    }
  );

  api.put<{ Params: schemas.MemberParams }>(
    '/admin/groups/:id/members/:userId',
    { ...adminOnly, schema: { params: schemas.memberParams } },
    async (request, reply) => {
      org.addMember(request.params.id, request.params.userId);
      return reply.code(204).send();
    }
  );

  api.delete<{ Params: schemas.MemberParams }>(
    '/admin/groups/:id/members/:userId',
    { ...adminOnly, schema: { params: schemas.memberParams } },
    async (request, reply) => {
      org.removeMember(request.params.id, request.params.userId);
      return reply.code(204).send();
    }
  );

  // ---- admin: spaces ----

  api.get('/admin/spaces', adminOnly, async () => ({ spaces: org.listSpaces() }));

  api.post<{ Body: schemas.NewSpaceBody }>(
    '/admin/spaces',
    { ...adminOnly, schema: { body: schemas.newSpaceBody } },
    async (request, reply) => reply.code(201).send(org.createSpace(request.body))
  );

  api.patch<{ Params: schemas.IdParams; Body: schemas.SpacePatchBody }>(
    '/admin/spaces/:id',
    { ...adminOnly, schema: { params: schemas.idParams, body: schemas.spacePatchBody } },
    async (request) => org.updateSpace(request.params.id, request.body)
  );
}
