// End to end against the AWS emulator (MiniStack, or AWS_ENDPOINT_URL): the emulator is
// provisioned from the component's recorded resources with the real function bundles; files
// arrive by S3 and by OpenSSH's sftp; the functions talk to the real test PostgreSQL through the
// Data API endpoint of test/support/data-api.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importMessage, type ImportSummary } from '../../core/messages.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { minimalArgs } from '../infra/fixtures.ts';
import type { Recorded } from '../infra/mocks.ts';
import { startDataApi, type DataApiServer } from '../support/data-api/server.ts';
import { adminUrl } from '../support/database.ts';
import { ACCOUNT_ID, CREDENTIALS, REGION, ROOT, startEmulator, type Emulator } from './emulator.ts';
import { startGlueRecorder, type GlueRecorder } from './glue-recorder.ts';
import { provision, recordPlatform, type Provisioned } from './provision.ts';
import {
  emptyDatabase,
  eventually,
  newRotation,
  sshKeyPair,
  subscriberQueue,
  type KeyPair,
} from './support.ts';
import { FIELDS } from '../../contracts/daily-file.ts';
import { STAGED_LINE_NUMBER_COLUMN, WORKFLOW_RUN_PROPERTIES } from '../../contracts/glue.ts';
import { DEADLINE_METRIC, LAMBDA_ENV } from '../../contracts/lambda.ts';
import {
  PORTAL_SECRET_SETTINGS,
  PORTAL_WRITTEN_SECRET_SETTINGS,
} from '../../contracts/portal-deployment.ts';

const PLATFORM = 'veneto';
/** A smaller size limit than the contract's 512 MiB, so that an oversized file is quick to send. */
const TEST_MAX_FILE_BYTES = 200_000;

let emulator: Emulator;
let dataApi: DataApiServer;
let glue: GlueRecorder;
let database: Awaited<ReturnType<typeof emptyDatabase>>;
let pool: pg.Pool;
let resources: Recorded[];
let platform: Provisioned;
let regione: KeyPair;
let ops: KeyPair;
let work: string;
let clusterArn: string;
/** The portal's settings secret in the emulator, and the login role migrate keeps (cluster-wide: one per run). */
let portalSecretArn: string;
const PORTAL_LOGIN = `qdp_test_portal_${process.pid}_${Date.now() % 100000}`;
/** The first import (giorno 1.csv), once on-upload has registered it. */
let first: { id: number; status: string; workflow_run_id: string };
let events: EventBridgeClient;
let glueClient: GlueClient;
let cloudwatch: CloudWatchClient;
const config = () => ({ endpoint: emulator.endpoint, region: REGION, credentials: CREDENTIALS });
let s3: S3Client;
let lambda: LambdaClient;
let success: Awaited<ReturnType<typeof subscriberQueue>>;
let failure: Awaited<ReturnType<typeof subscriberQueue>>;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'qdp-emulator-'));
  database = await emptyDatabase(adminUrl());
  dataApi = await startDataApi();
  glue = await startGlueRecorder(() => emulator.endpoint);
  emulator = await startEmulator({});
  regione = sshKeyPair('regione@test');
  ops = sshKeyPair('ops@test');
  resources = await recordPlatform(PLATFORM, {
    ...minimalArgs,
    sftpUsers: [
      { userName: 'regione-veneto', sshPublicKeys: [regione.publicKey] },
      { userName: 'ulss9-ops', sshPublicKeys: [ops.publicKey] },
    ],
  });
  const onUpload = resources.find(
    (r) =>
      r.type === 'aws:lambda/function:Function' && r.inputs['name'] === `${PLATFORM}-on-upload`,
  );
  clusterArn = (onUpload?.inputs['environment'] as { variables: Record<string, string> }).variables[
    LAMBDA_ENV.databaseClusterArn
  ] as string;
  dataApi.addCluster(clusterArn, database.url);
  // The migrate function connects with pg (a session): to the test server, credentials in a
  // secret of the emulator.
  const admin = new URL(adminUrl());
  const secrets = new SecretsManagerClient(config());
  const secret = await secrets.send(
    new CreateSecretCommand({
      Name: `${PLATFORM}-test-database`,
      SecretString: JSON.stringify({
        username: decodeURIComponent(admin.username),
        password: decodeURIComponent(admin.password) || 'unused',
      }),
    }),
  );
  // The portal's settings secret as the component creates it: no value until migrate writes one.
  const portalSecret = await secrets.send(
    new CreateSecretCommand({ Name: `${PLATFORM}-portal`, Description: 'portal settings' }),
  );
  portalSecretArn = portalSecret.ARN as string;
  secrets.destroy();
  // Only what points at Aurora changes: the emulator reaches the test PostgreSQL instead.
  const throughDataApi = {
    [LAMBDA_ENV.databaseName]: database.name,
    AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
    AWS_ENDPOINT_URL_GLUE: glue.url,
  };
  platform = await provision(resources, emulator.endpoint, {
    'on-upload': { ...throughDataApi, [LAMBDA_ENV.maxFileBytes]: String(TEST_MAX_FILE_BYTES) },
    notify: throughDataApi,
    migrate: {
      [LAMBDA_ENV.databaseHost]: admin.hostname,
      [LAMBDA_ENV.databasePort]: admin.port || '5432',
      [LAMBDA_ENV.databaseName]: database.name,
      [LAMBDA_ENV.databaseTls]: 'disable',
      [LAMBDA_ENV.databaseSecretArn]: secret.ARN as string,
      // The component sets the portal's secret (the recorded ARN is the mocks'): the emulator's.
      [LAMBDA_ENV.portalSettingsSecretArn]: portalSecretArn,
      [LAMBDA_ENV.portalLoginRole]: PORTAL_LOGIN,
    },
    'rotate-database-secret': { [LAMBDA_ENV.portalSettingsSecretArn]: portalSecretArn },
  });
  s3 = new S3Client({ ...config(), forcePathStyle: true });
  lambda = new LambdaClient(config());
  const sns = new SNSClient(config());
  const sqs = new SQSClient(config());
  success = await subscriberQueue(sqs, sns, platform.topics.success, 'test-etl-success');
  failure = await subscriberQueue(sqs, sns, platform.topics.failure, 'test-etl-failure');
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  events = new EventBridgeClient(config());
  glueClient = new GlueClient(config());
  cloudwatch = new CloudWatchClient(config());
}, 240_000);

