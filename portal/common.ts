// What the portal's plugins, routes and queries share: HTTP errors, session tokens, dates, sealing.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  randomFillSync,
} from 'node:crypto';
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

// One formatter per language: building an Intl.DateTimeFormat costs ~60 µs, a page needs one.
const DATE_TIME_FORMATS: Record<Language, Intl.DateTimeFormat> = {
  it: new Intl.DateTimeFormat('it-IT', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Europe/Rome',
  }),
  en: new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Europe/Rome',
  }),
};

export function formatDateTime(value: Date, lang: Language): string {
  return DATE_TIME_FORMATS[lang].format(value);
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

/**
 * What a sealed URL value stands for; a value sealed for one purpose never opens for another
 * (a list search cannot be replayed as a patient link).
 */
export type SealPurpose = 'patient' | 'list-search' | 'audit-filter' | 'access-report';

/** Longer sealed values are refused unread (a 100-character search seals to about 170). */
export const SEALED_MAX_LENGTH = 1024;

const SEAL_IV_BYTES = 12;
const SEAL_TAG_BYTES = 16;

// IVs drawn from the system's CSPRNG a few hundred at a time: one call per IV cost as much as the
// encryption itself, and a list page seals one link per row. Each slice is used once.
const ivPool = Buffer.alloc(SEAL_IV_BYTES * 256);
let ivPoolOffset = ivPool.length;

function freshIv(): Buffer {
  if (ivPoolOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivPoolOffset = 0;
  }
  // A copy: the pool is refilled in place later.
  return Buffer.from(ivPool.subarray(ivPoolOffset, (ivPoolOffset += SEAL_IV_BYTES)));
}

/**
 * Personal data (fiscal codes, names, usernames) that must travel in a URL, sealed for one
 * session: AES-256-GCM under a key derived by HKDF-SHA-256 from QDP_PORTAL_COOKIE_SECRET (the same
 * on every instance behind the load balancer) with the SHA-256 of the session's token as salt, and
 * the purpose as associated data. A load balancer's access log, a browser history or a proxy sees
 * only random-looking text; the same value seals differently every time (random IV), so logs do
 * not even show that two links name the same person. Links stay links within the session's life:
 * under another session, or altered by one bit, a value does not open (`open` answers undefined,
 * and the page answers 404 or 400 naming nothing). One key per session also keeps each key's
 * use far below GCM's limit for random IVs.
 */
export class SessionSeal {
  private readonly key: Buffer;

  constructor(cookieSecret: string, sessionToken: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', cookieSecret, tokenHash(sessionToken), 'qdp-portal url seal v1', 32),
    );
  }

  seal(purpose: SealPurpose, plaintext: string): string {
    const iv = freshIv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: SEAL_TAG_BYTES });
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The sealed text, or undefined when the value was not sealed for this session and purpose. */
  open(purpose: SealPurpose, sealed: string): string | undefined {
    if (sealed.length > SEALED_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= SEAL_IV_BYTES + SEAL_TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, SEAL_IV_BYTES), {
      authTagLength: SEAL_TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(raw.subarray(raw.length - SEAL_TAG_BYTES));
    try {
      const body = raw.subarray(SEAL_IV_BYTES, raw.length - SEAL_TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

// The seals of recent sessions, by the token's SHA-256 (never the token itself): deriving the key
// with HKDF cost a list page about 1 % of the portal's CPU, twice a page (profiled under load,
// bench/README.md). Bounded: cleared when full, as the viewer guesses are (plugins/session.ts).
const SEALS_MAX = 10_000;
const recentSeals = new WeakMap<PortalConfig, Map<string, SessionSeal>>();

/** The request's seal; a request without a session token has none (its session ended). */
export function sessionSeal(config: PortalConfig, sessionToken: string | undefined): SessionSeal {
  if (sessionToken === undefined) throw new HttpError(401, 'sessionEnded');
  const key = tokenHash(sessionToken).toString('hex');
  let seals = recentSeals.get(config);
  if (!seals) recentSeals.set(config, (seals = new Map()));
  let seal = seals.get(key);
  if (!seal) {
    if (seals.size >= SEALS_MAX) seals.clear();
    seal = new SessionSeal(config.cookieSecret, sessionToken);
    seals.set(key, seal);
  }
  return seal;
}

/** The query parameter that carries a page's sealed filters. */
export const SEALED_PARAM = 'sealed';

/** The 400's detail when a sealed value does not open: it names nothing the value held. */
export const SEALED_REFUSED =
  'sealed: this link was altered or belongs to an earlier session; search again with the form';
