/**
 * `/sync/<room>`: the y-websocket protocol, authenticated, validated and rate-limited.
 *
 * A connection is accepted at the HTTP level and then checked; every refusal is a 44xx close
 * code (see close-codes.ts) sent before any room content, because the stock client retries
 * forever after an HTTP error but stops after a 44xx close.
 *
 * Every update passes, in order: write access (a reader's updates are dropped and logged),
 * full decoding (a malformed update closes the connection), the room kind's rule set (a
 * refused update closes the connection with `UpdateRefused`), then the room registry, which
 * applies it and relays it only after it is committed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCodes, type CloseCode } from '../../src/lib/model/close-codes';
import { parseRoomName, type Access, type Room } from '../../src/lib/model/rooms';
import {
  ACK_PARAM,
  decodeStateParam,
  STATE_PARAM,
  SYNC_PROTOCOL,
  TOKEN_PROTOCOL_PREFIX,
  tokenFromProtocols
} from '../../src/lib/model/protocol';
import type { RuleSet, SpaceContext } from '../../src/lib/model/validation';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { readCookie, SESSION_COOKIE } from './auth';
import { Connection } from './connection';
import type { RoomRegistry } from './rooms';
import type { ClientOwners } from './owners';

export interface SyncUser {
  id: string;
  role: 'admin' | 'editor' | 'staff';
  /** The person's name, which their presence states carry (presence.ts `stampPresence`). */
  name?: string;
}

/** What the sync side needs to know from authentication and the organisation. */
export interface SyncAuthority<U extends SyncUser = SyncUser> {
  authenticate(token: string): { user: U; session: { id: string } } | null;
  /** The session's person when the session is still valid and the person active, else null. */
  isSessionValid(sessionId: string): U | null;
  roomAccess(user: U, room: Room): Access | null;
  /**
   * The space's posting policy and whether the person manages it (an admin or editor who can
   * see it), for the rules of space and post rooms; null when there is no such space.
   */
  spaceContext(user: U, spaceId: string): SpaceContext | null;
}

/**
 * The server's sockets. The connection is kept on the socket, and the listeners below are shared
 * by every socket, instead of closures made for each one: a server holds thousands of idle
 * connections, and each closure costs memory for as long as its socket lives.
 */
export class SyncSocket extends WebSocket {
  conn: Connection | null = null;

  /**
   * Reports an over-long message with Fika's own 4413: `ws` closes it itself with 1009, a code
   * the client would retry after (the message is refused at its header, unread).
   */
  override close(code?: number, reason?: string | Buffer): void {
    if (code === 1009) super.close(CloseCodes.MessageTooLarge.code, CloseCodes.MessageTooLarge.reason);
    else super.close(code, reason);
  }
}

// `ws` calls listeners with the socket as `this`, and the server makes only SyncSockets.
function onSocketMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as SyncSocket).conn?.onMessage(data, isBinary);
}

function onSocketClose(this: WebSocket): void {
  (this as SyncSocket).conn?.detach();
}

function onSocketPong(this: WebSocket): void {
  const conn = (this as SyncSocket).conn;
  if (conn) conn.alive = true;
}

/** The parts of an upgrade request's URL that the sync side reads. */
interface UpgradeUrl {
  pathname: string;
  searchParams: URLSearchParams;
}

/** Ping interval; a connection that has not answered the previous ping is dropped. */
const HEARTBEAT_MS = 30_000;

export type SyncConfig = Pick<
  Config,
  | 'maxMessageBytes'
  | 'maxBufferedBytes'
  | 'messagesPerSecond'
  | 'messageBurst'
  | 'bytesPerSecond'
  | 'bytesBurst'
  | 'maxConnectionsPerPerson'
  | 'sessionCheckMs'
  | 'allowedOrigins'
>;

export interface SyncDeps {
  config: SyncConfig;
  authority: SyncAuthority;
  registry: RoomRegistry;
  rules: RuleSet;
  /** Who owns which Yjs client id in each room. */
  owners: ClientOwners;
  metrics: Metrics;
  log: Logger;
}

export class SyncService {
  readonly config: SyncConfig;
  readonly registry: RoomRegistry;
  readonly rules: RuleSet;
  readonly owners: ClientOwners;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly authority: SyncAuthority;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  /** Open connections per person (by user id), for `maxConnectionsPerPerson`. */
  private readonly perPerson = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private sweepQueued = false;

