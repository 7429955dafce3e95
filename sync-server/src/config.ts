/**
 * Configuration from environment variables. Every variable is listed in the README.
 * `loadConfig(env)` validates them and fails with a clear message on a bad value.
 */
import net from 'node:net';
import path from 'node:path';
import { Limits } from '../../src/lib/model/limits';

export interface Config {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  host: string;
  dataDir: string;
  /** Directory of the built web app, served when present. */
  staticDir: string;
  demo: boolean;
  logLevel: string;
  sessionTtlMs: number;
  /** Seconds between checks that open connections' sessions and access are still valid. */
  sessionCheckMs: number;
  /** 'auto' sets Secure on the cookie when the request came over https. */
  cookieSecure: 'auto' | 'always' | 'never';
  /**
   * Which `X-Forwarded-*` to believe: none (false), those added by the nearest n proxies (a
   * number), or those added by proxies at these addresses or networks.
   */
  trustProxy: false | number | string[];
  /** Origins besides the server's own allowed to open cookie-authenticated sync connections. */
  allowedOrigins: string[];
  maxMessageBytes: number;
  maxBufferedBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
  bytesPerSecond: number;
  bytesBurst: number;
  /** Open sync connections one person may have at once, over all their devices. */
  maxConnectionsPerPerson: number;
  /** How long updates wait to be committed together (group commit). */
  commitDelayMs: number;
  /** Stored updates of one room past which they are merged into one. */
  compactThreshold: number;
  /** How long a room must be quiet before its stored updates are merged. */
  compactQuietMs: number;
  /** A room with no connection is unloaded from memory after this long. */
  roomIdleMs: number;
  sqliteSynchronous: 'full' | 'normal';
  /** WAL checkpoints in a worker thread every this many ms; 0 leaves them to SQLite's commits. */
  checkpointMs: number;
  /** Updates go to the commit journal and reach SQLite this many ms later; 0: straight to SQLite. */
  journalDrainMs: number;
  loginMaxFailures: number;
  loginWindowMs: number;
  /** Largest image accepted by an upload, in bytes. */
  maxImageBytes: number;
  /** The most bytes of images one person may upload in 24 hours. */
  uploadBytesPerDay: number;
  /** How long a kiosk's pairing link and code stay valid, in milliseconds. */
  kioskPairingTtlMs: number;
  /**
   * The bearer token `GET /metrics` asks for; null: `/metrics` answers only requests made on this
   * machine straight to Fika's port (metrics.ts `metricsAccess`).
   */
  metricsToken: string | null;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/**
 * `FIKA_TRUST_PROXY`: `false` (the default), `true` for the one reverse proxy in front of Fika,
 * a number of proxies in a row, or the proxies' addresses and networks (`10.0.0.2,10.1.0.0/16`,
 * or `loopback` for one on the same machine). Never every hop: a client can put any address it
 * likes at the start of `X-Forwarded-For`, and the sign-in and pairing limits count attempts per
 * address.
 */
function proxies(env: Env, name: string): false | number | string[] {
  const raw = (env[name] ?? '').trim();
  if (raw === '' || ['0', 'false', 'no'].includes(raw)) return false;
  if (['true', 'yes'].includes(raw)) return 1;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops <= 10) return hops;
  }
  const list = raw.split(',').map((s) => s.trim());
  const valid = (entry: string) => {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = net.isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  };
  if (list.every(valid)) return list;
  throw new ConfigError(
    `${name} must be false, true (one proxy), a number of proxies up to 10, or the proxies' addresses and networks (or loopback) separated by commas, got "${raw}"`
  );
}

const MiB = 1024 * 1024;

/** A secret someone must present: unset or empty is none; a short one is refused, being guessable. */
function secret(env: Env, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  if (raw.length < 24 || /\s/.test(raw)) {
    throw new ConfigError(
      `${name} must be at least 24 characters without spaces (e.g. from \`openssl rand -hex 24\`)`
    );
  }
  return raw;
}