afterAll(async () => {
  s3?.destroy();
  lambda?.destroy();
  events?.destroy();
  glueClient?.destroy();
  cloudwatch?.destroy();
  await pool?.end();
  await emulator?.stop();
  await glue?.close();
  await dataApi?.close();
  await database?.drop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`drop role if exists ${PORTAL_LOGIN}`);
  } finally {
    await admin.end();
  }
});

async function invoke(functionName: string, payload: unknown): Promise<unknown> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  const text = Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8');
  if (result.FunctionError) throw new Error(`${functionName} failed: ${text}`);
  return JSON.parse(text) as unknown;
}

async function summary(id: number): Promise<ImportSummary> {
  const { rows } = await pool.query('select qdp.import_summary($1) as s', [id]);
  return rows[0].s as ImportSummary;
}

async function importOf(sourceName: string) {
  const { rows } = await pool.query(
    'select id::int, status, workflow_run_id from qdp.imports where source_name = $1 order by id',
    [sourceName],
  );
  return rows as { id: number; status: string; workflow_run_id: string | null }[];
}

async function objectText(key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: platform.bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

function synthetic(name: string, rows: number, seed: string, format: 'csv' | 'xlsx' = 'csv') {
  const file = path.join(work, name);
  return writeSyntheticDailyFile({ rows, seed, format, outFile: file, badRowShare: 0 }).then(
    () => file,
  );
}

describe('provisioning from the component', () => {
  it('creates what the emulator supports and names the rest', () => {
    expect(platform.functions).toEqual({
      'on-upload': `${PLATFORM}-on-upload`,
      notify: `${PLATFORM}-notify`,
      migrate: `${PLATFORM}-migrate`,
      'rotate-database-secret': `${PLATFORM}-rotate-database-secret`,
    });
    expect(platform.users).toEqual({
      'regione-veneto': [{ entry: '/', target: `/${platform.bucket}/inbox/regione-veneto` }],
      'ulss9-ops': [{ entry: '/', target: `/${platform.bucket}/inbox/ulss9-ops` }],
    });
    expect(platform.workflowName).toBe(`${PLATFORM}-import`);
  });

  it('the migrate function applies every migration once; concurrent runs apply nothing twice', async () => {
    const first = (await invoke(platform.functions.migrate, {})) as {
      applied: string[];
      portalLogin: unknown;
    };
    expect(first.applied.length).toBeGreaterThan(5);
    expect(first.portalLogin).toEqual({
      role: PORTAL_LOGIN,
      password: 'generated',
      settings: 'written',
    });
    const again = (await Promise.all([
      invoke(platform.functions.migrate, {}),
      invoke(platform.functions.migrate, {}),
    ])) as { applied: string[]; alreadyApplied: number }[];
    expect(again.map((r) => r.applied)).toEqual([[], []]);
    expect(again.map((r) => r.alreadyApplied)).toEqual([
      first.applied.length,
      first.applied.length,
    ]);
    const { rows } = await pool.query(
      'select count(*)::int as n from qdp.municipalities where in_territory',
    );
    expect(rows[0].n).toBeGreaterThan(90); // the province of Verona: 98 municipalities
  }, 120_000);

  it('migrate keeps the portal login: the secret holds a URL that logs in, kept by later runs, never returned', async () => {
    // The runs of the test above made it; one more run keeps it.
    const again = (await invoke(platform.functions.migrate, {})) as {
      portalLogin: { role: string; password: string; settings: string };
    };
    expect(again.portalLogin).toEqual({
      role: PORTAL_LOGIN,
      password: 'kept',
      settings: 'unchanged',
    });
    const secrets = new SecretsManagerClient(config());
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: portalSecretArn }));
    secrets.destroy();
    const settings = JSON.parse(value.SecretString ?? '{}') as Record<string, string>;
    expect(Object.keys(settings).sort()).toEqual([...PORTAL_WRITTEN_SECRET_SETTINGS].sort());
    const url = new URL(settings[PORTAL_SECRET_SETTINGS.databaseUrl]!);
    expect([url.username, url.pathname, url.searchParams.get('sslmode')]).toEqual([
      PORTAL_LOGIN,
      `/${database.name}`,
      'disable',
    ]);
    expect(JSON.stringify(again)).not.toContain(url.password);
    expect(JSON.stringify(again)).not.toContain(settings[PORTAL_SECRET_SETTINGS.cookieSecret]);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query(
        "select current_user as who, pg_has_role(current_user, 'qdp_portal', 'member') as member",
      );
      expect(rows).toEqual([{ who: PORTAL_LOGIN, member: true }]);
      await expect(client.query('select 1 from qdp.patients limit 1')).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  }, 120_000);
});

