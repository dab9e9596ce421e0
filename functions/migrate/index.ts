// Lambda entry point: applies the db/ migrations (bundled next to the handler) to Aurora and
// loads the municipalities, as `qdp db migrate` does. The component invokes it on every deploy.
// It connects with pg rather than the Data API: the runner holds a session-level advisory lock
// across one transaction per migration (concurrent runs wait, then find nothing to apply) and
// migrations hold several statements, neither of which the Data API offers.
// With the portal (QDP_PORTAL_SETTINGS_SECRET_ARN set) it then keeps the portal's database login
// and writes the portal's settings secret (portal-login.ts).
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { syncMunicipalities } from '../../core/municipalities.ts';
import { migrate, type MigrationResult } from '../../db/migrate.ts';
import { rdsTlsOptions } from '../../db/tls.ts';
import { log } from '../aws.ts';
import { parseEnvironment } from '../environment.ts';
import { z } from 'zod';
import {
  ensurePortalLogin,
  secretsManagerStore,
  type PortalLoginOutcome,
  type SettingsStore,
} from './portal-login.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';

const secretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

export interface MigrateOutcome extends MigrationResult {
  municipalities: number;
  inTerritory: number;
  /** What was done to the portal's login (no secret in it); absent without the portal. */
  portalLogin?: PortalLoginOutcome;
}

type MigrateEnvironment = ReturnType<typeof parseEnvironment<'migrate'>>;

/**
 * Migrations, municipalities and (given the portal's settings secret) the portal's login, on a
 * session as the master user. Logs and returns the outcome (the invocation's result, kept in the
 * Pulumi state): counts and names only, never a password.
 */
export async function runMigrate(
  client: pg.ClientBase,
  env: MigrateEnvironment,
  portalSettings?: SettingsStore,
): Promise<MigrateOutcome> {
  const result = await migrate(client);
  const territory = await syncMunicipalities(client, env[LAMBDA_ENV.territoryProvinces]);
  const outcome: MigrateOutcome = { ...result, ...territory };
  if (portalSettings !== undefined) {
    outcome.portalLogin = await ensurePortalLogin(client, portalSettings, {
      role: env[LAMBDA_ENV.portalLoginRole],
      host: env[LAMBDA_ENV.databaseHost],
      port: env[LAMBDA_ENV.databasePort],
      database: env[LAMBDA_ENV.databaseName],
      tls: env[LAMBDA_ENV.databaseTls],
    });
  }
  log({ function: 'migrate', ...outcome });
  return outcome;
}

/** The database credentials from the secret RDS manages (JSON with username and password). */
export async function credentials(secretArn: string): Promise<z.infer<typeof secretSchema>> {
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: secretArn }),
  );
  const parsed = secretSchema.safeParse(JSON.parse(secret.SecretString ?? '{}'));
  if (!parsed.success) {
    throw new Error(`secret ${secretArn} must be JSON with a username and a password`);
  }
  return parsed.data;
}

/** `verify-full`: Aurora's certificate and host name checked against RDS's authorities (db/tls.ts). */
export function tlsOptions(mode: 'verify-full' | 'disable'): false | pg.ConnectionConfig['ssl'] {
  return mode === 'disable' ? false : rdsTlsOptions();
}

export async function handler(): Promise<MigrateOutcome> {
  const env = parseEnvironment('migrate');
  const { username, password } = await credentials(env[LAMBDA_ENV.databaseSecretArn]);
  const portalSecret = env[LAMBDA_ENV.portalSettingsSecretArn];
  const client = new pg.Client({
    host: env[LAMBDA_ENV.databaseHost],
    port: env[LAMBDA_ENV.databasePort],
    database: env[LAMBDA_ENV.databaseName],
    user: username,
    password,
    ssl: tlsOptions(env[LAMBDA_ENV.databaseTls]),
  });
  await client.connect();
  try {
    return await runMigrate(
      client,
      env,
      portalSecret === undefined
        ? undefined
        : secretsManagerStore(new SecretsManagerClient({}), portalSecret),
    );
  } finally {
    await client.end();
  }
}
