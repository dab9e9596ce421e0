// What the portal hands the database to sign someone in (0052): never a verdict, always a proof the
// database checks itself. For a password or a recovery code, the Argon2id output of what the
// person typed, computed with the parameters and salt the database gives (the expensive hash
// stays here, in Node); the database compares its SHA-256 with the one it stored. For a TOTP
// code, the code itself and the key that opens the stored secret: the database decrypts the
// secret and checks the code (RFC 6238 in SQL).
import { hkdfSync } from 'node:crypto';
import { hashRaw, type Algorithm, type Version } from '@node-rs/argon2';

const PARAMS = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)$/;

/** The Argon2id output of `secret` for `params` (`$argon2id$v=19$m=…,t=…,p=…$salt`). */
export async function argon2Proof(params: string, secret: string): Promise<Buffer> {
  const m = PARAMS.exec(params);
  if (!m) throw new Error('the database gave Argon2id parameters in an unknown form');
  return hashRaw(secret, {
    // Const enums, which isolated modules cannot read: Argon2id, version 0x13.
    algorithm: 2 as Algorithm,
    version: 1 as Version,
    memoryCost: Number(m[1]),
    timeCost: Number(m[2]),
    parallelism: Number(m[3]),
    salt: Buffer.from(m[4]!, 'base64'),
    outputLen: 32,
  });
}

/**
 * The key that opens the stored TOTP secrets (pgcrypto, AES-256), derived from the portal's cookie
 * secret (HKDF-SHA-256, its own label): the same on every instance, never stored in the database.
 * A copy of the database alone holds no usable secret; changing QDP_PORTAL_COOKIE_SECRET means
 * every user enrols an authenticator again (after an administrator's reset).
 */
export function secondFactorKey(cookieSecret: string): string {
  return Buffer.from(
    hkdfSync('sha256', cookieSecret, 'qdp-portal', 'qdp-portal totp secrets v1', 32),
  ).toString('hex');
}
