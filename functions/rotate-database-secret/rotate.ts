// Secrets Manager's rotation of the portal's database password (the single-user strategy AWS
// documents for a login that may change its own password): the settings secret's
// QDP_PORTAL_DATABASE_URL holds the portal's login role and password; each rotation gives the
// role a new password, the other keys of the secret (the cookie secret, the identity provider's
// client secret) are carried over unchanged. Secrets Manager calls the four steps in order with
// the same ClientRequestToken (the new version's id); each step may be called again after a
// failure or a time-out, so each finds out what is done already and does only the rest:
// - createSecret: the new version (AWSPENDING, id = token) with a generated password, unless it
//   exists;
// - setSecret: the role's password becomes the pending one, logging in with the pending password
//   first (already set: nothing to do), else the current one, else the previous one; set as a
//   SCRAM-SHA-256 verifier, so PostgreSQL's statement log never sees the password;
// - testSecret: logs in with the pending password;
// - finishSecret: AWSCURRENT moves to the new version (AWSPREVIOUS follows the old one).
// Between setSecret and finishSecret a new connection with the current password is refused: the
// portal then reads AWSCURRENT and AWSPENDING again (portal/database-login.ts). Nothing here logs
// or returns a password.
import { randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { scramVerifier } from '../../db/portal-login.ts';
import { connectionOptionsFor } from '../../db/tls.ts';
import { PORTAL_SECRET_SETTINGS } from '../../contracts/portal-deployment.ts';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What Secrets Manager sends the rotation function. */
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: RotationStep;
}

/** What a step did (logged and returned; never a secret). */
export interface RotationOutcome {
  step: RotationStep;
  secretId: string;
  version: string;
  outcome:
    | 'created'
    | 'pending exists'
    | 'password set'
    | 'password already set'
    | 'tested'
    | 'finished'
    | 'already current';
}

/** Generated passwords: 24 random bytes, URL-safe (as the migrate function makes them). */
export const PASSWORD_BYTES = 24;
/** How long a login attempt may take before the step fails (and Secrets Manager retries it). */
export const LOGIN_TIMEOUT_MS = 10_000;

/** A login was refused: wrong password (SQLSTATE 28P01) or no such role (28000). */
export function isLoginRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '28P01' || code === '28000';
}

export class RotationError extends Error {}

export interface RotationDeps {
  secrets: SecretsManagerClient;
  /** Logs in with a database URL and runs `fn` on the session. */
  withLogin?: <T>(url: string, fn: (client: pg.Client) => Promise<T>) => Promise<T>;
  newPassword?: () => string;
}

/** Logs in with the URL (TLS as its sslmode says: verify-full against RDS's authorities). */
export async function withLogin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    ...connectionOptionsFor(url),
    connectionTimeoutMillis: LOGIN_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The settings of one version of the secret (a JSON object), or undefined when there is none. */
async function readVersion(
  secrets: SecretsManagerClient,
  secretId: string,
  select: { VersionId?: string; VersionStage?: string },
): Promise<Record<string, unknown> | undefined> {
  let text: string | undefined;
  try {
    text = (await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...select })))
      .SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RotationError(
      `secret ${secretId} (${select.VersionStage ?? select.VersionId}): its value must be a JSON object with ${PORTAL_SECRET_SETTINGS.databaseUrl}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The database URL of a version: a postgres URL naming a role and a password. */
function databaseUrl(settings: Record<string, unknown>, where: string): URL {
  const text = settings[PORTAL_SECRET_SETTINGS.databaseUrl];
  const url = typeof text === 'string' && URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || !/^postgres(ql)?:$/.test(url.protocol) || !url.username) {
    throw new RotationError(
      `${where}: ${PORTAL_SECRET_SETTINGS.databaseUrl} must be a postgres:// URL with the login role and its password`,
    );
  }
  return url;
}

/** The same login (role, host, port, database) with another password? */
function sameLogin(a: URL, b: URL): boolean {
  return a.username === b.username && a.host === b.host && a.pathname === b.pathname;
}