export function loadConfig(env: Env = process.env, opts: { demo?: boolean } = {}): Config {
  const demo = opts.demo ?? false;
  const cwd = process.cwd();
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: path.resolve(
      cwd,
      (demo ? env.FIKA_DEMO_DATA_DIR : env.FIKA_DATA_DIR) || (demo ? './data-demo' : './data')
    ),
    staticDir: path.resolve(cwd, env.FIKA_STATIC_DIR || './build'),
    demo,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    sessionTtlMs: int(env, 'FIKA_SESSION_TTL_DAYS', 30, 1, 3650) * 24 * 3600 * 1000,
    sessionCheckMs: int(env, 'FIKA_SESSION_CHECK_MS', 2000, 100, 60000),
    cookieSecure: oneOf(env, 'FIKA_COOKIE_SECURE', 'auto', ['auto', 'always', 'never']),
    trustProxy: proxies(env, 'FIKA_TRUST_PROXY'),
    allowedOrigins: (env.FIKA_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxMessageBytes: int(env, 'FIKA_MAX_MESSAGE_BYTES', Limits.maxMessageBytes, 1024, 256 * MiB),
    maxBufferedBytes: int(env, 'FIKA_MAX_BUFFERED_BYTES', Limits.maxBufferedBytes, 64 * 1024, 1024 * MiB),
    messagesPerSecond: int(env, 'FIKA_MESSAGES_PER_SECOND', Limits.messagesPerSecond, 1, 1_000_000),
    messageBurst: int(env, 'FIKA_MESSAGE_BURST', Limits.messageBurst, 1, 10_000_000),
    bytesPerSecond: int(env, 'FIKA_BYTES_PER_SECOND', Limits.bytesPerSecond, 1024, 1024 * MiB),
    bytesBurst: int(env, 'FIKA_BYTES_BURST', Limits.bytesBurst, 1024, 4096 * MiB),
    maxConnectionsPerPerson: int(
      env,
      'FIKA_MAX_CONNECTIONS_PER_PERSON',
      Limits.connectionsPerPerson,
      1,
      1_000_000
    ),
    commitDelayMs: int(env, 'FIKA_COMMIT_DELAY_MS', 0, 0, 1000),
    compactThreshold: int(env, 'FIKA_COMPACT_THRESHOLD', 500, 2, 1_000_000),
    compactQuietMs: int(env, 'FIKA_COMPACT_QUIET_MS', 1000, 0, 3_600_000),
    roomIdleMs: int(env, 'FIKA_ROOM_IDLE_MS', 10_000, 0, 24 * 3600 * 1000),
    sqliteSynchronous: oneOf(env, 'FIKA_SQLITE_SYNCHRONOUS', 'normal', ['full', 'normal']),
    checkpointMs: int(env, 'FIKA_CHECKPOINT_MS', 1000, 0, 3_600_000),
    journalDrainMs: int(env, 'FIKA_JOURNAL_DRAIN_MS', 100, 0, 10_000),
    loginMaxFailures: int(env, 'FIKA_LOGIN_MAX_FAILURES', 10, 1, 1000),
    loginWindowMs: int(env, 'FIKA_LOGIN_WINDOW_MINUTES', 15, 1, 24 * 60) * 60 * 1000,
    maxImageBytes: int(env, 'FIKA_MAX_IMAGE_BYTES', 10 * MiB, 1024, 256 * MiB),
    uploadBytesPerDay: int(env, 'FIKA_UPLOAD_BYTES_PER_DAY', 1024 * MiB, 1024, 1024 * 1024 * MiB),
    kioskPairingTtlMs: int(env, 'FIKA_KIOSK_PAIRING_MINUTES', 30, 1, 7 * 24 * 60) * 60 * 1000,
    metricsToken: secret(env, 'FIKA_METRICS_TOKEN')
  };
}
