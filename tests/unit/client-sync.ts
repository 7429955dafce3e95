/**
 * The app's sync engine against the real server, for the client tests: a person's `/api/me` as
 * the server would answer it, their local database (deleted after the test) and an engine using
 * it with a Node WebSocket.
 */
import WebSocket from 'ws';
import type { Me } from '../../src/lib/api';
import { deleteUserDb, openUserDb, type FikaDb } from '../../src/lib/data/db';
import { createSyncEngine, type FikaSyncEngine, type SyncEngineOptions } from '../../src/lib/sync/engine';
import type { TestScope } from '../support/scope';
import type { TestServer } from '../support/server';

export function meOf(s: TestServer, userId: string): Me {
  const user = s.org.getUser(userId)!;
  return {
    user,
    groups: s.org.groupsOf(userId),
    spaces: s.org.spacesFor(user),
    rooms: s.org.readableRooms(user),
    organisation: { name: 'Test AB' }
  };
}

export function userDatabase(scope: TestScope, userId: string): FikaDb {
  const db = openUserDb(userId);
  scope.defer(async () => {
    db.close();
    await deleteUserDb(userId);
  });
  return db;
}

/** An engine for `db`'s owner on `s` (their `/api/me` from the server's tables), stopped after the test. */
export async function startEngine(
  scope: TestScope,
  s: TestServer,
  db: FikaDb,
  token: string,
  options: Partial<SyncEngineOptions> = {}
): Promise<FikaSyncEngine> {
  const e = await createSyncEngine({
    db,
    me: meOf(s, db.userId),
    onSessionEnded: () => {},
    url: s.wsUrl,
    params: { token },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    // An option given as undefined keeps the default.
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  });
  scope.defer(() => e.stop());
  return e;
}