  constructor(deps: SyncDeps) {
    this.config = deps.config;
    this.registry = deps.registry;
    this.rules = deps.rules;
    this.owners = deps.owners;
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.authority = deps.authority;
    this.wss = new WebSocketServer({
      WebSocket: SyncSocket,
      noServer: true,
      // The service keeps its own set of connections; ws's would cost a listener per socket.
      clientTracking: false,
      maxPayload: deps.config.maxMessageBytes,
      perMessageDeflate: false,
      // A client that gives its token as a subprotocol offers `fika` beside it: the browser
      // insists that the server select one of those offered, and the token must not be echoed.
      // Other clients get the first they offer, as ws would select without this.
      handleProtocols: (offered) => {
        if (offered.has(SYNC_PROTOCOL)) return SYNC_PROTOCOL;
        for (const name of offered) if (!name.startsWith(TOKEN_PROTOCOL_PREFIX)) return name;
        return false;
      }
    });
    this.sweepTimer = setInterval(() => this.sweep(), deps.config.sessionCheckMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Handles an HTTP upgrade; anything but `/sync/...` is refused before the upgrade. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Read by hand rather than with `new URL`: this runs for every connection, and only the path
    // and the query are needed. Dot segments are not resolved, so they never make a room name.
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const url: UpgradeUrl = {
      pathname: q < 0 ? raw : raw.slice(0, q),
      searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
    };
    if (!url.pathname.startsWith('/sync/')) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws as SyncSocket, socket, req, url));
  }

  /** Logs socket errors; one function for every socket (see SyncSocket). */
  private readonly onSocketError = (err: Error): void => this.log.debug({ err }, 'sync socket error');

  private accept(ws: SyncSocket, socket: Duplex, req: IncomingMessage, url: UpgradeUrl): void {
    ws.on('error', this.onSocketError);
    const refuse = (code: CloseCode, detail: string) => {
      this.metrics.closes.inc({ code: String(code.code) });
      this.log.info(
        { path: url.pathname, code: code.code, detail },
        `sync connection refused: ${code.reason}`
      );
      ws.close(code.code, code.reason);
    };
    let roomName: string;
    try {
      roomName = decodeURIComponent(url.pathname.slice('/sync/'.length));
    } catch {
      return refuse(CloseCodes.UnknownRoom, 'bad escape in room name');
    }
    const room = parseRoomName(roomName);
    if (!room) return refuse(CloseCodes.UnknownRoom, 'not a room name');
    const token = this.tokenOf(req, url);
    if (token === null) return refuse(CloseCodes.Unauthorized, 'no token');
    const auth = this.authority.authenticate(token);
    if (!auth) return refuse(CloseCodes.Unauthorized, 'invalid, expired or revoked token');
    const access = this.authority.roomAccess(auth.user, room);
    if (!access) return refuse(CloseCodes.Forbidden, `${auth.user.id} may not read ${room.name}`);
    if ((this.perPerson.get(auth.user.id) ?? 0) >= this.config.maxConnectionsPerPerson) {
      return refuse(
        CloseCodes.TooManyConnections,
        `${auth.user.id} already has ${this.config.maxConnectionsPerPerson} connections open`
      );
    }
    const stateParam = url.searchParams.get(STATE_PARAM);
    const knownState = stateParam === null ? null : decodeStateParam(stateParam);
    if (stateParam !== null && knownState === null) {
      return refuse(CloseCodes.BadMessage, `the ${STATE_PARAM} parameter is not a state vector`);
    }
    const wantsCommitted = url.searchParams.get(ACK_PARAM) === '1';
    const conn = new Connection(ws, socket, this, auth.user, auth.session.id, room, access, wantsCommitted);
    this.open(conn, ws, knownState);
  }

  /** Wires an accepted connection to its socket; `knownState` is what the client said it holds. */
  private open(conn: Connection, ws: SyncSocket, knownState: Uint8Array | null): void {
    this.connections.add(conn);
    this.metrics.connections.set(this.connections.size);
    this.perPerson.set(conn.user.id, (this.perPerson.get(conn.user.id) ?? 0) + 1);
    ws.conn = conn;
    ws.on('message', onSocketMessage);
    ws.on('close', onSocketClose);
    ws.on('pong', onSocketPong);
    try {
      conn.start(knownState);
    } catch (err) {
      this.log.error({ err, room: conn.room.name }, 'room could not be loaded');
      conn.close(CloseCodes.InternalError, 'room could not be loaded');
    }
  }

  /**
   * The token from `?token=` (the stock client's `params`), else from a subprotocol
   * (`tokenProtocols`), else the session cookie. A cookie counts only from the server's own
   * origin (or a configured one), so another site cannot open a connection in a signed-in
   * person's name.
   */
  private tokenOf(req: IncomingMessage, url: UpgradeUrl): string | null {
    const param = url.searchParams.get('token');
    if (param) return param;
    const offered = tokenFromProtocols(req.headers['sec-websocket-protocol']);
    if (offered) return offered;
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (!cookie) return null;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let host: string;
      try {
        host = new URL(origin).host;
      } catch {
        return null;
      }
      if (host !== req.headers.host && !this.config.allowedOrigins.includes(origin)) return null;
    }
    return cookie;
  }

  forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.metrics.connections.set(this.connections.size);
    const open = (this.perPerson.get(conn.user.id) ?? 1) - 1;
    if (open > 0) this.perPerson.set(conn.user.id, open);
    else this.perPerson.delete(conn.user.id);
  }

  /** Re-checks at once (after a revocation or an access change) rather than at the next tick. */
  requestSweep(): void {
    if (this.sweepQueued) return;
    this.sweepQueued = true;
    setImmediate(() => {
      this.sweepQueued = false;
      this.sweep();
    });
  }

  /** Closes connections whose session ended or whose access was withdrawn; updates access levels. */
  sweep(): void {
    const users = new Map<string, SyncUser | null>();
    const access = new Map<string, Access | null>();
    for (const conn of [...this.connections]) {
      if (conn.closing) continue;
      let user = users.get(conn.sessionId);
      if (user === undefined) {
        user = this.authority.isSessionValid(conn.sessionId);
        users.set(conn.sessionId, user);
      }
      if (!user) {
        conn.close(CloseCodes.Unauthorized, 'session ended');
        continue;
      }
      conn.user = user;
      const key = `${user.id}\n${conn.room.name}`;
      let level = access.get(key);
      if (level === undefined) {
        level = this.authority.roomAccess(user, conn.room);
        access.set(key, level);
      }
      if (!level) conn.close(CloseCodes.Forbidden, 'access withdrawn');
      else conn.access = level;
    }
  }

  private heartbeat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.terminate();
        continue;
      }
      conn.alive = false;
      conn.ping();
    }
  }

  /** Closes every connection (clients will reconnect) and commits what is pending. */
  close(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.heartbeatTimer);
    this.registry.flush();
    for (const conn of [...this.connections]) conn.close(CloseCodes.GoingAway);
    this.registry.close();
    this.wss.close();
  }
}
