// The rotation of the portal's database password, end to end: the rotation function's four steps
// against MiniStack's Secrets Manager (started by the test, test/emulator/emulator.ts) and the
// test's real PostgreSQL, in the order Secrets Manager calls them, each called twice (a retry
// changes nothing); after the rotation the old password is refused and the new one works. And the
// portal: a pool that still has the old password connects again by reading the secret, during the
// rotation (AWSPENDING) and after it (AWSCURRENT), and the real server answers its health check.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepPortalLoginRole } from '../../db/portal-login.ts';
import { handler } from '../../functions/rotate-database-secret/index.ts';
import {
  rotateStep,
  ROTATION_STEPS,
  type RotationOutcome,
  type RotationStep,
} from '../../functions/rotate-database-secret/rotate.ts';
import { portalDatabaseUrl } from '../../functions/migrate/portal-login.ts';
import { loadPortalConfig } from '../../portal/config.ts';
import { DatabaseLogin, portalPool, secretsManagerReader } from '../../portal/database-login.ts';
import { startPortal } from '../../portal/main.ts';
import { CREDENTIALS, REGION, startEmulator, type Emulator } from '../emulator/emulator.ts';
import { newRotation } from '../emulator/support.ts';
import { createTestDatabase, dropTestRoles, type TestDatabase } from '../support/database.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';
import { PORTAL_SECRET_SETTINGS } from '../../contracts/portal-deployment.ts';

let emulator: Emulator;
let secrets: SecretsManagerClient;
let db: TestDatabase;
const roles: string[] = [];
const S = PORTAL_SECRET_SETTINGS;

beforeAll(async () => {
  [emulator, db] = await Promise.all([startEmulator({}), createTestDatabase()]);
  secrets = new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
}, 120_000);

afterAll(async () => {
  await db?.drop();
  await dropTestRoles(roles);
  await emulator?.stop();
});

/** A portal login role with a password, and its URL as the migrate function writes it. */
async function portalLogin(): Promise<{ role: string; url: string }> {
  const role = `qdp_test_rotate_${randomBytes(4).toString('hex')}`;
  roles.push(role);
  const password = randomBytes(24).toString('base64url');
  const admin = await db.pool.connect();
  try {
    await keepPortalLoginRole(admin, role, password);
  } finally {
    admin.release();
  }
  const at = new URL(db.url);
  const url = portalDatabaseUrl(
    {
      role,
      host: at.hostname,
      port: Number(at.port || 5432),
      database: at.pathname.slice(1),
      tls: 'disable',
    },
    password,
  );
  return { role, url };
}

/** The settings secret as the component and the migrate function leave it, rotation enabled. */
async function settingsSecret(url: string): Promise<string> {
  const created = await secrets.send(
    new CreateSecretCommand({
      Name: `qdp-test-portal-${randomBytes(4).toString('hex')}`,
      SecretString: JSON.stringify({
        [S.databaseUrl]: url,
        [S.cookieSecret]: 'c'.repeat(43),
        [S.oidcClientSecret]: 'the-provider-gave-this',
      }),
    }),
  );
  // What aws.secretsmanager.SecretRotation does; MiniStack only records it (it calls no function).
  await secrets.send(new RotateSecretCommand({ SecretId: created.ARN! }));
  return created.ARN!;
}