describe("the portal's database password, rotated by Secrets Manager", () => {
  it('the deployed rotation function runs the four steps: a new password that logs in, the old one refused; migrate then keeps it', async () => {
    const secrets = new SecretsManagerClient(config());
    try {
      const before = await secrets.send(new GetSecretValueCommand({ SecretId: portalSecretArn }));
      const oldUrl = JSON.parse(before.SecretString ?? '{}')[PORTAL_SECRET_SETTINGS.databaseUrl];
      // What aws.secretsmanager.SecretRotation turns on (MiniStack records it and calls no
      // function; AWS would then call the function with a new version id, as below).
      await secrets.send(new RotateSecretCommand({ SecretId: portalSecretArn }));
      const token = await newRotation(secrets, portalSecretArn);
      const outcomes: unknown[] = [];
      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        outcomes.push(
          await invoke(platform.functions['rotate-database-secret'], {
            SecretId: portalSecretArn,
            ClientRequestToken: token,
            Step: step,
          }),
        );
      }
      expect(outcomes.map((o) => (o as { outcome: string }).outcome)).toEqual([
        'created',
        'password set',
        'tested',
        'finished',
      ]);
      const after = await secrets.send(new GetSecretValueCommand({ SecretId: portalSecretArn }));
      const newUrl = JSON.parse(after.SecretString ?? '{}')[PORTAL_SECRET_SETTINGS.databaseUrl];
      expect([after.VersionId, newUrl === oldUrl]).toEqual([token, false]);
      expect(JSON.stringify(outcomes)).not.toContain(new URL(newUrl).password);
      const who = async (url: string) => {
        const client = new pg.Client({ connectionString: url });
        try {
          await client.connect();
          return (await client.query('select current_user as u')).rows[0].u as string;
        } catch (error) {
          return `refused ${(error as { code?: string }).code}`;
        } finally {
          await client.end().catch(() => undefined);
        }
      };
      expect([await who(newUrl), await who(oldUrl)]).toEqual([PORTAL_LOGIN, 'refused 28P01']);
      // A deploy's migrate run keeps the rotated password (the secret is the source of truth).
      const again = (await invoke(platform.functions.migrate, {})) as { portalLogin: unknown };
      expect(again.portalLogin).toEqual({
        role: PORTAL_LOGIN,
        password: 'kept',
        settings: 'unchanged',
      });
      expect(await who(newUrl)).toBe(PORTAL_LOGIN);
    } finally {
      secrets.destroy();
    }
  }, 120_000);
});

