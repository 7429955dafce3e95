/**
 * The validation hook's contract: every update a client sends to a room passes through the
 * rule set of the room's kind before the server applies, stores or relays it.
 *
 * Rules are pure: they read the server's copy of the document (before the update) and the
 * decoded update, and say yes or no. Content rule sets (ownership of posts, comments,
 * reactions) are added per room kind; the default lets a writer do anything.
 */
import type * as Y from 'yjs';
import type { Access, Room, RoomKind } from './rooms';

export interface UpdateContext {
  /** The authenticated person who sent the update. */
  readonly user: { readonly id: string; readonly role: 'admin' | 'editor' | 'staff' };
  readonly room: Room;
  readonly access: Access;
  /** The server's copy of the room before the update. Rules must not modify it. */
  readonly doc: Y.Doc;
  /** The update as received (Yjs update format v1). */
  readonly update: Uint8Array;
  /** The update decoded with `Y.decodeUpdate` (computed once, on first use). */
  readonly decoded: ReturnType<typeof Y.decodeUpdate>;
}

export type ValidationResult = { ok: true } | { ok: false; error: string; message: string };

export type UpdateRule = (ctx: UpdateContext) => ValidationResult;

export const allow: ValidationResult = Object.freeze({ ok: true });

export const refuse = (error: string, message: string): ValidationResult => ({
  ok: false,
  error,
  message
});

/** Writers may do anything. */
export const allowWriters: UpdateRule = () => allow;

/** Nobody but the server may change the room. */
export const serverOnly: UpdateRule = () => refuse('server-only', 'Only the server writes this room.');

export type RuleSet = Record<RoomKind, UpdateRule>;

/** The rule set the server uses unless configured otherwise. */
export const defaultRules: RuleSet = {
  org: serverOnly,
  space: allowWriters,
  post: allowWriters,
  doc: allowWriters,
  user: allowWriters
};
