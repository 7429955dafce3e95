import { describe, expect, it } from 'vitest';
import {
  DUMMY_HASH,
  SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  verifyPassword
} from '../../sync-server/src/passwords';

describe('passwords', () => {
  it('hashes into a self-describing string that verifies', async () => {
    const stored = await hashPassword('en lång lösenfras');
    const parts = stored.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(64);
    expect(await verifyPassword('en lång lösenfras', stored)).toBe(true);
    expect(await verifyPassword('en lång lösenfraS', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats NFC and NFD spellings of a password alike', async () => {
    const stored = await hashPassword('Malm\u00f6 kaffe 2026', { N: 2 ** 10, r: 8, p: 1 });
    expect(await verifyPassword('Malmo\u0308 kaffe 2026', stored)).toBe(true);
  });

  it('verifies hashes made with other parameters and flags them for re-hashing', async () => {
    const weak = await hashPassword('old password', { N: 2 ** 10, r: 8, p: 1 });
    expect(weak.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('old password', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
  });

  it('refuses malformed or hostile stored strings without throwing', async () => {
    const good = await hashPassword('x'.repeat(12), { N: 2 ** 10, r: 8, p: 1 });
    const [, , r, p, salt, hash] = good.split('$');
    const bad = [
      '',
      'bcrypt$2b$10$abc',
      `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${hash}`, // N too large (memory)
      `scrypt$1024$99$${p}$${salt}$${hash}`,
      `scrypt$1024$${r}$${p}$${salt}$not base64!`,
      `scrypt$1024$${r}$${p}$${salt}`
    ];
    for (const stored of bad) expect(await verifyPassword('x'.repeat(12), stored)).toBe(false);
  });

  it('has a dummy hash with today’s parameters that matches nothing', async () => {
    expect(DUMMY_HASH.startsWith(`scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`)).toBe(
      true
    );
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
    expect(await verifyPassword('fika-demo', DUMMY_HASH)).toBe(false);
  });
});
