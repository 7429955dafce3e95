/**
 * Who is signed in on this device, and their local data.
 *
 * Offline first: the last person who signed in on this device is remembered (localStorage
 * `fika.account`), so the app opens on their local data at once, with or without a network;
 * `/api/me` then refreshes what they may read, in the background. One Dexie database per person
 * (`fika-<userId>`), opened on sign-in and deleted on sign-out.
 *
 * SKELETON: the shape the pages use. Implemented with the local store and sync layer.
 */
import type { Me } from '../api';
import type { User } from '../model/org';
import type { FikaDb } from '../data/db';
import type { SyncEngine } from '../sync/engine';

export type SessionPhase = 'starting' | 'setup-needed' | 'signed-out' | 'signed-in';

/** What is remembered about the signed-in person on this device. */
export type Account = Pick<User, 'id' | 'name' | 'email' | 'role' | 'title'>;

export interface SetupInput {
  organisation: string;
  name: string;
  email: string;
  password: string;
}

export class Session {
  phase = $state<SessionPhase>('starting');
  account = $state<Account | null>(null);
  /** The latest `/api/me` (cached in the local database for offline starts). */
  me = $state.raw<Me | null>(null);
  /** The server refused the session (expired or revoked) while local data remains: sign in again. */
  expired = $state(false);
  db = $state.raw<FikaDb | null>(null);
  sync = $state.raw<SyncEngine | null>(null);

  /** Called once by the root layout. Never throws: an unreachable server leaves the local state. */
  async start(): Promise<void> {
    throw new Error('not implemented');
  }

  /** Throws ApiFailure ('invalid-credentials', 'too-many-attempts' with retryAfter, 'offline', …). */
  async signIn(_email: string, _password: string): Promise<void> {
    throw new Error('not implemented');
  }

  /** First-run set-up: creates the organisation and its first admin, and signs them in. */
  async setUp(_input: SetupInput): Promise<void> {
    throw new Error('not implemented');
  }

  /**
   * Signs out and deletes this person's local data. When some local changes have not reached
   * the server and `discardUnsaved` is false, does nothing and answers 'unsaved' (the page
   * warns, then calls again with `discardUnsaved: true`).
   */
  async signOut(_opts: { discardUnsaved: boolean }): Promise<'done' | 'unsaved'> {
    throw new Error('not implemented');
  }
}

export const session = new Session();
