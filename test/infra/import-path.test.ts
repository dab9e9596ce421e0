// The import path of the component under mocks: the on-upload trigger (S3 notification → Lambda,
// dead letters, failure destination), the Glue ETL (catalog, crawler, connections, jobs,
// workflow), the migrations run on every deploy, and the notify function's rules and schedule.
// Every security-relevant input is asserted exactly; names come from the shared declarations
// (contracts/, functions/environment.ts), never copied here.
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, test } from 'vitest';
import { environmentNames } from '../../functions/environment.ts';
import { LAMBDA_RUNTIME as BUNDLED_RUNTIME } from '../../contracts/lambda.ts';
import {
  DATA_FILES,
  functionBundle,
  hashDirectory,
  hashMigrationSql,
  PACKAGE_ROOT,
  type BundledFunction,
} from '../../infra/artifacts.ts';
import {
  ephemeralStorageFor,
  GLUE_JDBC_BATCH_SIZE,
  LAMBDA_RUNTIME,
  QuarantineDataPlatform,
} from '../../infra/index.ts';
import { minimalArgs, typicalArgs } from './fixtures.ts';
import { ACCOUNT_ID, installMocks, ofType, one, resolve, settle, type Recorder } from './mocks.ts';
import { DEFAULT_LIMITS } from '../../contracts/daily-file.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';

const JOBS = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, DATA_FILES.jobArguments), 'utf8')) as {
  glueVersion: string;
  jobs: Record<
    'import' | 'analytics',
    { script: string; arguments: Record<string, { name: string }>; extraFiles: string[] }
  >;
};

const REGION = 'eu-south-1';
const BUCKET = 'ulss9-landing-abc1234';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const CLUSTER_ARN = `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster:ulss9-db`;
const FAILURE = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:ulss9-ETL_Failure`;
const PORTAL_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:ulss9-portal-AbCdEf`;
const SUCCESS = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:ulss9-ETL_Success`;
const fnArn = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:ulss9-${fn}`;
const glueArn = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT_ID}:${resource}`;

let rec: Recorder;
let keyArn: string;
let secretArn: string;
let workloads: string;

async function deploy(args = typicalArgs): Promise<Recorder> {
  const recorder = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', args);
  await resolve(platform.dashboardName);
  await resolve(platform.migrations.result);
  await settle(recorder);
  expect(recorder.unknownCalls).toEqual([]);
  return recorder;
}

function policy(recorder: Recorder, name: string): unknown {
  return JSON.parse(
    String(one(recorder, 'aws:iam/rolePolicy:RolePolicy', name).inputs['policy']),
  ) as unknown;
}

/** The statements every function's role starts with. */
function baseStatements(fn: string) {
  return [
    {
      Sid: 'OwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/ulss9-${fn}:*`,
    },
    { Sid: 'EnvironmentKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: keyArn },
  ];
}

const DATA_API = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
];