/** Runs one step of the rotation for the version `ClientRequestToken`. */
export async function rotateStep(
  event: RotationEvent,
  deps: RotationDeps,
): Promise<RotationOutcome> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  if (!(ROTATION_STEPS as readonly string[]).includes(step)) {
    throw new RotationError(`unknown step "${String(step)}": one of ${ROTATION_STEPS.join(', ')}`);
  }
  const { secrets } = deps;
  const login = deps.withLogin ?? withLogin;
  const done = (outcome: RotationOutcome['outcome']): RotationOutcome => ({
    step,
    secretId,
    version: token,
    outcome,
  });

  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (described.RotationEnabled !== true) {
    throw new RotationError(`secret ${secretId}: rotation is not enabled`);
  }
  const versions = described.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (stages?.includes('AWSCURRENT')) return done('already current');
  if (stages !== undefined && !stages.includes('AWSPENDING')) {
    throw new RotationError(
      `secret ${secretId}: version ${token} is not pending rotation (stages ${stages.join(', ')})`,
    );
  }
  if (stages === undefined && step !== 'createSecret') {
    throw new RotationError(`secret ${secretId}: no version ${token} (createSecret first)`);
  }

  const current = await readVersion(secrets, secretId, { VersionStage: 'AWSCURRENT' });
  if (current === undefined) throw new RotationError(`secret ${secretId}: no current value`);
  const currentUrl = databaseUrl(current, `secret ${secretId} (AWSCURRENT)`);

  if (step === 'createSecret') {
    if ((await readVersion(secrets, secretId, { VersionId: token })) !== undefined) {
      return done('pending exists');
    }
    const next = new URL(currentUrl);
    next.password = (
      deps.newPassword ?? (() => randomBytes(PASSWORD_BYTES).toString('base64url'))
    )();
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify({
          ...current,
          [PORTAL_SECRET_SETTINGS.databaseUrl]: next.toString(),
        }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    return done('created');
  }

  const pending = await readVersion(secrets, secretId, {
    VersionId: token,
    VersionStage: 'AWSPENDING',
  });
  if (pending === undefined) throw new RotationError(`secret ${secretId}: no pending value`);
  const pendingUrl = databaseUrl(pending, `secret ${secretId} (AWSPENDING)`);
  if (!sameLogin(pendingUrl, currentUrl)) {
    throw new RotationError(
      `secret ${secretId}: the pending version names another role, host or database than the current one`,
    );
  }

  if (step === 'setSecret') {
    if (await loginWorks(login, pendingUrl)) return done('password already set');
    const previous = await readVersion(secrets, secretId, { VersionStage: 'AWSPREVIOUS' });
    const candidates = [currentUrl];
    if (previous !== undefined) {
      const previousUrl = databaseUrl(previous, `secret ${secretId} (AWSPREVIOUS)`);
      if (sameLogin(previousUrl, currentUrl)) candidates.push(previousUrl);
    }
    const password = decodeURIComponent(pendingUrl.password);
    for (const candidate of candidates) {
      const changed = await login(candidate.toString(), async (client) => {
        await client.query(
          `alter role ${client.escapeIdentifier(decodeURIComponent(candidate.username))} password ${client.escapeLiteral(scramVerifier(password))}`,
        );
        return true;
      }).catch((error: unknown) => {
        if (isLoginRefused(error)) return false;
        throw error;
      });
      if (changed) return done('password set');
    }
    throw new RotationError(
      `secret ${secretId}: the database refused the current and the previous password of ${decodeURIComponent(currentUrl.username)}`,
    );
  }

  if (step === 'testSecret') {
    const role = await login(pendingUrl.toString(), async (client) => {
      const { rows } = await client.query<{ role: string }>('select current_user as role');
      return rows[0]?.role;
    });
    if (role !== decodeURIComponent(pendingUrl.username)) {
      throw new RotationError(`secret ${secretId}: the pending login is not its role`);
    }
    return done('tested');
  }

  // finishSecret
  const currentVersion = Object.entries(versions).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
  await secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      ...(currentVersion === undefined ? {} : { RemoveFromVersionId: currentVersion }),
    }),
  );
  return done('finished');
}

/** Whether the URL logs in (a refused login is false; any other failure is thrown). */
async function loginWorks(
  login: NonNullable<RotationDeps['withLogin']>,
  url: URL,
): Promise<boolean> {
  try {
    return await login(url.toString(), async () => true);
  } catch (error) {
    if (isLoginRefused(error)) return false;
    throw error;
  }
}