describe('a daily file put in the inbox', () => {
  it('is registered, staged and handed to the Glue workflow with the run properties', async () => {
    const file = await synthetic('giorno 1.csv', 30, 'emulator-1');
    await s3.send(
      new PutObjectCommand({
        Bucket: platform.bucket,
        Key: 'inbox/regione-veneto/giorno 1.csv',
        Body: readFileSync(file),
      }),
    );
    const [registered] = await eventually('the import of giorno 1.csv', async () => {
      const rows = await importOf('regione-veneto/giorno 1.csv');
      return rows.length > 0 && rows[0]?.workflow_run_id ? rows : undefined;
    });
    expect(registered?.status).toBe('loading');
    const started = glue.calls.filter((c) => c.operation === 'StartWorkflowRun');
    expect(started).toEqual([
      {
        operation: 'StartWorkflowRun',
        body: {
          Name: platform.workflowName,
          RunProperties: {
            [WORKFLOW_RUN_PROPERTIES.importId]: String(registered?.id),
            [WORKFLOW_RUN_PROPERTIES.stagedBucket]: platform.bucket,
            [WORKFLOW_RUN_PROPERTIES.stagedKey]: `staging/${registered?.id}/giorno 1.csv`,
            [WORKFLOW_RUN_PROPERTIES.sourceName]: 'regione-veneto/giorno 1.csv',
          },
        },
      },
    ]);
    const staged = await objectText(`staging/${registered?.id}/giorno 1.csv`);
    expect(staged.split('\r\n')[0]).toBe(
      [STAGED_LINE_NUMBER_COLUMN, ...FIELDS.map((f) => f.header)].join(','),
    );
    first = registered as { id: number; status: string; workflow_run_id: string };
    expect(staged.split('\r\n')).toHaveLength(1 + 30 + 1);
  }, 60_000);
});

