// The portal's database password, which Secrets Manager rotates (functions/rotate-database-secret):
// the pool asks for the password on every new connection, and when the database refuses it
// (SQLSTATE 28P01) the portal reads the settings secret again (QDP_PORTAL_SETTINGS_SECRET_ARN)
// and connects once more. Connections already open stay open: PostgreSQL checks a password only
// when a session starts. During a rotation the new password may already be the role's while
// AWSCURRENT still holds the old one (between its setSecret and finishSecret steps), so a refused
// AWSCURRENT is followed by AWSPENDING. Without the secret's ARN (local mode, tests) the URL's
// password is the only one and a refusal is an error as before. The password is never logged.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { connectionOptionsFor } from '../db/tls.ts';
import { PORTAL_ENV, PORTAL_SECRET_SETTINGS } from '../contracts/portal-deployment.ts';

/** SQLSTATE invalid_password: the role exists, the password is not (or no longer) its own. */
export const PASSWORD_REFUSED = '28P01';

/** Reads the database URL of one stage of the settings secret (undefined: no such version). */
export type SettingsReader = (stage: 'AWSCURRENT' | 'AWSPENDING') => Promise<string | undefined>;

/** The settings secret in Secrets Manager (the instance role may read it, infra/portal.ts). */
export function secretsManagerReader(
  secretArn: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): SettingsReader {
  return async (stage) => {
    let text: string | undefined;
    try {
      text = (
        await client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }))
      ).SecretString;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
    try {
      const url = (JSON.parse(text ?? '') as Record<string, unknown>)[
        PORTAL_SECRET_SETTINGS.databaseUrl
      ];
      return typeof url === 'string' ? url : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The password the pool logs in with, read again from the secret when it is refused. */
export class DatabaseLogin {
  private password: string;
  private readonly user: string;
  /** Counts the passwords taken; a refusal under an older one needs no new read. */
  private generation = 0;
  private refreshing: Promise<boolean> | undefined;

  constructor(
    databaseUrl: string,
    private readonly reader: SettingsReader | undefined,
  ) {
    const url = new URL(databaseUrl);
    this.user = url.username;
    this.password = decodeURIComponent(url.password);
  }

  /** The current password (pg calls this for each new connection). */
  current(): string {
    return this.password;
  }

  /** Which password the next connection uses (to tell a stale refusal from a fresh one). */
  version(): number {
    return this.generation;
  }

  /**
   * After the database refused the password of `refusedVersion`: true when another password is
   * now in use (taken by this call, or by a concurrent one since), false when the secret has
   * none other (or there is no secret to read).
   */
  async refresh(refusedVersion: number): Promise<boolean> {
    if (this.reader === undefined) return false;
    if (this.generation !== refusedVersion) return true;
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<boolean> {
    const refused = this.password;
    for (const stage of ['AWSCURRENT', 'AWSPENDING'] as const) {
      const text = await this.reader!(stage);
      if (text === undefined || !URL.canParse(text)) continue;
      const url = new URL(text);
      const password = decodeURIComponent(url.password);
      if (url.username === this.user && password !== '' && password !== refused) {
        this.password = password;
        this.generation += 1;
        return true;
      }
    }
    return false;
  }
}

function isPasswordRefused(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === PASSWORD_REFUSED;
}

type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  release: (release?: unknown) => void,
) => void;

/**
 * A pool whose connections take the password from `login`, and which connects once more with the
 * password read again from the secret when the database refuses the one it had.
 */
export class RotatingPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly login: DatabaseLogin,
  ) {
    super({ ...config, password: () => login.current() });
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const attempt = async (): Promise<pg.PoolClient> => {
      const version = this.login.version();
      try {
        return await super.connect();
      } catch (error) {
        if (!isPasswordRefused(error) || !(await this.login.refresh(version))) throw error;
        return super.connect();
      }
    };
    if (callback === undefined) return attempt();
    attempt().then(
      (client) => callback(undefined, client, (release) => client.release(release as never)),
      (error: unknown) => callback(error as Error, undefined, () => undefined),
    );
  }
}

/**
 * Pool options from the URL without its password (pg would let a connection string's password,
 * even an empty one, replace the pool's): `sslmode=verify-full` (what the deployment writes)
 * verifies against Amazon RDS's authorities too (db/tls.ts), `disable` (tests) is plain.
 */
export function loginOptions(databaseUrl: string): pg.PoolConfig {
  const options = connectionOptionsFor(databaseUrl);
  const url = new URL(options.connectionString ?? databaseUrl);
  const sslmode = url.searchParams.get('sslmode');
  if (options.ssl === undefined && sslmode !== 'disable') {
    throw new Error(
      `${PORTAL_ENV.databaseUrl}: with ${PORTAL_ENV.settingsSecretArn}, sslmode must be verify-full (or disable, for tests)`,
    );
  }
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: options.ssl ?? false,
  };
}

/**
 * The portal's pool. With the settings secret (`reader`): the password renewed on a rotation;
 * without it, the URL as it is (TLS as its sslmode says, db/tls.ts).
 */
export function portalPool(
  databaseUrl: string,
  reader: SettingsReader | undefined,
  options: pg.PoolConfig,
): pg.Pool {
  if (reader === undefined)
    return new pg.Pool({ ...connectionOptionsFor(databaseUrl), ...options });
  return new RotatingPool(
    { ...loginOptions(databaseUrl), ...options },
    new DatabaseLogin(databaseUrl, reader),
  );
}
