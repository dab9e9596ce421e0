// The second factor of local (password) accounts: TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
// steps) and one-time recovery codes. The database checks codes itself (qdp.totp_step, each time
// step accepted once, 0052); here are the secret, the authenticator's address (otpauth) with its
// QR code drawn on the server as a data: image (the CSP allows img-src data:), the codes an
// authenticator shows (tests and the demo), and the recovery codes.
import { randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { hashPassword } from '../../core/passwords.ts';

// The parameters the authenticator's address announces; qdp.totp_step checks codes with the same
// (db/functions/access/totp_step.sql, one step either side of now).
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Recovery codes given at enrolment, each usable once. */
export const RECOVERY_CODE_COUNT = 10;

/** A new TOTP secret: 160 random bits (RFC 4226's recommended length). */
export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

/** A secret as bytes, or as the base32 text an authenticator app is given. */
function secretOf(secret: Buffer | string): Secret {
  return typeof secret === 'string'
    ? Secret.fromBase32(secret.replace(/\s+/g, ''))
    : new Secret({ buffer: Uint8Array.from(secret).buffer });
}

/** The secret as an authenticator app takes it typed by hand (base32). */
export function totpSecretText(secret: Buffer): string {
  return secretOf(secret).base32;
}

function totp(secret: Buffer | string, account: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label: account,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: secretOf(secret),
  });
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: Buffer, account: string, issuer: string): string {
  return totp(secret, account, issuer).toString();
}

/** The QR code of `uri` as a PNG data: URL. */
export function qrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}

/** The code an authenticator shows for `secret` at `time` (tests and the demo only). */
export function codeAt(secret: Buffer | string, time = Date.now()): string {
  return totp(secret, 'check', 'check').generate({ timestamp: time });
}

// Recovery codes: `selector-secret`, the selector (4 characters) finds the one stored row, the
// whole code is checked by the database against its Argon2id verifier (one hash per attempt).
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i
const RECOVERY_PATTERN = /^([a-z2-9]{4})-([a-z2-9]{4})-([a-z2-9]{4})-([a-z2-9]{4})$/;

export interface RecoveryCode {
  /** What the person writes down (shown once). */
  code: string;
  /** The first group, stored in clear to find the row. */
  selector: string;
}

function group(): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return out;
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): RecoveryCode[] {
  const codes = new Map<string, RecoveryCode>();
  while (codes.size < count) {
    const selector = group();
    if (!codes.has(selector)) {
      codes.set(selector, { selector, code: `${selector}-${group()}-${group()}-${group()}` });
    }
  }
  return [...codes.values()];
}

/** A typed recovery code, normalised (case, spaces), or undefined when it cannot be one. */
export function parseRecoveryCode(input: string): RecoveryCode | undefined {
  const code = input.trim().toLowerCase().replace(/\s+/g, '');
  const m = RECOVERY_PATTERN.exec(code);
  return m ? { code, selector: m[1]! } : undefined;
}

export function hashRecoveryCode(code: string): Promise<string> {
  return hashPassword(code);
}
