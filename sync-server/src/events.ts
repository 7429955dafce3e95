import { EventEmitter } from 'node:events';

/**
 * Signals between the server's modules, so none has to import another's insides.
 * - `org-changed`: people, groups, memberships or spaces changed (the directory room and
 *   open connections' access are re-checked).
 * - `sessions-changed`: a session was revoked or a person deactivated (open connections are
 *   re-checked at once rather than at the next periodic check).
 */
export interface ServerEventMap {
  'org-changed': [];
  'sessions-changed': [];
}

export class ServerEvents extends EventEmitter<ServerEventMap> {}
