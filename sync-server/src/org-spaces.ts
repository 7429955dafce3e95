/**
 * Spaces (kind, audience, posting policy, kiosk flag) and documents (owner, co-authors), the
 * part of the organisation that says where content lives and for whom. Part of `Org`.
 */
import {
  AUDIENCES,
  OrgError,
  POSTING_POLICIES,
  SPACE_KINDS,
  TextLimits,
  newId,
  type Audience,
  type DocumentInfo,
  type NewDocument,
  type NewSpace,
  type Space,
  type SpacePatch,
  type User
} from './org-types';
import { checkId, oneOf, text } from './org-types';
import type { SpaceRow } from './org-queries';
import { OrgBase } from './org-base';

export class OrgSpaces extends OrgBase {
  // ---- spaces ----

  private toSpace(row: SpaceRow, audienceGroupIds?: string[]): Space {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      kind: row.kind,
      audience: row.audience,
      audienceGroupIds:
        row.audience === 'everyone'
          ? []
          : (audienceGroupIds ?? this.stmts.audienceOf.all(row.id).map((r) => r.group_id)),
      postingPolicy: row.posting_policy,
      kioskVisible: row.kiosk_visible === 1
    };
  }

  private spacesFromRows(rows: SpaceRow[]): Space[] {
    const audiences = new Map<string, string[]>();
    for (const { space_id, group_id } of this.stmts.audiences.all()) {
      const list = audiences.get(space_id) ?? [];
      list.push(group_id);
      audiences.set(space_id, list);
    }
    return rows.map((row) => this.toSpace(row, audiences.get(row.id) ?? []));
  }

  /** Checks an audience: 'groups' needs at least one existing group; 'everyone' keeps none. */
  private checkAudience(audience: Audience, groupIds: readonly string[]): string[] {
    oneOf(audience, AUDIENCES, 'audience');
    if (audience === 'everyone') return [];
    const unique = [...new Set(groupIds)].sort();
    if (unique.length === 0) {
      throw new OrgError('invalid-audience', 'A space for groups needs at least one group.');
    }
    for (const groupId of unique) {
      if (!this.stmts.groupById.get(groupId)) {
        throw new OrgError('invalid-audience', `There is no group with id "${groupId}".`);
      }
    }
    return unique;
  }

  private writeAudience(spaceId: string, groupIds: readonly string[]): void {
    this.db.prepare('DELETE FROM space_audience WHERE space_id = ?').run(spaceId);
    const insert = this.db.prepare('INSERT INTO space_audience (space_id, group_id) VALUES (?, ?)');
    for (const groupId of groupIds) insert.run(spaceId, groupId);
  }

  createSpace(input: NewSpace): Space {
    return this.transaction(() => {
      const id = checkId(input.id ?? newId());
      if (this.stmts.spaceById.get(id)) throw new OrgError('id-taken', 'That id is already used.');
      const groupIds = this.checkAudience(input.audience, input.audienceGroupIds ?? []);
      const now = Date.now();
      this.db
        .prepare(
          `INSERT INTO spaces (id, name, description, kind, audience, posting_policy, kiosk_visible, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          id,
          text(input.name, 'space name', TextLimits.spaceName, true),
          text(input.description ?? '', 'description', TextLimits.spaceDescription, false),
          oneOf(input.kind, SPACE_KINDS, 'space kind'),
          input.audience,
          oneOf(input.postingPolicy, POSTING_POLICIES, 'posting policy'),
          input.kioskVisible ? 1 : 0,
          now,
          now
        );
      this.writeAudience(id, groupIds);
      this.changed('org-changed');
      return this.getSpace(id)!;
    });
  }

  /**
   * Changes a space. Switching the audience to everyone drops its groups; an audience of
   * groups (new or kept) must name at least one existing group.
   */
  updateSpace(id: string, patch: SpacePatch): Space {
    return this.transaction(() => {
      const space = this.getSpace(id);
      if (!space) throw new OrgError('not-found', 'No such space.');
      const audience = patch.audience ?? space.audience;
      const groupIds = this.checkAudience(audience, patch.audienceGroupIds ?? space.audienceGroupIds);
      this.db
        .prepare(
          `UPDATE spaces SET name = ?, description = ?, kind = ?, audience = ?, posting_policy = ?,
             kiosk_visible = ?, updated_at = ? WHERE id = ?`
        )
        .run(
          patch.name === undefined ? space.name : text(patch.name, 'space name', TextLimits.spaceName, true),
          patch.description === undefined
            ? space.description
            : text(patch.description, 'description', TextLimits.spaceDescription, false),
          oneOf(patch.kind ?? space.kind, SPACE_KINDS, 'space kind'),
          audience,
          oneOf(patch.postingPolicy ?? space.postingPolicy, POSTING_POLICIES, 'posting policy'),
          (patch.kioskVisible ?? space.kioskVisible) ? 1 : 0,
          Date.now(),
          id
        );
      this.writeAudience(id, groupIds);
      this.changed('org-changed');
      return this.getSpace(id)!;
    });
  }

  getSpace(id: string): Space | null {
    const row = this.stmts.spaceById.get(id);
    return row ? this.toSpace(row) : null;
  }

  /** Every space (for admins managing them; not a statement of who may read them). */
  listSpaces(): Space[] {
    return this.spacesFromRows(this.stmts.spaces.all());
  }

  /** The spaces whose audience includes the person (none for an inactive person). */
  spacesFor(user: User): Space[] {
    if (!user.active) return [];
    return this.spacesFromRows(this.stmts.spacesFor.all({ userId: user.id }));
  }

  // ---- documents ----

  createDocument(input: NewDocument): DocumentInfo {
    return this.transaction(() => {
      const id = checkId(input.id ?? newId());
      if (!this.stmts.spaceById.get(input.spaceId)) throw new OrgError('not-found', 'No such space.');
      if (!this.stmts.userById.get(input.ownerId)) throw new OrgError('not-found', 'No such person.');
      if (this.stmts.docById.get(id)) throw new OrgError('id-taken', 'That id is already used.');
      this.db
        .prepare('INSERT INTO documents (id, space_id, owner_id, created_at) VALUES (?, ?, ?, ?)')
        .run(id, input.spaceId, input.ownerId, Date.now());
      this.changed('org-changed');
      return this.getDocument(id)!;
    });
  }

  getDocument(id: string): DocumentInfo | null {
    const row = this.stmts.docById.get(id);
    if (!row) return null;
    return {
      id: row.id,
      spaceId: row.space_id,
      ownerId: row.owner_id,
      editorIds: this.stmts.docEditors.all(id).map((r) => r.user_id)
    };
  }

  addDocumentEditor(docId: string, userId: string): void {
    this.transaction(() => {
      if (!this.stmts.docById.get(docId)) throw new OrgError('not-found', 'No such document.');
      if (!this.stmts.userById.get(userId)) throw new OrgError('not-found', 'No such person.');
      const { changes } = this.db
        .prepare('INSERT OR IGNORE INTO document_editors (document_id, user_id) VALUES (?, ?)')
        .run(docId, userId);
      if (changes > 0) this.changed('org-changed');
    });
  }

  /**
   * Makes `userIds` the document's co-authors, replacing the previous ones. Each must exist, be
   * active and see the document's space: a co-author outside the audience could never open it.
   * Announces the change only when the list really changed, so open connections are re-checked
   * (a removed co-author's connection drops to read-only at once).
   */
  setDocumentEditors(docId: string, userIds: readonly string[]): DocumentInfo {
    return this.transaction(() => {
      const doc = this.stmts.docById.get(docId);
      if (!doc) throw new OrgError('not-found', 'No such document.');
      const next = [...new Set(userIds)].sort();
      for (const userId of next) {
        const row = this.stmts.userById.get(userId);
        const visible = this.stmts.spaceVisible.get({ spaceId: doc.space_id, userId })?.visible === 1;
        if (!row || !row.active || !visible) {
          throw new OrgError('invalid', `"${userId}" is not someone who can read this document.`);
        }
      }
      const before = this.stmts.docEditors.all(docId).map((r) => r.user_id);
      if (before.join('\n') !== next.join('\n')) {
        this.db.prepare('DELETE FROM document_editors WHERE document_id = ?').run(docId);
        const insert = this.db.prepare('INSERT INTO document_editors (document_id, user_id) VALUES (?, ?)');
        for (const userId of next) insert.run(docId, userId);
        this.changed('org-changed');
      }
      return this.getDocument(docId)!;
    });
  }

  removeDocumentEditor(docId: string, userId: string): void {
    this.transaction(() => {
      const { changes } = this.db
        .prepare('DELETE FROM document_editors WHERE document_id = ? AND user_id = ?')
        .run(docId, userId);
      if (changes > 0) this.changed('org-changed');
    });
  }
}
