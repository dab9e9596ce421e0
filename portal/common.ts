// What the server and its pages share (kept apart from server.ts, which imports the pages).
import { createHash, randomBytes } from 'node:crypto';
import type { PortalConfig } from './config.ts';
import type { Language, MessageKey } from './i18n.ts';

/** Passwords shorter than this are refused (change and reset). */
export const PASSWORD_MIN_LENGTH = 12;

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly messageKey: MessageKey,
    readonly detail?: string,
  ) {
    super(messageKey);
  }
}

export function sessionCookieName(config: PortalConfig): string {
  return config.secureCookies ? '__Host-qdp_session' : 'qdp_session';
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function formatDateTime(value: Date, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'it' ? 'it-IT' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Europe/Rome',
  }).format(value);
}

/** The calendar day of a pg `date` (parsed by pg as local midnight) as yyyy-mm-dd. */
export function isoDay(value: unknown): string {
  if (value instanceof Date) {
    const y = value.getFullYear();
    const m = String(value.getMonth() + 1).padStart(2, '0');
    const d = String(value.getDate()).padStart(2, '0');
    return `${y}-${m}-${d}`;
  }
  return value === null || value === undefined ? '' : String(value);
}

export function formatDate(value: string | Date | null | undefined, lang: Language): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? isoDay(value) : String(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return text;
  return lang === 'it' ? `${m[3]}/${m[2]}/${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
}
