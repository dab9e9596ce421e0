// The portal's database login in AWS, kept by the migrate function on every run it makes (it has
// the master credentials and a session in the VPC): a login role that is a member of qdp_portal
// (NOINHERIT: db/migrations/0010), with a password that lives only in the portal's settings secret
// (the JSON of PORTAL_SECRET_SETTINGS that the instances' boot script reads, infra/portal.ts).
// - The secret is the source of truth: a password it already holds for this role is kept and set
//   again on the role (a restored snapshot or a hand-made change converges back); only when it
//   holds none is one generated. Nothing rotates on a deploy.
// - The password never leaves this module in clear except into the secret: the role's password
//   is set as a SCRAM-SHA-256 verifier computed here (so PostgreSQL's statement log, exported to
//   CloudWatch, never sees it), and the outcome says only what was done.
// - The cookie secret the portal signs with is generated once, when the secret has none.
import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type pg from 'pg';
import { keepPortalLoginRole } from '../../db/portal-login.ts';
import { PORTAL_SECRET_SETTINGS } from '../../contracts/portal-deployment.ts';

export { scramVerifier, SCRAM_ITERATIONS } from '../../db/portal-login.ts';

/** The secret's JSON object, or undefined while it has no value. */
export interface SettingsStore {
  read(): Promise<Record<string, unknown> | undefined>;
  write(settings: Record<string, unknown>): Promise<void>;
}

export interface PortalLoginTarget {
  /** The login role to keep (functions/environment.ts PORTAL_LOGIN_ROLE in AWS). */
  role: string;
  /** Where the portal connects: the writer endpoint, its port and the database. */
  host: string;
  port: number;
  database: string;
  /** The `sslmode` of the URL (Aurora enforces TLS: `verify-full` there). */
  tls: 'verify-full' | 'disable';
}

export interface PortalLoginOutcome {
  role: string;
  /** `generated` when the secret held no password for the role, else `kept`. */
  password: 'generated' | 'kept';
  /** `written` when the secret got a new version, `unchanged` when it already held these settings. */
  settings: 'written' | 'unchanged';
}

/** Generated passwords: 24 random bytes, URL-safe (no escaping in the URL, ASCII for SCRAM). */
const PASSWORD_BYTES = 24;
/** The cookie secret: 32 random bytes (portal/config.ts asks for at least 32 characters). */
const COOKIE_SECRET_BYTES = 32;
/** Passwords kept as they are: printable ASCII, where SASLprep changes nothing. */
const KEEPABLE_PASSWORD = /^[\x21-\x7e]{16,}$/;
/** Serialises concurrent runs on the role (CREATE ROLE has no IF NOT EXISTS). */
const LOCK_KEY = 'qdp:portal-login';

/** The password the secret holds for `role`, when it holds a usable one. */
function keptPassword(settings: Record<string, unknown>, role: string): string | undefined {
  const url = settings[PORTAL_SECRET_SETTINGS.databaseUrl];
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (decodeURIComponent(parsed.username) !== role) return undefined;
  const password = decodeURIComponent(parsed.password);
  return KEEPABLE_PASSWORD.test(password) ? password : undefined;
}

/** The portal's QDP_PORTAL_DATABASE_URL. */
export function portalDatabaseUrl(target: PortalLoginTarget, password: string): string {
  const url = new URL('postgres://localhost');
  url.hostname = target.host;
  url.port = String(target.port);
  url.username = target.role;
  url.password = password;
  url.pathname = `/${encodeURIComponent(target.database)}`;
  url.searchParams.set('sslmode', target.tls);
  return url.toString();
}

/**
 * Creates the login role if missing, sets its password (the secret's, or a new one), makes it a
 * member of qdp_portal, then writes the portal's settings into the secret when they changed.
 * `client` is a session as the master user, after the migrations.
 */
export async function ensurePortalLogin(
  client: pg.ClientBase,
  store: SettingsStore,
  target: PortalLoginTarget,
): Promise<PortalLoginOutcome> {
  // One run at a time from reading the secret to writing it (the lock ends with the
  // transaction): a concurrent run then finds the password this one wrote and keeps it.
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
    const current = (await store.read()) ?? {};
    const kept = keptPassword(current, target.role);
    const password = kept ?? randomBytes(PASSWORD_BYTES).toString('base64url');
    await keepPortalLoginRole(client, target.role, password);

    const cookieSecret = current[PORTAL_SECRET_SETTINGS.cookieSecret];
    const next: Record<string, unknown> = {
      ...current,
      [PORTAL_SECRET_SETTINGS.databaseUrl]: portalDatabaseUrl(target, password),
      [PORTAL_SECRET_SETTINGS.cookieSecret]:
        typeof cookieSecret === 'string' && cookieSecret.length >= COOKIE_SECRET_BYTES
          ? cookieSecret
          : randomBytes(COOKIE_SECRET_BYTES).toString('base64url'),
    };
    const changed = Object.keys(next).some((key) => next[key] !== current[key]);
    // Written before the commit: if the write fails, the role keeps its old password.
    if (changed) await store.write(next);
    await client.query('commit');
    return {
      role: target.role,
      password: kept === undefined ? 'generated' : 'kept',
      settings: changed ? 'written' : 'unchanged',
    };
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

/**
 * The portal's settings secret in Secrets Manager. A secret created without a value (as the
 * component creates it) reads as undefined. Errors never quote the secret's content.
 */
export function secretsManagerStore(
  client: SecretsManagerClient,
  secretArn: string,
): SettingsStore {
  return {
    async read() {
      let text: string | undefined;
      try {
        const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
        text = secret.SecretString;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
      if (text === undefined || text.trim() === '') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(
          `portal settings secret ${secretArn}: its value must be a JSON object (${Object.values(PORTAL_SECRET_SETTINGS).join(', ')})`,
        );
      }
      return parsed as Record<string, unknown>;
    },
    async write(settings) {
      await client.send(
        new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(settings) }),
      );
    },
  };
}
