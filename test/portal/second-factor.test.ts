// The second-factor module and the sign-in proofs: TOTP codes (RFC 6238) as an authenticator shows
// them, the authenticator's otpauth address and QR code, one-time recovery codes, the Argon2id
// proof the database compares with its verifier, and the key of the stored TOTP secrets.
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { argon2Proof, secondFactorKey } from '../../portal/sign-in/proof.ts';
import {
  codeAt,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  parseRecoveryCode,
  qrDataUrl,
  totpSecretText,
  totpUri,
} from '../../portal/sign-in/second-factor.ts';

describe('TOTP (RFC 6238) and recovery codes', () => {
  it('the RFC 6238 test vector (SHA-1, 59 s), from bytes and from the base32 text', () => {
    const secret = Buffer.from('12345678901234567890');
    // RFC 6238 appendix B: 94287082 at T = 59 s; six digits are its last six.
    expect(codeAt(secret, 59_000)).toBe('287082');
    expect(codeAt(totpSecretText(secret), 59_000)).toBe('287082');
    const fresh = newTotpSecret();
    expect(fresh).toHaveLength(20);
    expect(totpSecretText(fresh)).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('the otpauth address and its QR code', async () => {
    const secret = newTotpSecret();
    expect(totpUri(secret, 't-staff', 'Azienda ULSS')).toBe(
      `otpauth://totp/Azienda%20ULSS:t-staff?issuer=Azienda%20ULSS&secret=${totpSecretText(secret)}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(await qrDataUrl(totpUri(secret, 't-staff', 'x'))).toMatch(/^data:image\/png;base64,/);
  });

  it('recovery codes: distinct, typed loosely, hashed with Argon2id', async () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((c) => c.selector)).size).toBe(10);
    const code = codes[0]!;
    expect(code.code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(parseRecoveryCode(` ${code.code.toUpperCase()} `)).toEqual(code);
    expect(parseRecoveryCode('123456')).toBeUndefined();
    expect(await hashRecoveryCode(code.code)).toMatch(/^\$argon2id\$v=19\$/);
  });
});

describe('sign-in proofs', () => {
  it('the proof of a secret is the output of its Argon2id hash, computed from the parameters and salt', async () => {
    const hash = await hashPassword('a password of the test');
    const params = hash.slice(0, hash.lastIndexOf('$'));
    const output = Buffer.from(hash.slice(hash.lastIndexOf('$') + 1), 'base64');
    expect(await argon2Proof(params, 'a password of the test')).toEqual(output);
    expect(await argon2Proof(params, 'another password')).not.toEqual(output);
    await expect(argon2Proof('$argon2i$v=19$m=1,t=1,p=1$c2FsdHNhbHQ', 'x')).rejects.toThrow(
      'the database gave Argon2id parameters in an unknown form',
    );
  });

  it('the key of the stored TOTP secrets: 256 bits, one per cookie secret', () => {
    const key = secondFactorKey('a'.repeat(32));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(secondFactorKey('a'.repeat(32))).toBe(key);
    expect(secondFactorKey('b'.repeat(32))).not.toBe(key);
  });
});