beforeAll(async () => {
  rec = await deploy();
  keyArn = String(one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs['kmsKeyId']);
  secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:rds!cluster-${one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').id}`;
  workloads = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-workloads').id;
}, 60_000);

describe('functions', () => {
  test('every function: Node.js 22 from its esbuild bundle, JSON logs to its own encrypted log group', async () => {
    // One declaration (contracts/lambda.ts): the bundler builds for what infra declares.
    expect(LAMBDA_RUNTIME).toBe('nodejs22.x');
    expect(LAMBDA_RUNTIME).toBe(BUNDLED_RUNTIME);
    const functions = ofType(rec, 'aws:lambda/function:Function');
    expect(functions.map((f) => f.name).sort()).toEqual(
      ['ulss9-migrate', 'ulss9-notify', 'ulss9-on-upload', 'ulss9-rotate-database-secret'].sort(),
    );
    for (const f of functions) {
      const fn = f.name.replace('ulss9-', '') as BundledFunction;
      expect([
        f.inputs['name'],
        f.inputs['runtime'],
        f.inputs['handler'],
        f.inputs['architectures'],
        f.inputs['kmsKeyArn'],
        f.inputs['role'],
        f.inputs['loggingConfig'],
      ]).toEqual([
        f.name,
        'nodejs22.x',
        'index.handler',
        ['arm64'],
        keyArn,
        `arn:aws:iam::${ACCOUNT_ID}:role/${f.name}`,
        { logFormat: 'JSON', logGroup: `/aws/lambda/${f.name}` },
      ]);
      // The archive is the bundle the functions engineer's bundler made (or the package's).
      const archive = f.inputs['code'] as pulumi.asset.FileArchive;
      const dir = await archive.path;
      expect(dir).toBe(await functionBundle(fn));
      expect(existsSync(path.join(dir, 'index.mjs'))).toBe(true);
      const group = one(rec, 'aws:cloudwatch/logGroup:LogGroup', f.name).inputs;
      expect(group).toEqual({
        name: `/aws/lambda/${f.name}`,
        retentionInDays: 731,
        kmsKeyId: keyArn,
      });
      expect(
        JSON.parse(String(one(rec, 'aws:iam/role:Role', f.name).inputs['assumeRolePolicy'])),
      ).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      });
      // Exactly the variables the function reads; only the file size limit is left to its
      // default (the contract's max_file_bytes).
      const variables = Object.keys(
        (f.inputs['environment'] as { variables: Record<string, string> }).variables,
      );
      const names = environmentNames(fn);
      expect(variables.filter((v) => !names.includes(v))).toEqual([]);
      expect(names.filter((v) => !variables.includes(v))).toEqual(
        fn === 'on-upload' ? [LAMBDA_ENV.maxFileBytes] : [],
      );
    }
  });

  test('on-upload: outside the VPC, its settings, a dead-letter queue, ETL_Failure on failure', () => {
    const f = one(rec, 'aws:lambda/function:Function', 'ulss9-on-upload').inputs;
    const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:ulss9-on-upload-dlq`;
    expect([f['vpcConfig'], f['timeout'], f['memorySize'], f['deadLetterConfig']]).toEqual([
      undefined,
      900,
      2048,
      { targetArn: queueArn },
    ]);
    // /tmp holds the landed file up to the contract's limit, plus Lambda's default 512 MB.
    expect(f['ephemeralStorage']).toEqual({
      size: Math.ceil(DEFAULT_LIMITS.maxFileBytes / 2 ** 20) + 512,
    });
    expect((f['ephemeralStorage'] as { size: number }).size * 2 ** 20).toBeGreaterThan(
      DEFAULT_LIMITS.maxFileBytes,
    );
    expect((f['environment'] as { variables: unknown }).variables).toEqual({
      [LAMBDA_ENV.databaseClusterArn]: CLUSTER_ARN,
      [LAMBDA_ENV.databaseSecretArn]: secretArn,
      [LAMBDA_ENV.databaseName]: 'quarantine',
      [LAMBDA_ENV.failureTopicArn]: FAILURE,
      [LAMBDA_ENV.glueWorkflowName]: 'ulss9-import',
    });
    expect(one(rec, 'aws:sqs/queue:Queue', 'ulss9-on-upload-dlq').inputs).toEqual({
      name: 'ulss9-on-upload-dlq',
      kmsMasterKeyId: keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 1_209_600,
    });
    expect(
      one(rec, 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', 'ulss9-on-upload')
        .inputs,
    ).toEqual({
      functionName: 'ulss9-on-upload',
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 21_600,
      destinationConfig: { onFailure: { destination: FAILURE } },
    });
  });

  test('on-upload: S3 calls it for .csv and .xlsx under inbox/ only, from the landing bucket of this account', () => {
    expect(one(rec, 'aws:lambda/permission:Permission', 'ulss9-on-upload-s3').inputs).toEqual({
      function: 'ulss9-on-upload',
      action: 'lambda:InvokeFunction',
      principal: 's3.amazonaws.com',
      sourceArn: BUCKET_ARN,
      sourceAccount: ACCOUNT_ID,
    });
    // Every object under inbox/, whatever its name (day.Csv too): the function decides.
    expect(
      one(rec, 'aws:s3/bucketNotification:BucketNotification', 'ulss9-landing').inputs,
    ).toEqual({
      bucket: BUCKET,
      lambdaFunctions: [
        {
          lambdaFunctionArn: fnArn('on-upload'),
          events: ['s3:ObjectCreated:*'],
          filterPrefix: 'inbox/',
        },
      ],
    });
  });

  test('on-upload role: read inbox, write staging, Data API on the cluster, the secret, start the workflow, ETL_Failure', () => {
    expect(policy(rec, 'ulss9-on-upload')).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...baseStatements('on-upload'),
        {
          Sid: 'ReadInbox',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: `${BUCKET_ARN}/inbox/*`,
        },
        {
          Sid: 'WriteStaging',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
          Resource: `${BUCKET_ARN}/staging/*`,
        },
        {
          Sid: 'PlatformKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: keyArn,
        },
        { Sid: 'DataApi', Effect: 'Allow', Action: DATA_API, Resource: CLUSTER_ARN },
        {
          Sid: 'DatabaseSecret',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: secretArn,
        },
        {
          Sid: 'StartWorkflow',
          Effect: 'Allow',
          Action: ['glue:StartWorkflowRun', 'glue:PutWorkflowRunProperties'],
          Resource: glueArn('workflow/ulss9-import'),
        },
        { Sid: 'FailureTopic', Effect: 'Allow', Action: ['sns:Publish'], Resource: FAILURE },
        {
          Sid: 'DeadLetterQueue',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:ulss9-on-upload-dlq`,
        },
      ],
    });
  });

  test('on-upload /tmp: derived from the file limit, within what Lambda allows', () => {
    expect(ephemeralStorageFor(2 ** 30)).toBe(1024 + 512);
    expect(ephemeralStorageFor(1)).toBe(513);
    expect(() => ephemeralStorageFor(10 * 2 ** 30)).toThrow(
      `on-upload: max_file_bytes ${10 * 2 ** 30} needs 10752 MB of /tmp; Lambda allows at most 10240 MB`,
    );
    for (const fn of ['notify', 'migrate']) {
      expect(
        one(rec, 'aws:lambda/function:Function', `ulss9-${fn}`).inputs['ephemeralStorage'],
      ).toBe(undefined);
    }
  });

  test('migrate: in the VPC (workloads group, private subnets), one at a time, invoked when the migrations change', async () => {
    const f = one(rec, 'aws:lambda/function:Function', 'ulss9-migrate').inputs;
    expect([
      f['vpcConfig'],
      f['reservedConcurrentExecutions'],
      f['timeout'],
      f['memorySize'],
    ]).toEqual([
      { subnetIds: ['subnet-ulss9-vpc-0', 'subnet-ulss9-vpc-1'], securityGroupIds: [workloads] },
      1,
      600,
      512,
    ]);
    expect((f['environment'] as { variables: unknown }).variables).toEqual({
      [LAMBDA_ENV.databaseSecretArn]: secretArn,
      [LAMBDA_ENV.databaseName]: 'quarantine',
      [LAMBDA_ENV.databaseHost]: `ulss9-db.cluster-abc.${REGION}.rds.amazonaws.com`,
      [LAMBDA_ENV.databasePort]: '5433',
      [LAMBDA_ENV.databaseTls]: 'verify-full',
      [LAMBDA_ENV.territoryProvinces]: 'VR',
      [LAMBDA_ENV.portalSettingsSecretArn]: PORTAL_SECRET,
      [LAMBDA_ENV.portalLoginRole]: 'qdp_portal_login',
    });
    expect(policy(rec, 'ulss9-migrate')).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...baseStatements('migrate'),
        {
          Sid: 'DatabaseSecret',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: secretArn,
        },
        // The portal's settings secret: that one secret, read and written; the key only to
        // encrypt a new version through Secrets Manager.
        {
          Sid: 'PortalSettings',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
          Resource: PORTAL_SECRET,
        },
        {
          Sid: 'PortalSettingsKey',
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey'],
          Resource: keyArn,
          Condition: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` },
          },
        },
        {
          Sid: 'VpcNetworkInterfaces',
          Effect: 'Allow',
          Action: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          Resource: '*',
        },
      ],
    });
    // The trigger is the hash of the SQL shipped in the bundle: db/migrations and db/functions.
    const invocation = one(rec, 'aws:lambda/invocation:Invocation', 'ulss9-migrate').inputs;
    expect(invocation).toEqual({
      functionName: 'ulss9-migrate',
      input: JSON.stringify({ action: 'migrate' }),
      triggers: {
        migrations: hashMigrationSql(path.join(PACKAGE_ROOT, 'db')),
        territory: 'VR',
        portalSettings: PORTAL_SECRET,
      },
    });
    expect(invocation['triggers']).toEqual({
      migrations: hashMigrationSql(await functionBundle('migrate')),
      territory: 'VR',
      portalSettings: PORTAL_SECRET,
    });
  });

  test('the migrations hash changes with any change to a migration, its name or a new one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qdp-hash-'));
    try {
      await cp(path.join(PACKAGE_ROOT, 'db', 'migrations'), dir, { recursive: true });
      const original = hashDirectory(dir);
      expect(hashDirectory(dir)).toBe(original);
      await writeFile(path.join(dir, '9999_new.sql'), 'select 1;');
      const added = hashDirectory(dir);
      expect(added).not.toBe(original);
      await writeFile(path.join(dir, '9999_new.sql'), 'select 2;');
      expect(hashDirectory(dir)).not.toBe(added);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the migrations hash changes with any change to a repeatable function file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'qdp-hash-'));
    try {
      for (const sqlDir of ['migrations', 'functions']) {
        await cp(path.join(PACKAGE_ROOT, 'db', sqlDir), path.join(dir, sqlDir), {
          recursive: true,
        });
      }
      const original = hashMigrationSql(dir);
      expect(hashMigrationSql(dir)).toBe(original);
      await writeFile(path.join(dir, 'functions', 'lifecycle', 'setting.sql'), '-- changed\n');
      expect(hashMigrationSql(dir)).not.toBe(original);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('notify: Glue rules of this instance only, the deadline schedule', () => {
  test('notify reads the database and publishes to both topics', () => {
    const f = one(rec, 'aws:lambda/function:Function', 'ulss9-notify').inputs;
    expect([f['vpcConfig'], f['deadLetterConfig']]).toEqual([
      undefined,
      { targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:ulss9-notify-dlq` },
    ]);
    expect((f['environment'] as { variables: unknown }).variables).toEqual({
      [LAMBDA_ENV.databaseClusterArn]: CLUSTER_ARN,
      [LAMBDA_ENV.databaseSecretArn]: secretArn,
      [LAMBDA_ENV.databaseName]: 'quarantine',
      [LAMBDA_ENV.successTopicArn]: SUCCESS,
      [LAMBDA_ENV.failureTopicArn]: FAILURE,
      [LAMBDA_ENV.glueWorkflowName]: 'ulss9-import',
      [LAMBDA_ENV.platformName]: 'ulss9',
      [LAMBDA_ENV.timeZone]: 'Europe/Rome',
    });
    expect(policy(rec, 'ulss9-notify')).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...baseStatements('notify'),
        { Sid: 'DataApi', Effect: 'Allow', Action: DATA_API, Resource: CLUSTER_ARN },
        {
          Sid: 'DatabaseSecret',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: secretArn,
        },
        {
          Sid: 'PlatformKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: keyArn,
        },
        { Sid: 'Topics', Effect: 'Allow', Action: ['sns:Publish'], Resource: [SUCCESS, FAILURE] },
        {
          Sid: 'GlueRuns',
          Effect: 'Allow',
          Action: ['glue:GetJobRun', 'glue:GetWorkflowRuns'],
          Resource: [
            glueArn('workflow/ulss9-import'),
            glueArn('job/ulss9-import'),
            glueArn('job/ulss9-analytics'),
          ],
        },
        {
          Sid: 'DeadlineMetric',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'QuarantineDataPlatform' } },
        },
        {
          Sid: 'DeadLetterQueue',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:ulss9-notify-dlq`,
        },
      ],
    });
  });

  test('EventBridge rules: state changes of this instance’s jobs and crawler → notify', () => {
    const jobs = ['ulss9-import', 'ulss9-analytics'];
    // By name: registration order follows when the Etl outputs they match resolve.
    expect(
      ofType(rec, 'aws:cloudwatch/eventRule:EventRule')
        .map((r) => [r.name, JSON.parse(String(r.inputs['eventPattern']))] as const)
        .sort((a, b) => a[0].localeCompare(b[0])),
    ).toEqual([
      [
        'ulss9-glue-crawler-failed',
        {
          source: ['aws.glue'],
          'detail-type': ['Glue Crawler State Change'],
          detail: { crawlerName: ['ulss9-staging'], state: ['Failed'] },
        },
      ],
      [
        'ulss9-glue-jobs-failed',
        {
          source: ['aws.glue'],
          'detail-type': ['Glue Job State Change'],
          detail: { jobName: jobs, state: ['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] },
        },
      ],
      [
        'ulss9-glue-jobs-succeeded',
        {
          source: ['aws.glue'],
          'detail-type': ['Glue Job State Change'],
          detail: { jobName: jobs, state: ['SUCCEEDED'] },
        },
      ],
    ]);
    for (const rule of ofType(rec, 'aws:cloudwatch/eventRule:EventRule')) {
      expect(one(rec, 'aws:cloudwatch/eventTarget:EventTarget', rule.name).inputs).toEqual({
        rule: rule.name,
        arn: fnArn('notify'),
      });
      expect(one(rec, 'aws:lambda/permission:Permission', rule.name).inputs).toEqual({
        function: 'ulss9-notify',
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        sourceArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${rule.name}`,
      });
    }
  });

  test('the deadline schedule’s role may invoke notify only, for this account only', () => {
    expect(
      JSON.parse(
        String(one(rec, 'aws:iam/role:Role', 'ulss9-deadline').inputs['assumeRolePolicy']),
      ),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
        },
      ],
    });
    expect(policy(rec, 'ulss9-deadline')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: fnArn('notify') },
        { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: keyArn },
      ],
    });
  });
});

describe('ETL (Glue)', () => {
  test('catalog database, CSV classifier, security configuration with the platform key', () => {
    expect(one(rec, 'aws:glue/catalogDatabase:CatalogDatabase', 'ulss9-staging').inputs).toEqual({
      name: 'ulss9_staging',
      description: 'Staged daily files, one table per import',
    });
    expect(one(rec, 'aws:glue/classifier:Classifier', 'ulss9-csv').inputs).toEqual({
      name: 'ulss9-csv',
      csvClassifier: {
        delimiter: ',',
        quoteSymbol: '"',
        containsHeader: 'PRESENT',
        // Every column text (the import job refuses a typed one): contracts/job-arguments.json.
        serde: 'OpenCSVSerDe',
        customDatatypeConfigured: true,
        customDatatypes: ['STRING'],
        disableValueTrimming: false,
        allowSingleColumn: false,
      },
    });
    expect(
      one(rec, 'aws:glue/securityConfiguration:SecurityConfiguration', 'ulss9-glue').inputs,
    ).toEqual({
      name: 'ulss9-glue',
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: keyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: keyArn },
      },
    });
    expect(one(rec, 'aws:cloudwatch/logGroup:LogGroup', 'ulss9-glue').inputs).toEqual({
      name: '/aws-glue/ulss9',
      retentionInDays: 731,
      kmsKeyId: keyArn,
    });
  });

  test('crawler over staging/ with the classifier and the security configuration', () => {
    expect(one(rec, 'aws:glue/crawler:Crawler', 'ulss9-staging').inputs).toEqual({
      name: 'ulss9-staging',
      role: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-glue`,
      databaseName: 'ulss9_staging',
      classifiers: ['ulss9-csv'],
      securityConfiguration: 'ulss9-glue',
      s3Targets: [{ path: `s3://${BUCKET}/staging/` }],
      recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
      schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
      configuration: JSON.stringify({ Version: 1.0, Grouping: { TableLevelConfiguration: 3 } }),
    });
  });

  test('JDBC connections in a private subnet, credentials from Secrets Manager, TLS enforced', () => {
    const physical = {
      availabilityZone: `${REGION}a`,
      subnetId: 'subnet-ulss9-vpc-0',
      securityGroupIdLists: [workloads],
    };
    expect(one(rec, 'aws:glue/connection:Connection', 'ulss9-aurora').inputs).toEqual({
      name: 'ulss9-aurora',
      connectionType: 'JDBC',
      connectionProperties: {
        [pulumiSecret]: expect.anything(),
        value: {
          JDBC_CONNECTION_URL: `jdbc:postgresql://ulss9-db.cluster-abc.${REGION}.rds.amazonaws.com:5433/quarantine`,
          SECRET_ID: secretArn,
          JDBC_ENFORCE_SSL: 'true',
        },
      },
      physicalConnectionRequirements: physical,
    });
    const redshift = one(rec, 'aws:glue/connection:Connection', 'ulss9-redshift').inputs;
    expect(redshift['connectionProperties']).toEqual({
      [pulumiSecret]: expect.anything(),
      value: {
        JDBC_CONNECTION_URL: `jdbc:redshift://ulss9-analytics.${ACCOUNT_ID}.${REGION}.redshift-serverless.amazonaws.com:5439/quarantine`,
        SECRET_ID: expect.stringMatching(/^arn:aws:secretsmanager:eu-south-1:\d+:secret:redshift!/),
        JDBC_ENFORCE_SSL: 'true',
      },
    });
    expect(redshift['physicalConnectionRequirements']).toEqual(physical);
    // The self-referencing rules Glue checks when a job with a connection starts.
    for (const [type, name] of [
      ['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'ulss9-glue-self-in'],
      ['aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', 'ulss9-glue-self-out'],
    ] as const) {
      expect(one(rec, type, name).inputs).toEqual({
        securityGroupId: workloads,
        description: 'Glue workers of the same job talk to each other (required by Glue)',
        ipProtocol: 'tcp',
        fromPort: 0,
        toPort: 65535,
        referencedSecurityGroupId: workloads,
      });
    }
  });

  test('jobs: Glue 5.0, scripts uploaded from glue/, argument names from contracts/job-arguments.json', async () => {
    expect(JOBS.glueVersion).toBe('5.0');
    const objects = ofType(rec, 'aws:s3/bucketObjectv2:BucketObjectv2').filter((o) =>
      String(o.inputs['key']).startsWith('glue/'),
    );
    const uploaded = Object.fromEntries(
      await Promise.all(
        objects.map(async (o) => [
          o.inputs['key'],
          path.relative(PACKAGE_ROOT, await (o.inputs['source'] as pulumi.asset.FileAsset).path),
        ]),
      ),
    );
    expect(uploaded).toEqual({
      'glue/scripts/import_job.py': 'glue/import_job.py',
      'glue/scripts/analytics_job.py': 'glue/analytics_job.py',
      'glue/files/job-arguments.json': 'contracts/job-arguments.json',
      'glue/files/daily-file.json': 'contracts/daily-file.json',
      'glue/files/qdp_glue.py': 'glue/qdp_glue.py',
    });
    for (const o of objects) {
      expect([o.inputs['bucket'], o.inputs['serverSideEncryption'], o.inputs['kmsKeyId']]).toEqual([
        BUCKET,
        'aws:kms',
        keyArn,
      ]);
    }
    const s3 = (key: string) => `s3://${BUCKET}/${key}`;
    const common = {
      '--job-language': 'python',
      '--enable-metrics': 'true',
      '--enable-continuous-cloudwatch-log': 'true',
      '--continuous-log-logGroup': '/aws-glue/ulss9',
      '--enable-job-insights': 'false',
      '--job-bookmark-option': 'job-bookmark-disable',
      '--TempDir': s3('glue/temp/'),
    };
    const importArgs = JOBS.jobs.import.arguments;
    const analyticsArgs = JOBS.jobs.analytics.arguments;
    const job = (name: string) => one(rec, 'aws:glue/job:Job', name).inputs;
    const shared = {
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-glue`,
      glueVersion: '5.0',
      securityConfiguration: 'ulss9-glue',
      workerType: 'G.1X',
      numberOfWorkers: 2,
      timeout: 60,
      maxRetries: 0,
      executionProperty: { maxConcurrentRuns: 1 },
    };
    expect(job('ulss9-import')).toEqual({
      name: 'ulss9-import',
      description: 'Staged daily file → transit table → reconciliation in PostgreSQL',
      ...shared,
      command: {
        name: 'glueetl',
        pythonVersion: '3',
        scriptLocation: s3('glue/scripts/import_job.py'),
      },
      connections: ['ulss9-aurora'],
      defaultArguments: {
        ...common,
        '--extra-files': [
          s3('glue/files/job-arguments.json'),
          s3('glue/files/daily-file.json'),
        ].join(','),
        '--extra-py-files': s3('glue/files/qdp_glue.py'),
        [importArgs['catalogDatabase']!.name]: 'ulss9_staging',
        [importArgs['databaseConnection']!.name]: 'ulss9-aurora',
        [importArgs['jdbcBatchSize']!.name]: String(GLUE_JDBC_BATCH_SIZE),
      },
    });
    expect(job('ulss9-analytics')).toEqual({
      name: 'ulss9-analytics',
      description: 'Dashboard aggregates (no direct identifiers) → Redshift',
      ...shared,
      command: {
        name: 'glueetl',
        pythonVersion: '3',
        scriptLocation: s3('glue/scripts/analytics_job.py'),
      },
      connections: ['ulss9-aurora', 'ulss9-redshift'],
      defaultArguments: {
        ...common,
        '--extra-files': s3('glue/files/job-arguments.json'),
        '--extra-py-files': s3('glue/files/qdp_glue.py'),
        [analyticsArgs['databaseConnection']!.name]: 'ulss9-aurora',
        [analyticsArgs['redshiftConnection']!.name]: 'ulss9-redshift',
      },
    });
    // Every declared argument is set (and the declaration's files are the uploaded ones).
    for (const [key, declaration] of Object.entries(JOBS.jobs)) {
      const inputs = job(`ulss9-${key}`);
      for (const argument of Object.values(declaration.arguments)) {
        expect(
          Object.keys(inputs['defaultArguments'] as object),
          `${key} ${argument.name}`,
        ).toContain(argument.name);
      }
    }
  });

  test('workflow: started on demand → crawler; crawler succeeded → import job; import succeeded → analytics; analytics nightly', () => {
    expect(one(rec, 'aws:glue/workflow:Workflow', 'ulss9-import').inputs).toEqual({
      name: 'ulss9-import',
      description: 'One import: crawl the staged file, then load and reconcile it',
      maxConcurrentRuns: 1,
    });
    const byName = (a: { name?: unknown }, b: { name?: unknown }) =>
      String(a.name).localeCompare(String(b.name));
    expect(
      ofType(rec, 'aws:glue/trigger:Trigger')
        .map((t) => t.inputs)
        .sort(byName),
    ).toEqual([
      {
        name: 'ulss9-after-crawl',
        type: 'CONDITIONAL',
        workflowName: 'ulss9-import',
        predicate: {
          conditions: [
            { crawlerName: 'ulss9-staging', crawlState: 'SUCCEEDED', logicalOperator: 'EQUALS' },
          ],
        },
        actions: [{ jobName: 'ulss9-import' }],
      },
      {
        name: 'ulss9-after-import',
        type: 'CONDITIONAL',
        workflowName: 'ulss9-import',
        predicate: {
          conditions: [{ jobName: 'ulss9-import', state: 'SUCCEEDED', logicalOperator: 'EQUALS' }],
        },
        actions: [{ jobName: 'ulss9-analytics' }],
      },
      {
        name: 'ulss9-analytics-nightly',
        type: 'SCHEDULED',
        schedule: 'cron(30 1 * * ? *)',
        startOnCreation: true,
        actions: [{ jobName: 'ulss9-analytics' }],
      },
      {
        name: 'ulss9-start',
        type: 'ON_DEMAND',
        workflowName: 'ulss9-import',
        actions: [{ crawlerName: 'ulss9-staging' }],
      },
    ]);
  });

  test('Glue role: the staged files, its scripts and temp, the catalog database, the connections, the secrets', () => {
    const logs = `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws-glue/*`;
    expect(policy(rec, 'ulss9-glue')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadScriptsAndStagedFiles',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [
            `${BUCKET_ARN}/glue/scripts/*`,
            `${BUCKET_ARN}/glue/files/*`,
            `${BUCKET_ARN}/staging/*`,
          ],
        },
        {
          Sid: 'ListStagedFilesAndTemp',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: BUCKET_ARN,
          Condition: { StringLike: { 's3:prefix': ['staging/*', 'glue/temp/*'] } },
        },
        {
          Sid: 'TempDirectory',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: `${BUCKET_ARN}/glue/temp/*`,
        },
        {
          Sid: 'PlatformKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: keyArn,
        },
        {
          Sid: 'ConnectionSecrets',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [secretArn, expect.stringMatching(/:secret:redshift!/)],
        },
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:AssociateKmsKey',
          ],
          Resource: [logs, `${logs}:*`],
        },
        {
          Sid: 'CatalogOfStagedFiles',
          Effect: 'Allow',
          Action: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetTables',
            'glue:CreateTable',
            'glue:UpdateTable',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:BatchGetPartition',
            'glue:CreatePartition',
            'glue:BatchCreatePartition',
            'glue:UpdatePartition',
          ],
          Resource: [
            glueArn('catalog'),
            glueArn('database/ulss9_staging'),
            glueArn('table/ulss9_staging/*'),
          ],
        },
        {
          Sid: 'Connections',
          Effect: 'Allow',
          Action: ['glue:GetConnection'],
          Resource: [
            glueArn('catalog'),
            glueArn('connection/ulss9-aurora'),
            glueArn('connection/ulss9-redshift'),
          ],
        },
        {
          Sid: 'WorkflowRunProperties',
          Effect: 'Allow',
          Action: ['glue:GetWorkflowRunProperties'],
          Resource: glueArn('workflow/ulss9-import'),
        },
        {
          Sid: 'VpcNetworkInterfaces',
          Effect: 'Allow',
          Action: [
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeVpcEndpoints',
            'ec2:DescribeRouteTables',
            'ec2:DescribeVpcAttribute',
            'ec2:CreateTags',
          ],
          Resource: '*',
        },
        {
          Sid: 'JobMetrics',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
        },
      ],
    });
  });

  test('analytics off: one connection, no analytics job, its triggers or script; notify watches the import job only', async () => {
    const off = await deploy({ ...minimalArgs, enableAnalytics: false });
    expect(ofType(off, 'aws:glue/job:Job').map((j) => j.name)).toEqual(['ulss9-import']);
    expect(ofType(off, 'aws:glue/connection:Connection').map((c) => c.name)).toEqual([
      'ulss9-aurora',
    ]);
    expect(
      ofType(off, 'aws:glue/trigger:Trigger')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['ulss9-after-crawl', 'ulss9-start']);
    expect(
      ofType(off, 'aws:s3/bucketObjectv2:BucketObjectv2')
        .map((o) => String(o.inputs['key']))
        .filter((key) => key.startsWith('glue/'))
        .sort(),
    ).toEqual([
      'glue/files/daily-file.json',
      'glue/files/job-arguments.json',
      'glue/files/qdp_glue.py',
      'glue/scripts/import_job.py',
    ]);
    const rule = one(off, 'aws:cloudwatch/eventRule:EventRule', 'ulss9-glue-jobs-failed');
    expect((JSON.parse(String(rule.inputs['eventPattern'])) as { detail: unknown }).detail).toEqual(
      { jobName: ['ulss9-import'], state: ['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] },
    );
    const secrets = (
      policy(off, 'ulss9-glue') as { Statement: { Sid: string; Resource: unknown }[] }
    ).Statement.find((s) => s.Sid === 'ConnectionSecrets');
    expect(secrets?.Resource).toEqual([expect.stringMatching(/:secret:rds!cluster-/)]);
  }, 60_000);
});

const pulumiSecret = '4dabf18193072939515e22adb298388d';
