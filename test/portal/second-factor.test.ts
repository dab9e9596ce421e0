// The second-factor module: TOTP codes (RFC 6238) with the time step each belongs to, the
// authenticator's otpauth address and QR code, and one-time recovery codes.
import { describe, expect, it } from 'vitest';
import {
  acceptedStep,
  codeAt,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  parseRecoveryCode,
  qrDataUrl,
  totpUri,
  verifyRecoveryCode,
  TOTP_PERIOD_SECONDS,
} from '../../portal/sign-in/second-factor.ts';

describe('TOTP (RFC 6238) and recovery codes', () => {
  it('a code is right within one step either side, and says which step it is', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const now = 1_700_000_000_000;
    const current = Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
    expect(acceptedStep(secret, codeAt(secret, now), now)).toBe(current);
    expect(acceptedStep(secret, codeAt(secret, now - 30_000), now)).toBe(current - 1);
    expect(acceptedStep(secret, codeAt(secret, now + 30_000), now)).toBe(current + 1);
    expect(acceptedStep(secret, codeAt(secret, now - 90_000), now)).toBeUndefined();
    expect(acceptedStep(secret, 'abcdef', now)).toBeUndefined();
    expect(acceptedStep(secret, '12345', now)).toBeUndefined();
  });

  it('the otpauth address and its QR code', async () => {
    const secret = newTotpSecret();
    expect(totpUri(secret, 't-staff', 'Azienda ULSS')).toBe(
      `otpauth://totp/Azienda%20ULSS:t-staff?issuer=Azienda%20ULSS&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(await qrDataUrl(totpUri(secret, 't-staff', 'x'))).toMatch(/^data:image\/png;base64,/);
  });

  it('recovery codes: distinct, typed loosely, checked against their hash', async () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes.map((c) => c.selector)).size).toBe(10);
    const code = codes[0]!;
    expect(code.code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(parseRecoveryCode(` ${code.code.toUpperCase()} `)).toEqual(code);
    expect(parseRecoveryCode('123456')).toBeUndefined();
    const hash = await hashRecoveryCode(code.code);
    expect(await verifyRecoveryCode(hash, code.code)).toBe(true);
    expect(await verifyRecoveryCode(hash, codes[1]!.code)).toBe(false);
  });
});
