// The second factor of local (password) accounts: TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
// steps, through otpauth) and one-time recovery codes. Which time step a code belongs to is
// returned so that the database accepts each step once (a code is never accepted twice); the
// QR code is drawn here, on the server, as a data: image (the CSP allows img-src data:).
import { randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { hashPassword, verifyPassword } from '../../core/passwords.ts';

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps either side of now accepted, for a phone's clock a little off (RFC 6238 §5.2). */
export const TOTP_WINDOW = 1;
/** Recovery codes given at enrolment, each usable once. */
export const RECOVERY_CODE_COUNT = 10;

/** A new TOTP secret: 160 random bits (RFC 4226's recommended length), base32 for the app. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, account: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label: account,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: string, account: string, issuer: string): string {
  return totp(secret, account, issuer).toString();
}

/** The QR code of `uri` as a PNG data: URL. */
export function qrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}

/**
 * The time step `code` belongs to when it is right for `secret` at `now` (within TOTP_WINDOW),
 * otherwise undefined. The caller lets the database accept it only if no later or equal step was
 * accepted before.
 */
export function acceptedStep(secret: string, code: string, now = Date.now()): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(token)) return undefined;
  const generator = totp(secret, 'check', 'check');
  const delta = generator.validate({ token, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return generator.counter({ timestamp: now }) + delta;
}

/** The code an authenticator shows for `secret` at `time` (tests and the demo only). */
export function codeAt(secret: string, time = Date.now()): string {
  return totp(secret, 'check', 'check').generate({ timestamp: time });
}

// Recovery codes: `selector-secret`, the selector (4 characters) finds the one stored row, the
// whole code is checked against its Argon2id hash (one hash per attempt, not one per code).
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

export function verifyRecoveryCode(hash: string, code: string): Promise<boolean> {
  return verifyPassword(hash, code).catch(() => false);
}

/** A stand-in secret so that a refused step takes the same path whether a factor exists or not. */
export function unusedSecret(): string {
  return new Secret({ buffer: randomBytes(20).buffer }).base32;
}
