// Lambda entry point: applies the db/ migrations (bundled next to the handler) to Aurora and
// loads the municipalities, as `qdp db migrate` does. The component invokes it on every deploy.
// It connects with pg rather than the Data API: the runner holds a session-level advisory lock
// across one transaction per migration (concurrent runs wait, then find nothing to apply) and
// migrations hold several statements, neither of which the Data API offers.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { existsSync, readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import pg from 'pg';
import { syncMunicipalities } from '../../core/municipalities.ts';
import { migrate, type MigrationResult } from '../../db/migrate.ts';
import { log } from '../aws.ts';
import { ENV, parseEnvironment } from '../environment.ts';
import { z } from 'zod';

const secretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

export interface MigrateOutcome extends MigrationResult {
  municipalities: number;
  inTerritory: number;
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

/**
 * The Lambda Node.js runtimes keep the Amazon RDS certificate authorities in this bundle but, from
 * Node.js 20 on, do not load it by default: it is added to Node's roots so that `verify-full`
 * checks Aurora's certificate without NODE_EXTRA_CA_CERTS.
 */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export function tlsOptions(
  mode: 'verify-full' | 'disable',
  caBundle = LAMBDA_CA_BUNDLE,
): false | { rejectUnauthorized: true; ca?: string[] } {
  if (mode === 'disable') return false;
  if (!existsSync(caBundle)) return { rejectUnauthorized: true };
  return { rejectUnauthorized: true, ca: [...rootCertificates, readFileSync(caBundle, 'utf8')] };
}

export async function handler(): Promise<MigrateOutcome> {
  const env = parseEnvironment('migrate');
  const { username, password } = await credentials(env[ENV.databaseSecretArn]);
  const client = new pg.Client({
    host: env[ENV.databaseHost],
    port: env[ENV.databasePort],
    database: env[ENV.databaseName],
    user: username,
    password,
    ssl: tlsOptions(env[ENV.databaseTls]),
  });
  await client.connect();
  try {
    const result = await migrate(client);
    const territory = await syncMunicipalities(client, env[ENV.territoryProvinces]);
    const outcome = { ...result, ...territory };
    log({ function: 'migrate', ...outcome });
    return outcome;
  } finally {
    await client.end();
  }
}
