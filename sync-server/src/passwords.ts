/**
 * Password hashing with scrypt (node:crypto), stored as a self-describing string:
 *
 *   scrypt$<N>$<r>$<p>$<saltB64>$<hashB64>
 *
 * The parameters travel with each hash so they can be raised later without invalidating stored
 * passwords (a hash made with older parameters still verifies; re-hash it on the next sign-in).
 * Passwords are NFC-normalised first, so "å" typed as one code point or as "a" + ring verifies
 * the same on every device.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions
) => Promise<Buffer>;

/** The lengths the API accepts for a new password (in characters). */
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../src/lib/model/org';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** The cost used for new hashes: about 50–100 ms and 32 MiB on a typical server core. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const KEY_BYTES = 64;
const SALT_BYTES = 16;

/**
 * Bounds on parameters read back from storage, so that a damaged or hostile stored string can
 * neither make verification trivially cheap nor exhaust memory.
 */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly that at N=2^15, r=8, so leave room. */
const maxmemFor = ({ N, r }: ScryptParams): number => 256 * N * r;

function encode(params: ScryptParams, salt: Buffer, hash: Buffer): string {
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

function parse(stored: string): Parsed | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, nRaw, rRaw, pRaw, saltRaw, hashRaw] = parts as [string, string, string, string, string, string];
  const N = Number(nRaw);
  const r = Number(rRaw);
  const p = Number(pRaw);
  if (!isPowerOfTwo(N) || N > MAX_N) return null;
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) return null;
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return null;
  if (!B64.test(saltRaw) || !B64.test(hashRaw)) return null;
  const salt = Buffer.from(saltRaw, 'base64');
  const hash = Buffer.from(hashRaw, 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 128) return null;
  return { params: { N, r, p }, salt, hash };
}

async function derive(
  password: string,
  salt: Buffer,
  keyBytes: number,
  params: ScryptParams
): Promise<Buffer> {
  return scrypt(password.normalize('NFC'), salt, keyBytes, { ...params, maxmem: maxmemFor(params) });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, params);
  return encode(params, salt, hash);
}

/**
 * True when `password` matches `stored`. A malformed stored string verifies nothing (false)
 * rather than throwing, so a damaged row cannot turn a sign-in into a server error.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return crypto.timingSafeEqual(candidate, parsed.hash);
}

/** True when a stored hash was made with weaker parameters than today's (worth re-hashing). */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  const { N, r, p } = parsed.params;
  return N < SCRYPT_PARAMS.N || r < SCRYPT_PARAMS.r || p < SCRYPT_PARAMS.p;
}

/**
 * A well-formed hash with today's parameters that no password matches in practice (an all-zero
 * key). Sign-in verifies against it when the email is unknown, so that an unknown email costs
 * the same scrypt as a wrong password and timing does not reveal which emails exist.
 */
export const DUMMY_HASH: string = encode(SCRYPT_PARAMS, Buffer.alloc(SALT_BYTES), Buffer.alloc(KEY_BYTES));
