/**
 * Wires the server's modules into one process on one port: the static app, `/api`, `/sync`,
 * `/healthz` and `/metrics`. `createServer` is what start-up and the tests call.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { loadConfig, type Config } from './config';
import { openDatabase, type Db } from './db';
import { lockDataDir, type DataDirLock } from './data-lock';
import { Checkpointer } from './checkpointer';
import { ServerEvents } from './events';
import { createLogger, type Logger } from './logger';
import { Metrics, metricsAccess } from './metrics';
import { JournaledStore, SqliteUpdateStore, type UpdateStore } from './persistence';
import { Journal, JOURNAL_FILE } from './journal';
import type { LoadedRoom } from './loaded-room';
import { RoomRegistry } from './rooms';
import { ClientOwners } from './owners';
import { CachedAuthority } from './sync-authority';
import { SyncService } from './sync';
import { Org } from './org';
import { Auth } from './auth';
import { Kiosks } from './kiosks';
import { registerApi } from './api';
import { Uploads } from './uploads';
import { defaultRules, type RuleSet } from '../../src/lib/model/validation';
import { markAccessChanged, writeDirectory } from '../../src/lib/model/org-room';
import { parseRoomName } from '../../src/lib/model/rooms';
import { markRoomsChanged } from '../../src/lib/model/space-shared';

/** How long a shutdown waits for requests in progress before it closes their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ServerOptions extends Partial<Config> {
  dataDir: string;
  /** Rule sets per room kind; the default is `defaultRules` (validation.ts). */
  rules?: RuleSet;
  logger?: Logger;
  /**
   * Runs once the server is built and before it accepts any connection: the demo seeds its
   * organisation here, so that nobody can sign in to, or set up, a half-seeded demo.
   */
  beforeListen?: (server: { db: Db; org: Org }) => Promise<void> | void;
  /**
   * The data directory's lock, when the caller took it already (the demo does, before wiping
   * its directory); otherwise the server takes it. Released when the server closes.
   */
  dataLock?: DataDirLock;
  /** How long one request may take to arrive whole (`REQUEST_TIMEOUT_MS`; tests shorten it). */
  requestTimeoutMs?: number;
}

/**
 * A request, body included, must have arrived within this long: a client that starts one and
 * never finishes it would otherwise hold its connection for ever. Long enough for the largest
 * image upload over a slow link.
 */
export const REQUEST_TIMEOUT_MS = 120_000;

export interface FikaServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly config: Config;
  readonly db: Db;
  readonly org: Org;
  readonly auth: Auth;
  readonly kiosks: Kiosks;
  readonly rooms: RoomRegistry;
  readonly sync: SyncService;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly app: FastifyInstance;
  /** Stops accepting, closes connections (clients reconnect), commits what is pending. */
  close(): Promise<void>;
}

/**
 * Fastify's form of `FIKA_TRUST_PROXY` (see config.ts): a number of proxies becomes a function
 * trusting that many hops nearest the server (Fastify trusts no hops for a plain number).
 */
