/**
 * The validation hook's contract: every update a client sends to a room passes through the
 * rule set of the room's kind before the server applies, stores or relays it.
 *
 * Rules are pure: they read the server's copy of the document (before the update) and the
 * decoded update, and say yes or no. Space and post rooms have ownership rules
 * (space-rules.ts), document rooms protect their versions and confirmations (doc-rules.ts); a person's own room lets its writer do anything; the directory is the
 * server's alone.
 */
import type * as Y from 'yjs';
import type { Access, Room, RoomKind } from './rooms';
import { postRule, spaceRule } from './space-rules';
import { docRule } from './doc-rules';

/** What the rules of space and post rooms need to know about the room's space and the sender. */
export interface SpaceContext {
  readonly id: string;
  readonly postingPolicy: 'members' | 'editors';
  /** The sender is an admin or editor who can see the space: they pin and moderate. */
  readonly manager: boolean;
}

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
  /**
   * The person a Yjs client id belongs to in this room, or null when nobody has claimed it
   * (the server records a claim when it accepts an update that asks for one, see `claims`).
   */
  readonly ownerOf: (client: number) => string | null;
  /** For `space` and `post` rooms: their space; null for other rooms. */
  readonly space: SpaceContext | null;
}

/**
 * `claims`: client ids new to the room (no structs from them yet) that the update introduces;
 * the server records them as the sender's before it applies the update, so that nobody else
 * can write with them afterwards.
 */
export type ValidationResult =
  { ok: true; claims?: readonly number[] } | { ok: false; error: string; message: string };

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
  space: spaceRule,
  post: postRule,
  doc: docRule,
  user: allowWriters
};