async function logsIn(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<{ u: string }>('select current_user as u')).rows[0]!.u;
  } catch (error) {
    return `refused ${(error as { code?: string }).code}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function value(secretId: string, select: { VersionStage?: string; VersionId?: string }) {
  const got = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...select }));
  return JSON.parse(got.SecretString!) as Record<string, string>;
}

/** Everything a step could change: the secret's versions, their values, the role's verifier. */
async function state(secretId: string, role: string) {
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const versions = described.VersionIdsToStages ?? {};
  const values: Record<string, unknown> = {};
  for (const id of Object.keys(versions)) values[id] = await value(secretId, { VersionId: id });
  const verifier = await db.pool.query<{ p: string }>(
    'select rolpassword as p from pg_catalog.pg_authid where rolname = $1',
    [role],
  );
  return { versions, values, verifier: verifier.rows[0]!.p };
}

function step(secretId: string, token: string, name: RotationStep): Promise<RotationOutcome> {
  return rotateStep({ SecretId: secretId, ClientRequestToken: token, Step: name }, { secrets });
}

describe('rotate-database-secret', () => {
  it('rotates the password in four steps, each idempotent: the old one is refused, the new one works, the other settings kept', async () => {
    const { role, url } = await portalLogin();
    const secretId = await settingsSecret(url);
    const token = await newRotation(secrets, secretId);
    const outcomes: string[] = [];
    for (const name of ROTATION_STEPS) {
      outcomes.push((await step(secretId, token, name)).outcome);
      const before = await state(secretId, role);
      outcomes.push((await step(secretId, token, name)).outcome);
      expect(await state(secretId, role)).toEqual(before);
    }
    expect(outcomes).toEqual([
      'created',
      'pending exists',
      'password set',
      'password already set',
      'tested',
      'tested',
      'finished',
      'already current',
    ]);
    const current = await value(secretId, { VersionStage: 'AWSCURRENT' });
    const newUrl = new URL(current[S.databaseUrl]!);
    const oldUrl = new URL(url);
    expect(newUrl.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newUrl.password).not.toBe(oldUrl.password);
    newUrl.password = oldUrl.password;
    expect(newUrl.toString()).toBe(url);
    expect(current).toEqual({
      [S.databaseUrl]: current[S.databaseUrl],
      [S.cookieSecret]: 'c'.repeat(43),
      [S.oidcClientSecret]: 'the-provider-gave-this',
    });
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
    expect(described.VersionIdsToStages?.[token]).toContain('AWSCURRENT');
    expect((await value(secretId, { VersionStage: 'AWSPREVIOUS' }))[S.databaseUrl]).toBe(url);
    expect(await logsIn(url)).toBe('refused 28P01');
    expect(await logsIn(current[S.databaseUrl]!)).toBe(role);
  }, 60_000);

  it('a second rotation after the first; a version that is not pending, another secret and a disabled rotation are refused', async () => {
    const { role, url } = await portalLogin();
    const secretId = await settingsSecret(url);
    const passwords: string[] = [];
    for (let i = 0; i < 2; i++) {
      const token = await newRotation(secrets, secretId);
      for (const name of ROTATION_STEPS) await step(secretId, token, name);
      passwords.push(
        new URL((await value(secretId, { VersionStage: 'AWSCURRENT' }))[S.databaseUrl]!).password,
      );
    }
    expect(new Set([new URL(url).password, ...passwords]).size).toBe(3);
    const current = (await value(secretId, { VersionStage: 'AWSCURRENT' }))[S.databaseUrl]!;
    expect(await logsIn(current)).toBe(role);

    const previous = (
      await secrets.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }),
      )
    ).VersionId!;
    await expect(step(secretId, randomUUID(), 'setSecret')).rejects.toThrow(
      /^secret arn:aws:secretsmanager:.*: no version [0-9a-f-]{36} \(createSecret first\)$/,
    );
    await expect(step(secretId, previous, 'setSecret')).rejects.toThrow(
      `secret ${secretId}: version ${previous} is not pending rotation (stages AWSPREVIOUS)`,
    );
    const plain = await secrets.send(
      new CreateSecretCommand({
        Name: `qdp-test-plain-${randomBytes(4).toString('hex')}`,
        SecretString: '{}',
      }),
    );
    await expect(step(plain.ARN!, randomUUID(), 'createSecret')).rejects.toThrow(
      `secret ${plain.ARN!}: rotation is not enabled`,
    );
    const env = process.env;
    process.env = { ...env, [LAMBDA_ENV.portalSettingsSecretArn]: secretId };
    try {
      await expect(
        handler({ SecretId: plain.ARN!, ClientRequestToken: randomUUID(), Step: 'createSecret' }),
      ).rejects.toThrow(`rotate-database-secret: rotates ${secretId} only, not ${plain.ARN!}`);
    } finally {
      process.env = env;
    }
  }, 60_000);
});

describe('the portal during and after a rotation', () => {
  it('connects again with the password it reads from the secret: AWSPENDING during the rotation, AWSCURRENT after it', async () => {
    const { role, url } = await portalLogin();
    const secretId = await settingsSecret(url);
    const reader = secretsManagerReader(secretId, secrets);
    const token = await newRotation(secrets, secretId);
    await step(secretId, token, 'createSecret');
    await step(secretId, token, 'setSecret');
    // An instance booted before the rotation: the old password in its environment.
    const during = portalPool(url, reader, { max: 2 });
    const plain = portalPool(url, undefined, { max: 2 });
    try {
      const who = await during.query<{ u: string }>('select current_user as u');
      expect(who.rows[0]!.u).toBe(role);
      await expect(plain.query('select 1')).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await Promise.all([during.end(), plain.end()]);
    }
    await step(secretId, token, 'testSecret');
    await step(secretId, token, 'finishSecret');

    // After it: the real server with the old URL and the secret's ARN answers its health check,
    // with several connections opened at once (one read of the secret serves them all).
    const config = loadPortalConfig({
      QDP_PORTAL_DATABASE_URL: url,
      QDP_PORTAL_COOKIE_SECRET: 'c'.repeat(43),
      QDP_PORTAL_PORT: '0',
      QDP_PORTAL_SECURE_COOKIES: 'false',
      QDP_PORTAL_SETTINGS_SECRET_ARN: secretId,
    });
    expect(config.settingsSecretArn).toBe(secretId);
    const endpoint = process.env.AWS_ENDPOINT_URL;
    const keys = [
      process.env.AWS_ACCESS_KEY_ID,
      process.env.AWS_SECRET_ACCESS_KEY,
      process.env.AWS_REGION,
    ];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    });
    const portal = await startPortal(config);
    try {
      const answers = await Promise.all(
        [1, 2, 3].map(async () => (await fetch(new URL('/healthz', portal.url))).status),
      );
      expect(answers).toEqual([200, 200, 200]);
    } finally {
      await portal.close();
      const restore = {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: keys[0],
        AWS_SECRET_ACCESS_KEY: keys[1],
        AWS_REGION: keys[2],
      };
      for (const [key, old] of Object.entries(restore)) {
        if (old === undefined) delete process.env[key];
        else process.env[key] = old;
      }
    }
  }, 60_000);

  it('reads the secret once for concurrent refusals, and gives up when the secret holds no other password', async () => {
    const reads: string[] = [];
    const login = new DatabaseLogin('postgres://r:old@h:5432/d', async (stage) => {
      reads.push(stage);
      return stage === 'AWSCURRENT' ? 'postgres://r:new@h:5432/d' : undefined;
    });
    const version = login.version();
    expect(await Promise.all([login.refresh(version), login.refresh(version)])).toEqual([
      true,
      true,
    ]);
    expect([reads, login.current(), await login.refresh(version)]).toEqual([
      ['AWSCURRENT'],
      'new',
      true,
    ]);
    const stale = new DatabaseLogin(
      'postgres://r:same@h:5432/d',
      async () => 'postgres://r:same@h:5432/d',
    );
    expect(await stale.refresh(stale.version())).toBe(false);
    expect(await new DatabaseLogin('postgres://r:x@h/d', undefined).refresh(0)).toBe(false);
  });
});