function trustedProxies(
  trust: Config['trustProxy']
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

export async function createServer(options: ServerOptions): Promise<FikaServer> {
  const {
    rules = defaultRules,
    logger,
    beforeListen,
    dataLock,
    requestTimeoutMs = REQUEST_TIMEOUT_MS,
    ...overrides
  } = options;
  const config: Config = { ...loadConfig({}), port: 0, ...overrides };
  const log = logger ?? createLogger(config.logLevel);
  const lock = dataLock ?? lockDataDir(config.dataDir);
  let db: Db;
  try {
    db = openDatabase(config.dataDir, { synchronous: config.sqliteSynchronous });
  } catch (err) {
    lock.release();
    throw err;
  }
  const checkpointer = config.checkpointMs > 0 ? new Checkpointer(db, config.checkpointMs, log) : null;
  const events = new ServerEvents();
  const metrics = new Metrics();
  const org = new Org(db, events);
  const auth = new Auth(db, org, config, events);
  const rooms = new RoomRegistry(openStore(db, config, log), config, metrics, log);
  const kiosks = new Kiosks(db, events, config.kioskPairingTtlMs);
  const authority = new CachedAuthority(auth, org, events, {}, kiosks);
  const sync = new SyncService({
    config,
    rules,
    registry: rooms,
    owners: new ClientOwners(db),
    metrics,
    log,
    authority
  });

  // The directory room is written by the server from its tables: on load and on every change.
  const refreshDirectory = (room: LoadedRoom) => {
    const directory = org.directory();
    rooms.writeAsServer(room, (doc) =>
      writeDirectory(doc, { ...directory, organisation: { name: org.organisationName() } })
    );
  };
  rooms.onLoad = (room) => {
    if (room.room.kind === 'org') refreshDirectory(room);
  };
  events.on('org-changed', () => {
    const room = rooms.get('org');
    if (room) {
      refreshDirectory(room);
      // Tells the open apps that what people may read may have changed (a new targeted post,
      // a changed audience): each fetches its /api/me again and opens the rooms it now may.
      rooms.writeAsServer(room, (doc) => markAccessChanged(doc, Date.now()));
    }
    // Kiosk screens do not read the directory room: they learn of the change from the shared
    // room of each kiosk-visible space they show, and ask for their rooms again.
    for (const name of rooms.names()) {
      const parsed = parseRoomName(name);
      if (parsed?.kind !== 'space' || parsed.month !== null) continue;
      const loaded = rooms.get(name);
      if (loaded && org.getSpace(parsed.spaceId)?.kioskVisible) {
        rooms.writeAsServer(loaded, (doc) => markRoomsChanged(doc, Date.now()));
      }
    }
    sync.requestSweep();
  });
  events.on('sessions-changed', () => sync.requestSweep());

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One line per API request; probes and static files are not worth a line each.
    logController: new LogController({
      disableRequestLogging: (request) => !request.url.startsWith('/api/')
    }),
    trustProxy: trustedProxies(config.trustProxy),
    bodyLimit: 64 * 1024,
    requestTimeout: requestTimeoutMs,
    http: {
      // Node checks for requests past their time this often (30 s by default), and the headers
      // are part of the request.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, requestTimeoutMs / 4)),
      headersTimeout: Math.min(60_000, requestTimeoutMs)
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    // No page of Fika's is shown inside another site's frame (a click there could be a click
    // here). The app's own policy comes in its pages' meta tag, which cannot say this.
    reply.header('X-Frame-Options', 'DENY');
    if (!reply.hasHeader('Content-Security-Policy')) {
      reply.header('Content-Security-Policy', "frame-ancestors 'none'");
    }
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (request, reply) => {
    const access = metricsAccess(request.headers, request.socket.remoteAddress, config.metricsToken);
    if (access === 401) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .send({ error: 'unauthorized', message: 'The metrics need the token set in FIKA_METRICS_TOKEN.' });
    }
    if (access === 403) {
      return reply.code(403).send({
        error: 'forbidden',
        message: 'The metrics are served only on the server itself, unless FIKA_METRICS_TOKEN is set.'
      });
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const uploads = new Uploads(db, config.dataDir, config.maxImageBytes, config.uploadBytesPerDay);
  await app.register(async (api) =>
    registerApi(api, {
      org,
      auth,
      kiosks,
      config,
      events,
      uploads,
      rooms,
      docRooms: rooms
    })
  );
  await registerStatic(app, config.staticDir);

  app.server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      sync.close();
      authority.close();
      // Node closes the connections that are idle when the server closes, and waits for the
      // others. One whose response finishes after that would stay open for the keep-alive
      // timeout (72 s in Fastify), holding up the shutdown: close connections as they go idle,
      // and cut whatever is still busy after a grace period.
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      const cut = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(cut);
      }
      await checkpointer?.close();
      db.close();
      lock.release();
    })();
    return closing;
  };
  try {
    await beforeListen?.({ db, org });
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // The port is taken, say: let go of the database and the data directory before saying so.
    await close().catch(() => {});
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    config,
    db,
    org,
    auth,
    kiosks,
    rooms,
    sync,
    metrics,
    log,
    app,
    close
  };
}

/** SQLite behind the commit journal (see journal.ts), or SQLite alone when the journal is off. */
function openStore(db: Db, config: Config, log: Logger): UpdateStore {
  const sqlite = new SqliteUpdateStore(db);
  if (config.journalDrainMs === 0) return sqlite;
  const journal = new Journal(path.join(config.dataDir, JOURNAL_FILE), {
    sync: config.sqliteSynchronous === 'full'
  });
  return new JournaledStore(sqlite, journal, config.journalDrainMs, (err) =>
    log.error({ err }, 'moving journaled updates into SQLite failed; retrying')
  );
}

/** Serves the built app from `dir` when it exists, with the SPA fallback for deep links. */
async function registerStatic(app: FastifyInstance, dir: string): Promise<void> {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><html lang="en"><meta charset="utf-8"><title>Fika</title>' +
            '<p>The Fika server is running, but the web app has not been built into <code>build/</code> yet.</p>'
        )
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    // The build writes Brotli and gzip copies beside each file (adapter-static `precompress`).
    preCompressed: true,
    index: ['index.html'],
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}_app${path.sep}immutable${path.sep}`);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const accept = request.headers.accept ?? '';
    if (request.method === 'GET' && accept.includes('text/html') && !request.url.startsWith('/api/')) {
      reply.header('Cache-Control', 'no-cache');
      return reply.sendFile('index.html');
    }
    return reply.code(404).send({ error: 'not-found', message: 'Nothing here.' });
  });
}