/** The python of the Glue test environment (scripts/glue-venv.sh provisions it). */
function gluePython(): string {
  const made = spawnSync('bash', [path.join(ROOT, 'scripts/glue-venv.sh')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`scripts/glue-venv.sh failed: ${made.stderr}`);
  return made.stdout.trim().split('\n').pop() as string;
}

/** The Glue import job's logic on a local Spark (glue/run_local.py), on the staged object of an import. */
function runGlueImport(stagedKey: string, importId: number, stagedText: string): unknown {
  const file = path.join(work, `staged-${importId}.csv`);
  writeFileSync(file, stagedText);
  const run = spawnSync(
    gluePython(),
    [
      path.join(ROOT, 'glue/run_local.py'),
      'import',
      '--staged',
      file,
      '--import-id',
      String(importId),
      '--database-url',
      database.url,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  if (run.status !== 0) throw new Error(`the Glue import of ${stagedKey} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as unknown;
}

/** A Glue job state-change event for a run the emulator knows, as EventBridge delivers it. */
async function jobEvent(workflowRunId: string, state: string, message: string) {
  const run = await glueClient.send(
    new StartJobRunCommand({
      JobName: platform.importJobName,
      // What Glue passes a job started by a workflow trigger.
      Arguments: { '--WORKFLOW_NAME': platform.workflowName, '--WORKFLOW_RUN_ID': workflowRunId },
    }),
  );
  return {
    version: '0',
    id: `event-${run.JobRunId}`,
    'detail-type': 'Glue Job State Change',
    source: 'aws.glue',
    account: ACCOUNT_ID,
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {
      jobName: platform.importJobName,
      severity: state === 'SUCCEEDED' ? 'INFO' : 'ERROR',
      state,
      jobRunId: run.JobRunId,
      message,
    },
  };
}

/** The rules whose recorded pattern matches the event, with their targets. */
async function matchingRules(event: unknown): Promise<{ name: string; targets: string[] }[]> {
  const matched: { name: string; targets: string[] }[] = [];
  for (const rule of platform.rules) {
    if (!rule.eventPattern) continue;
    const { Result } = await events.send(
      new TestEventPatternCommand({
        EventPattern: rule.eventPattern,
        Event: JSON.stringify(event),
      }),
    );
    if (Result) matched.push({ name: rule.name, targets: rule.targets });
  }
  return matched;
}

const notifyArn = () =>
  `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${platform.functions.notify}`;

async function deadlineMetric(): Promise<number[]> {
  const now = Date.now();
  const { Datapoints } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: DEADLINE_METRIC.namespace,
      MetricName: DEADLINE_METRIC.name,
      Dimensions: [{ Name: DEADLINE_METRIC.dimension, Value: PLATFORM }],
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 60_000),
      Period: 60,
      Statistics: ['Maximum', 'SampleCount'],
    }),
  );
  return (Datapoints ?? [])
    .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0))
    .map((d) => d.Maximum ?? Number.NaN);
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: platform.bucket, Key: key, Body: body }));
}

async function registered(sourceName: string, count = 1) {
  return eventually(`import ${count} of ${sourceName}`, async () => {
    const rows = await importOf(sourceName);
    return rows.length >= count && rows[count - 1]?.status !== 'loading' ? rows : undefined;
  });
}

describe('the import, finished by the Glue job logic', () => {
  it('publishes; the job SUCCEEDED event reaches notify and ETL_Success gets the message', async () => {
    const stagedKey = `staging/${first.id}/giorno 1.csv`;
    expect(runGlueImport(stagedKey, first.id, await objectText(stagedKey))).toEqual({
      importId: first.id,
      status: 'published',
      rowsWritten: 30,
    });
    const event = await jobEvent(first.workflow_run_id, 'SUCCEEDED', 'Job run succeeded');
    expect(await matchingRules(event)).toEqual([
      { name: `${PLATFORM}-glue-jobs-succeeded`, targets: [notifyArn()] },
    ]);
    expect(await invoke(platform.functions.notify, event)).toEqual({
      kind: 'job',
      imports: [{ importId: first.id, status: 'published', topic: 'ETL_Success' }],
    });
    const expected = importMessage(await summary(first.id));
    expect(expected.text.split('\n')[0]).toBe(
      `Import ${first.id} of regione-veneto/giorno 1.csv is published: it is now the latest data.`,
    );
    expect(await success.receive(1)).toEqual([
      { subject: expected.subject, message: expected.text },
    ]);
    expect(await deadlineMetric()).toEqual([0]);
  }, 300_000);

  it('the same bytes again become a duplicate, told to ETL_Failure', async () => {
    await put(
      'inbox/regione-veneto/giorno 1 bis.csv',
      readFileSync(path.join(work, 'giorno 1.csv')),
    );
    const [again] = await registered('regione-veneto/giorno 1 bis.csv');
    expect(again?.status).toBe('duplicate');
    expect(await failure.receive(1)).toEqual([
      {
        subject: `Import ${again?.id} duplicate: regione-veneto/giorno 1 bis.csv`,
        message: [
          `Import ${again?.id} of regione-veneto/giorno 1 bis.csv is a duplicate of import ${first.id}: nothing changed.`,
          'What to do: Nothing changed: the same file was already imported. If the Region meant to send a new file, ask for it.',
        ].join('\n'),
      },
    ]);
  }, 60_000);
});

describe('a daily file sent with OpenSSH sftp', () => {
  function sftp(key: KeyPair, user: string, commands: string[]) {
    const batch = path.join(work, `sftp-${user}-${Date.now()}.txt`);
    writeFileSync(batch, `${commands.join('\n')}\n`);
    return spawnSync(
      'sftp',
      [
        '-i',
        key.privateKeyFile,
        '-P',
        String(emulator.sftpPort),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-b',
        batch,
        `${user}@127.0.0.1`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  }

  it('lands in the user home under inbox/, never outside it, and is imported', async () => {
    if (emulator.sftpPort === undefined) {
      throw new Error(
        'the SFTP test needs the MiniStack this suite starts (unset AWS_ENDPOINT_URL)',
      );
    }
    const file = await synthetic('giorno 2.csv', 25, 'emulator-2');
    // A leading - lets the batch go on after a refused command.
    const run = sftp(regione, 'regione-veneto', [
      `put "${file}" "giorno 2.csv"`,
      `-put "${file}" ../ulss9-ops/intruso.csv`,
      `-put "${file}" /../../staging/intruso.csv`,
      'ls',
    ]);
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    const keys =
      (
        await s3.send(new ListObjectsV2Command({ Bucket: platform.bucket, Prefix: '' }))
      ).Contents?.map((o) => o.Key as string) ?? [];
    // Nothing of regione-veneto's outside its home: no intruder file anywhere else, nothing in
    // another user's home.
    expect(
      keys.filter((k) => k.includes('intruso') && !k.startsWith('inbox/regione-veneto/')),
    ).toEqual([]);
    expect(
      keys.filter((k) => k.startsWith('inbox/') && !k.startsWith('inbox/regione-veneto/')),
    ).toEqual([]);
    expect(keys).toContain('inbox/regione-veneto/giorno 2.csv');
    // The attempts to leave the home directory were written inside it.
    expect(keys.filter((k) => k.includes('intruso'))).toEqual([
      'inbox/regione-veneto/staging/intruso.csv',
      'inbox/regione-veneto/ulss9-ops/intruso.csv',
    ]);
    // MiniStack 1.5.33 writes SFTP uploads to S3 without an ObjectCreated notification (AWS and
    // LocalStack send one): copying the object onto itself makes the emulator send it.
    if (emulator.kind === 'ministack') {
      await s3.send(
        new CopyObjectCommand({
          Bucket: platform.bucket,
          Key: 'inbox/regione-veneto/giorno 2.csv',
          CopySource: `${platform.bucket}/inbox/regione-veneto/giorno%202.csv`,
          MetadataDirective: 'REPLACE',
        }),
      );
    }
    const imports = await eventually('the import of giorno 2.csv', async () => {
      const rows = await importOf('regione-veneto/giorno 2.csv');
      return rows[0]?.workflow_run_id ? rows : undefined;
    });
    expect(imports.map((r) => r.status)).toEqual(['loading']);
    // S3 delivers at least once, with the key URL-encoded as AWS does: a second delivery while
    // the import is in flight registers nothing and starts nothing; each record of a batch is
    // handled on its own.
    const startedBefore = glue.calls.filter((c) => c.operation === 'StartWorkflowRun').length;
    expect(
      await invoke(platform.functions['on-upload'], {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: platform.bucket },
              object: { key: 'inbox/regione-veneto/giorno+2.csv', size: 1 },
            },
          },
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: {
              bucket: { name: platform.bucket },
              object: { key: 'inbox/regione-veneto/note.txt', size: 1 },
            },
          },
        ],
      }),
    ).toEqual({
      records: [
        {
          bucket: platform.bucket,
          key: 'inbox/regione-veneto/giorno 2.csv',
          status: 'in_progress',
          importId: imports[0]?.id,
        },
        { bucket: platform.bucket, key: 'inbox/regione-veneto/note.txt', status: 'ignored' },
      ],
    });
    expect(glue.calls.filter((c) => c.operation === 'StartWorkflowRun')).toHaveLength(
      startedBefore,
    );
    expect((await importOf('regione-veneto/giorno 2.csv')).length).toBe(1);
  }, 120_000);
});

describe('failures end in ETL_Failure', () => {
  it('a corrupt xlsx is rejected', async () => {
    await put('inbox/regione-veneto/rotto.xlsx', 'PK\u0003\u0004 not really a zip');
    const [row] = await registered('regione-veneto/rotto.xlsx');
    expect(row?.status).toBe('rejected');
    const expected = importMessage(await summary(row!.id));
    expect(expected.subject).toBe(`Import ${row?.id} rejected: regione-veneto/rotto.xlsx`);
    expect(expected.text.split('\n')[1]).toMatch(/^Reason: not a readable xlsx file: /);
    expect(await failure.receive(1)).toEqual([
      { subject: expected.subject, message: expected.text },
    ]);
  }, 60_000);

  it('a file over the size limit is rejected without being read', async () => {
    await put('inbox/regione-veneto/enorme.csv', 'x'.repeat(TEST_MAX_FILE_BYTES + 1));
    const [row] = await registered('regione-veneto/enorme.csv');
    expect(await failure.receive(1)).toEqual([
      {
        subject: `Import ${row?.id} rejected: regione-veneto/enorme.csv`,
        message: [
          `Import ${row?.id} of regione-veneto/enorme.csv was rejected.`,
          `Reason: the file has ${TEST_MAX_FILE_BYTES + 1} bytes, more than the limit of ${TEST_MAX_FILE_BYTES} bytes`,
          `What to do: The latest published data is unchanged. Correct the file and upload it again; the rejects report (qdp rejects ${row?.id}) says what is wrong.`,
        ].join('\n'),
      },
    ]);
  }, 60_000);

  it('a header without the required columns is rejected', async () => {
    await put('inbox/regione-veneto/colonne.csv', 'CODICE_FISCALE;COGNOME;NOME\nX;Y;Z\n');
    const [row] = await registered('regione-veneto/colonne.csv');
    const [message] = await failure.receive(1);
    expect(message?.message.split('\n').slice(0, 2)).toEqual([
      `Import ${row?.id} of regione-veneto/colonne.csv was rejected.`,
      'Reason: missing required columns: SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, MOTIVO, DATA_INIZIO, DATA_FINE (found: CODICE_FISCALE, COGNOME, NOME)',
    ]);
  }, 60_000);

  it('a file in the inbox that is not a daily file: ETL_Failure names it and what is accepted', async () => {
    await put('inbox/regione-veneto/elenco.pdf', '%PDF-1.7 not a daily file');
    expect(await failure.receive(1)).toEqual([
      {
        subject: 'Upload regione-veneto/elenco.pdf is not a daily file',
        message: [
          'The file regione-veneto/elenco.pdf was uploaded to the inbox but is not a daily file, so it was not imported.',
          'Accepted: a file whose name ends in .csv or .xlsx (in any letter case).',
          'What to do: The latest published data is unchanged. Upload the daily file again as CSV or Excel with one of those endings.',
        ].join('\n'),
      },
    ]);
    expect(await importOf('regione-veneto/elenco.pdf')).toEqual([]);
  }, 60_000);

  it('a daily file whose ending has another letter case (.Csv) triggers the import too', async () => {
    await put('inbox/regione-veneto/Colonne.Csv', 'CODICE_FISCALE;COGNOME\nX;Y\n');
    const [row] = await registered('regione-veneto/Colonne.Csv');
    expect(row?.status).toBe('rejected');
    const [message] = await failure.receive(1);
    expect(message?.subject).toBe(`Import ${row?.id} rejected: regione-veneto/Colonne.Csv`);
    expect(message?.message.split('\n')[1]).toMatch(/^Reason: missing required columns: /);
  }, 60_000);

  it('a Glue job that fails ends the import as failed', async () => {
    const file = await synthetic('giorno 3.csv', 10, 'emulator-3');
    await put('inbox/regione-veneto/giorno 3.csv', readFileSync(file));
    const run = await eventually('the workflow run of giorno 3.csv', async () => {
      const rows = await importOf('regione-veneto/giorno 3.csv');
      return rows[0]?.workflow_run_id ? rows[0] : undefined;
    });
    const event = await jobEvent(
      run.workflow_run_id as string,
      'FAILED',
      'OutOfMemoryError: Java heap space',
    );
    expect(await matchingRules(event)).toEqual([
      { name: `${PLATFORM}-glue-jobs-failed`, targets: [notifyArn()] },
    ]);
    await invoke(platform.functions.notify, event);
    expect(await failure.receive(1)).toEqual([
      {
        subject: `Import ${run.id} failed: regione-veneto/giorno 3.csv`,
        message: [
          `Import ${run.id} of regione-veneto/giorno 3.csv failed.`,
          `Reason: the Glue job ${platform.importJobName} ended FAILED: OutOfMemoryError: Java heap space`,
          'What to do: The latest published data is unchanged. The import did not complete: check the error, then upload the same file again (it is not treated as a duplicate).',
        ].join('\n'),
      },
    ]);
  }, 60_000);

  it('an unreachable database: nothing registered, the administrators are told', async () => {
    dataApi.addCluster(clusterArn, 'postgres://nobody:x@127.0.0.1:1/none');
    try {
      const file = await synthetic('giorno 4.csv', 10, 'emulator-4');
      await put('inbox/regione-veneto/giorno 4.csv', readFileSync(file));
      const [message] = await failure.receive(1);
      expect(message?.subject).toBe('Import of regione-veneto/giorno 4.csv failed');
      const lines = message?.message.split('\n') ?? [];
      expect(lines[0]).toBe(
        'The file regione-veneto/giorno 4.csv could not be registered for import.',
      );
      expect(lines[1]).toMatch(/^Reason: Database unavailable: /);
    } finally {
      dataApi.addCluster(clusterArn, database.url);
    }
    expect(await importOf('regione-veneto/giorno 4.csv')).toEqual([]);
  }, 60_000);
});

describe('the import deadline', () => {
  it('the schedule event puts the metric the alarm watches', async () => {
    const schedule = resources.find((r) => r.type === 'aws:scheduler/schedule:Schedule');
    const target = schedule?.inputs['target'] as { arn: string; input: string };
    expect(target.arn).toBe(notifyArn());
    // Something was published today (the first test): the deadline is met.
    expect(await invoke(platform.functions.notify, JSON.parse(target.input))).toEqual({
      kind: 'deadline',
      imports: [],
      deadlineMissed: false,
    });
    // Not today any more: missed.
    await pool.query("update qdp.imports set published_at = published_at - interval '2 days'");
    expect(await invoke(platform.functions.notify, JSON.parse(target.input))).toEqual({
      kind: 'deadline',
      imports: [],
      deadlineMissed: true,
    });
    expect((await deadlineMetric()).at(-1)).toBe(1);
    const alarm = platform.alarms.find((a) => a.endsWith('import-deadline'));
    const { MetricAlarms } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarm as string] }),
    );
    expect(
      MetricAlarms?.map((a) => [a.Namespace, a.MetricName, a.Dimensions, a.Threshold]),
    ).toEqual([
      [
        DEADLINE_METRIC.namespace,
        DEADLINE_METRIC.name,
        [{ Name: DEADLINE_METRIC.dimension, Value: PLATFORM }],
        1,
      ],
    ]);
    // The emulator evaluates the alarm on the new data point and tells ETL_Failure.
    const state = await eventually('the deadline alarm', async () => {
      const { MetricAlarms: now } = await cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [alarm as string] }),
      );
      return now?.[0]?.StateValue === 'ALARM' ? now[0].StateValue : undefined;
    });
    expect(state).toBe('ALARM');
    const [told] = await failure.receive(1);
    expect(JSON.parse(told?.message ?? '{}')).toMatchObject({
      AlarmName: alarm,
      NewStateValue: 'ALARM',
      Trigger: { MetricName: DEADLINE_METRIC.name, Namespace: DEADLINE_METRIC.namespace },
    });
  }, 60_000);
});
