/**
 * Targeted posts: posts whose audience is chosen groups within their space, each kept in its
 * own room `post/<spaceId>/<postId>` so that it never reaches anyone else's device. The server
 * registers them here (id, space, author, target groups) and decides access to their rooms from
 * these rows (access.ts); what the post says is written by its author over sync. Part of `Org`.
 */
import { PostLimits } from '../../src/lib/model/space-room';
import { OrgError, newId, type User } from './org-types';
import { checkId } from './org-types';
import { canManageSpace, canSeeSpace } from './access';
import { OrgSpaces } from './org-spaces';

export interface TargetedPost {
  id: string;
  spaceId: string;
  authorId: string;
  createdAt: number;
  /** The groups it is targeted at (sorted); fewer than chosen once a group is deleted. */
  targetGroupIds: string[];
}

export interface NewTargetedPost {
  id?: string;
  spaceId: string;
  authorId: string;
  groupIds: readonly string[];
  createdAt?: number;
}

export class OrgPosts extends OrgSpaces {
  /** Whether the space's content reaches the person (they are in its audience and active). */
  canSeeSpace(user: User, spaceId: string): boolean {
    return user.active && canSeeSpace(this.stmts, user, spaceId);
  }

  /** Whether the person manages the space's content: an admin or editor in its audience. */
  canManageSpace(user: User, spaceId: string): boolean {
    return canManageSpace(this.stmts, user, spaceId);
  }

  /**
   * Registers a targeted post. Its target groups must exist, number 1 to
   * `PostLimits.targetGroups`, and, in a space for groups, be among the space's audience (a
   * target outside it would name people who cannot see the space). Who may create one is the
   * caller's check (`canManageSpace`).
   */
  createTargetedPost(input: NewTargetedPost): TargetedPost {
    return this.transaction(() => {
      const id = checkId(input.id ?? newId());
      const space = this.getSpace(input.spaceId);
      if (!space) throw new OrgError('not-found', 'No such space.');
      if (!this.stmts.userById.get(input.authorId)) throw new OrgError('not-found', 'No such person.');
      if (this.stmts.targetedPostById.get(id)) throw new OrgError('id-taken', 'That id is already used.');
      const groupIds = [...new Set(input.groupIds)].sort();
      if (groupIds.length === 0 || groupIds.length > PostLimits.targetGroups) {
        throw new OrgError(
          'invalid-target',
          `A targeted post needs 1 to ${PostLimits.targetGroups} groups, got ${groupIds.length}.`
        );
      }
      for (const groupId of groupIds) {
        if (!this.stmts.groupById.get(groupId)) {
          throw new OrgError('invalid-target', `There is no group with id "${groupId}".`);
        }
        if (space.audience === 'groups' && !space.audienceGroupIds.includes(groupId)) {
          throw new OrgError(
            'invalid-target',
            `The group "${groupId}" is not in the audience of the space "${space.name}".`
          );
        }
      }
      this.db
        .prepare('INSERT INTO targeted_posts (id, space_id, author_id, created_at) VALUES (?, ?, ?, ?)')
        .run(id, space.id, input.authorId, input.createdAt ?? Date.now());
      const insert = this.db.prepare('INSERT INTO targeted_post_groups (post_id, group_id) VALUES (?, ?)');
      for (const groupId of groupIds) insert.run(id, groupId);
      // Access to a room changed (it had none): remembered answers must be forgotten.
      this.changed('org-changed');
      return this.getTargetedPost(space.id, id)!;
    });
  }

  /** The targeted post `postId` of the space, or null (also when it belongs to another space). */
  getTargetedPost(spaceId: string, postId: string): TargetedPost | null {
    const row = this.stmts.targetedPostById.get(postId);
    if (!row || row.space_id !== spaceId) return null;
    return {
      id: row.id,
      spaceId: row.space_id,
      authorId: row.author_id,
      createdAt: row.created_at,
      targetGroupIds: this.stmts.targetedPostGroups.all(row.id).map((r) => r.group_id)
    };
  }

  /**
   * The people a targeted post is meant for: active members of its target groups who see its
   * space (the author only when one of them). For the author's view of who it reached.
   */
  targetedPostAudience(postId: string): string[] {
    return this.stmts.targetedPostAudience.all({ postId }).map((r) => r.id);
  }

  /** The active people who see the space, for the reach of its untargeted important posts. */
  spaceAudience(spaceId: string): string[] {
    return this.stmts.spaceAudience.all({ spaceId }).map((r) => r.id);
  }
}
