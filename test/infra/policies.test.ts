// The policy pack's rules (infra/policy-pack/rules/) over the resources the component declares
// under mocks: the configurations a health authority writes and every stack of the repository;
// and every rule over a small fixture that violates it, with its exact message, next to a
// resource that complies.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import type { QuarantineDataPlatformArgs } from '../../infra/index.ts';
import { platformPolicies, type PlatformPolicy } from '../../infra/policy-pack/rules/index.ts';
import { TYPES as T } from '../../infra/policy-pack/rules/support.ts';
import * as rules from '../../infra/policy-pack/rules/index.ts';
import { settingsFromConfig } from '../../stacks/config.ts';
import { minimalArgs, typicalArgs } from './fixtures.ts';
import { installMocks, resolve, settle, type Recorded } from './mocks.ts';
import { policyResources, runPolicies } from './policy-harness.ts';

async function record(name: string, args: QuarantineDataPlatformArgs): Promise<Recorded[]> {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform(name, args);
  await resolve(platform.databaseSecretArn);
  await settle(rec);
  return rec.resources;
}

/** `policy: message` of every violation of every rule. */
async function violations(recorded: Recorded[]): Promise<string[]> {
  const found = await runPolicies(platformPolicies, policyResources(recorded));
  return found.map((v) => `${v.policy}: ${v.message}`);
}

/** What a stack file loosens by its own arguments (the dev stack must be destroyable). */
const STACK_CHOICES: Record<string, string[]> = {
  'Pulumi.dev.yaml': [
    'qdp-rds-deletion-protection: RDS cluster qdp-dev-db: deletion protection off',
    'qdp-rds-multi-zone: RDS cluster qdp-dev-db: 1 instance(s) (expected a writer and a reader)',
  ],
};

/** The violations that are not the stack's own choice (each choice must occur). */
async function unexplained(name: string, args: QuarantineDataPlatformArgs, choices: string[] = []) {
  const found = await violations(await record(name, args));
  expect(choices.filter((c) => !found.includes(c))).toEqual([]);
  return found.filter((v) => !choices.includes(v));
}

test('the typical and minimal configurations, and an SFTP endpoint in the VPC', async () => {
  const configurations: [string, QuarantineDataPlatformArgs][] = [
    ['typical', typicalArgs],
    ['minimal', minimalArgs],
    [
      'sftp-in-vpc',
      { ...typicalArgs, sftpEndpointType: 'VPC', sftpAllowedCidrs: ['203.0.113.0/24'] },
    ],
  ];
  for (const [label, args] of configurations) {
    expect([label, await unexplained('qdp', args)]).toEqual([label, []]);
  }
});

const root = path.resolve(import.meta.dirname, '../..');
const stackFiles = readdirSync(root).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f));

describe.each(stackFiles)('%s', (file) => {
  test('passes the pack', async () => {
    const doc = parse(readFileSync(path.join(root, file), 'utf8')) as {
      config: Record<string, unknown>;
    };
    const config = Object.fromEntries(
      Object.entries(doc.config).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    );
    const result = settingsFromConfig(config, file.replace(/^Pulumi\.|\.yaml$/g, ''));
    expect(result.problems).toEqual([]);
    const { name, args } = result.settings!;
    expect(await unexplained(name, args, STACK_CHOICES[file])).toEqual([]);
  });
});

// ---- fixtures: small sets of resources, linked by the ids they were given -------------------

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown> = {},
): Recorded {
  return {
    type,
    name,
    inputs,
    outputs,
    provider: '',
    custom: true,
    id: `${name}-id`,
    urn: `urn:pulumi:test::qdp::${type}::${name}`,
  };
}

const KEY = 'arn:aws:kms:eu-south-1:123456789012:key/k1';

/** A bucket with every setting the S3 rules ask for, each changeable. */
function bucket(
  name: string,
  change: Partial<Record<string, Record<string, unknown> | null>> = {},
) {
  const b = res(T.bucket, name, {}, { arn: `arn:aws:s3:::${name}` });
  const settings: [string, string, Record<string, unknown>][] = [
    [
      T.bucketPublicAccessBlock,
      'block',
      {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    ],
    [
      T.bucketPolicy,
      'policy',
      {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
    ],
    [T.bucketOwnership, 'ownership', { rule: { objectOwnership: 'BucketOwnerEnforced' } }],
    [
      T.bucketLifecycle,
      'lifecycle',
      {
        rules: [
          {
            id: 'abort',
            status: 'Enabled',
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
    ],
    [T.bucketVersioning, 'versioning', { versioningConfiguration: { status: 'Enabled' } }],
    [
      T.bucketEncryption,
      'encryption',
      {
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY },
            bucketKeyEnabled: true,
          },
        ],
      },
    ],
  ];
  const made = [b];
  for (const [type, key, inputs] of settings) {
    const changed = change[key];
    if (changed === null) continue;
    made.push(res(type, `${name}-${key}`, { bucket: b.id, ...inputs, ...changed }));
  }
  return made;
}

/** The log bucket (SSE-S3), the data bucket logging into it, and a backup selection of the data bucket. */
function bucketsWithLogs(change: Partial<Record<string, Record<string, unknown> | null>> = {}) {
  const logs = bucket('logs', {
    encryption: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
  });
  const data = bucket('data', change);
  const logging = res(T.bucketLogging, 'data-logging', {
    bucket: data[0]!.id,
    targetBucket: logs[0]!.id,
  });
  return [...logs, ...data, ...(change['logging'] === null ? [] : [logging])];
}

function fn(name: string, inputs: Record<string, unknown> = {}) {
  return res(
    T.function,
    name,
    {
      name,
      runtime: 'nodejs22.x',
      kmsKeyArn: KEY,
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logGroup: `/aws/lambda/${name}` },
      ...inputs,
    },
    { arn: `arn:aws:lambda:eu-south-1:123456789012:function:${name}` },
  );
}

function cluster(inputs: Record<string, unknown> = {}) {
  return res(
    T.rdsCluster,
    'db',
    {
      clusterIdentifier: 'db',
      engine: 'aurora-postgresql',
      port: 5433,
      storageEncrypted: true,
      kmsKeyId: KEY,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      iamDatabaseAuthenticationEnabled: true,
      copyTagsToSnapshot: true,
      enabledCloudwatchLogsExports: ['postgresql'],
      manageMasterUserPassword: true,
      dbSubnetGroupName: 'db-subnets',
      dbClusterParameterGroupName: 'db-params',
      ...inputs,
    },
    { arn: 'arn:aws:rds:eu-south-1:123456789012:cluster:db' },
  );
}

function instance(name: string, inputs: Record<string, unknown> = {}) {
  return res(T.rdsInstance, name, {
    clusterIdentifier: 'db',
    monitoringInterval: 60,
    monitoringRoleArn: 'arn:aws:iam::123456789012:role/monitoring',
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: KEY,
    ...inputs,
  });
}

function server(inputs: Record<string, unknown> = {}) {
  return res(T.transferServer, 'sftp', {
    protocols: ['SFTP'],
    securityPolicyName: 'TransferSecurityPolicy-2025-03',
    endpointType: 'PUBLIC',
    loggingRole: 'arn:aws:iam::123456789012:role/logging',
    structuredLogDestinations: ['arn:aws:logs:eu-south-1:123456789012:log-group:sftp:*'],
    ...inputs,
  });
}

function launchTemplate(name: string, inputs: Record<string, unknown> = {}) {
  return res(T.launchTemplate, name, {
    metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
    blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }],
    userData: Buffer.from('#!/bin/bash\necho ok\n').toString('base64'),
    ...inputs,
  });
}

function loadBalancer(name: string, inputs: Record<string, unknown> = {}) {
  return res(
    T.loadBalancer,
    name,
    {
      loadBalancerType: 'application',
      dropInvalidHeaderFields: true,
      enableDeletionProtection: true,
      accessLogs: { bucket: 'logs', enabled: true },
      ...inputs,
    },
    { arn: `arn:aws:elasticloadbalancing:eu-south-1:123456789012:loadbalancer/app/${name}/1` },
  );
}

function webAcl(name: string, rules: Record<string, unknown>[]) {
  return res(
    T.webAcl,
    name,
    { rules },
    { arn: `arn:aws:wafv2:eu-south-1:123456789012:regional/webacl/${name}/1` },
  );
}

const MANAGED = {
  name: 'common',
  statement: {
    managedRuleGroupStatement: { name: 'AWSManagedRulesCommonRuleSet', vendorName: 'AWS' },
  },
};
const RATE = {
  name: 'rate',
  statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: 'IP' } },
};

function vpc(name: string) {
  return res(T.vpc, name, { cidrBlock: '10.40.0.0/16' });
}

function policyDocument(...statements: Record<string, unknown>[]) {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

interface Case {
  rule: PlatformPolicy;
  title: string;
  resources: Recorded[];
  config?: Record<string, Record<string, unknown>>;
  expected: string[];
}

const cases: Case[] = [];

// S3
cases.push(
  {
    rule: rules.s3PublicAccessBlocked,
    title: 'a setting off, a block missing',
    resources: [
      ...bucketsWithLogs({ block: { blockPublicPolicy: false } }),
      ...bucket('other', { block: null }),
    ],
    expected: [
      'bucket other: 0 public access blocks (expected 1)',
      'bucket data: public access block with blockPublicPolicy off',
    ],
  },
  {
    rule: rules.s3TlsOnly,
    title: 'a policy that spares the objects',
    resources: bucketsWithLogs({
      policy: {
        policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: 'arn:aws:s3:::data',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
    }),
    expected: ['bucket data: the bucket policy does not deny requests without TLS'],
  },
  {
    rule: rules.s3AccessLogging,
    title: 'a data bucket without server access logs (the log bucket itself needs none)',
    resources: [...bucketsWithLogs(), ...bucket('unlogged')],
    expected: [
      'bucket unlogged: 0 server access log configurations to a bucket of the stack (expected 1)',
    ],
  },
  {
    rule: rules.s3AclsDisabled,
    title: 'ACLs kept by the object writer',
    resources: bucketsWithLogs({ ownership: { rule: { objectOwnership: 'ObjectWriter' } } }),
    expected: ['bucket data: object ownership ObjectWriter (expected BucketOwnerEnforced)'],
  },
  {
    rule: rules.s3Lifecycle,
    title: 'a lifecycle that leaves incomplete uploads, a bucket without one',
    resources: [
      ...bucketsWithLogs({
        lifecycle: { rules: [{ id: 'expire', status: 'Enabled', expiration: { days: 90 } }] },
      }),
      ...bucket('other', { lifecycle: null }),
    ],
    expected: [
      'bucket other: 0 lifecycle configurations (expected 1)',
      'bucket data: no enabled lifecycle rule aborts incomplete multipart uploads',
    ],
  },
  {
    rule: rules.s3Versioning,
    title: 'versioning suspended',
    resources: bucketsWithLogs({
      versioning: { versioningConfiguration: { status: 'Suspended' } },
    }),
    expected: ['bucket data: versioning Suspended (expected Enabled)'],
  },
  {
    rule: rules.s3KmsEncryption,
    title: 'SSE-S3 on a data bucket, SSE-KMS without a key or without a bucket key',
    resources: [
      ...bucketsWithLogs({
        encryption: { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
      }),
      ...bucket('keyless', {
        encryption: {
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' },
              bucketKeyEnabled: true,
            },
          ],
        },
      }),
      ...bucket('no-bucket-key', {
        encryption: {
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY },
            },
          ],
        },
      }),
    ],
    expected: [
      'bucket data: default encryption AES256 (expected aws:kms with the platform key)',
      'bucket keyless: default encryption aws:kms without a key (expected aws:kms with the platform key)',
      'bucket no-bucket-key: SSE-KMS without an S3 bucket key',
    ],
  },
);

// Lambda
const s3Invokes = (f: Recorded, name = `${f.name}-s3`) =>
  res(T.permission, name, {
    function: f.inputs['name'],
    principal: 's3.amazonaws.com',
    sourceArn: 'arn:aws:s3:::data',
  });
cases.push(
  {
    rule: rules.lambdaNoPublicInvoke,
    title: 'anyone, a service from any source, an open URL',
    resources: [
      res(T.permission, 'public', { function: 'f', principal: '*' }),
      res(T.permission, 'any-source', { function: 'f', principal: 's3.amazonaws.com' }),
      res(T.permission, 'scoped', {
        function: 'f',
        principal: 's3.amazonaws.com',
        sourceArn: 'arn:aws:s3:::data',
      }),
      res(T.functionUrl, 'open-url', { functionName: 'f', authorizationType: 'NONE' }),
    ],
    expected: [
      'Lambda permission public: anyone may invoke',
      'Lambda permission any-source: s3.amazonaws.com may invoke from any source (sourceArn missing)',
      'Lambda function URL open-url: authorization NONE (expected AWS_IAM)',
    ],
  },
  {
    rule: rules.lambdaRuntime,
    title: 'Node.js 18',
    resources: [fn('old', { runtime: 'nodejs18.x' }), fn('current')],
    expected: ['Lambda function old: runtime nodejs18.x (expected nodejs22.x or later)'],
  },
  {
    rule: rules.lambdaMultiZone,
    title: 'one subnet',
    resources: [
      fn('one-zone', { vpcConfig: { subnetIds: ['subnet-a'], securityGroupIds: ['sg-1'] } }),
      fn('two-zones', {
        vpcConfig: { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
      }),
      fn('outside'),
    ],
    expected: ['Lambda function one-zone: in 1 subnet(s) of a VPC (expected 2 or more)'],
  },
  {
    rule: rules.lambdaTracing,
    title: 'no tracing, pass-through',
    resources: [
      fn('untraced', { tracingConfig: undefined }),
      fn('pass', { tracingConfig: { mode: 'PassThrough' } }),
      fn('traced'),
    ],
    expected: [
      'Lambda function untraced: tracing off (expected Active)',
      'Lambda function pass: tracing PassThrough (expected Active)',
    ],
  },
  {
    rule: rules.lambdaEnvironmentKey,
    title: 'no key',
    resources: [fn('keyless', { kmsKeyArn: undefined }), fn('keyed')],
    expected: [
      'Lambda function keyless: environment not encrypted with a customer-managed key (kmsKeyArn)',
    ],
  },
  {
    rule: rules.lambdaNoSecretsInEnvironment,
    title: 'a password, an access key, a secret ARN that is not one',
    resources: [
      fn('leaky', {
        environment: {
          variables: {
            QDP_DATABASE_PASSWORD: 'hunter2hunter2',
            QDP_CACHE: 'AKIAIOSFODNN7EXAMPLE',
            QDP_DATABASE_SECRET_ARN: 'hunter2',
            QDP_PORTAL_SETTINGS_SECRET_ARN:
              'arn:aws:secretsmanager:eu-south-1:123456789012:secret:portal',
            QDP_DATABASE_NAME: 'quarantine',
          },
        },
      }),
    ],
    expected: [
      'Lambda function leaky: variable QDP_DATABASE_PASSWORD is named as a secret (pass its ARN in a variable ending in _ARN)',
      'Lambda function leaky: variable QDP_CACHE holds a credential',
      'Lambda function leaky: variable QDP_DATABASE_SECRET_ARN is not an ARN',
    ],
  },
  {
    rule: rules.lambdaOwnLogGroup,
    title: "the runtime's default log group",
    resources: [fn('default-logs', { loggingConfig: { logFormat: 'JSON' } }), fn('own-logs')],
    expected: ['Lambda function default-logs: no log group of its own (loggingConfig.logGroup)'],
  },
  (() => {
    const queue = res(
      T.queue,
      'dlq',
      { name: 'dlq', kmsMasterKeyId: KEY },
      { arn: 'arn:aws:sqs:eu-south-1:123456789012:dlq' },
    );
    const watchedQueue = res(
      T.queue,
      'watched-dlq',
      { name: 'watched-dlq', kmsMasterKeyId: KEY },
      { arn: 'arn:aws:sqs:eu-south-1:123456789012:watched-dlq' },
    );
    const lost = fn('lost');
    const unwatched = fn('unwatched', { deadLetterConfig: { targetArn: queue.id } });
    const watched = fn('watched', { deadLetterConfig: { targetArn: watchedQueue.id } });
    const destined = fn('destined');
    const events = res(T.permission, 'destined-events', {
      function: 'destined',
      principal: 'events.amazonaws.com',
      sourceArn: 'arn:aws:events:eu-south-1:123456789012:rule/r',
    });
    return {
      rule: rules.lambdaFailureDestination,
      title:
        'no dead letters, an unwatched queue (a watched queue and an on-failure destination pass)',
      resources: [
        queue,
        watchedQueue,
        lost,
        unwatched,
        watched,
        destined,
        s3Invokes(lost),
        s3Invokes(unwatched),
        s3Invokes(watched),
        events,
        res(T.metricAlarm, 'dlq-alarm', {
          dimensions: { QueueName: 'watched-dlq' },
          metricName: 'ApproximateNumberOfMessagesVisible',
        }),
        res(T.eventInvokeConfig, 'destined-config', {
          functionName: 'destined',
          destinationConfig: {
            onFailure: { destination: 'arn:aws:sns:eu-south-1:123456789012:failure' },
          },
        }),
        fn('synchronous'),
      ],
      expected: [
        'Lambda function lost: invoked by s3.amazonaws.com without a dead-letter queue or on-failure destination',
        'Lambda function unwatched: its dead-letter queue dlq has no alarm',
      ],
    };
  })(),
  (() => {
    const flooded = fn('flooded');
    const reserved = fn('reserved', { reservedConcurrentExecutions: 10 });
    return {
      rule: rules.lambdaReservedConcurrency,
      title: 'an S3-invoked function without reserved concurrency',
      resources: [flooded, reserved, s3Invokes(flooded), s3Invokes(reserved), fn('not-from-s3')],
      expected: [
        'Lambda function flooded: invoked by S3 without reserved concurrency (reservedConcurrentExecutions undefined)',
      ],
    };
  })(),
);

// Glue
const TAGS = { authority: 'ULSS 9' };
cases.push(
  {
    rule: rules.glueVersion,
    title: 'Glue 2.0',
    resources: [
      res(T.glueJob, 'old', { glueVersion: '2.0', securityConfiguration: 'sc', tags: TAGS }),
      res(T.glueJob, 'current', { glueVersion: '5.0', securityConfiguration: 'sc', tags: TAGS }),
    ],
    expected: ['Glue job old: Glue version 2.0 (expected one of 4.0, 5.0)'],
  },
  {
    rule: rules.glueSecurityConfiguration,
    title:
      'a job and a crawler without one, a configuration that leaves bookmarks and logs unencrypted',
    resources: [
      res(T.glueJob, 'job', { glueVersion: '5.0' }),
      res(T.glueCrawler, 'crawler', {}),
      res(T.glueSecurityConfiguration, 'sc', {
        encryptionConfiguration: {
          s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: KEY },
          cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS' },
          jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'DISABLED' },
        },
      }),
    ],
    expected: [
      'Glue job job: no security configuration',
      'Glue crawler crawler: no security configuration',
      'Glue security configuration sc: CloudWatch encryption SSE-KMS (expected SSE-KMS with a key)',
      'Glue security configuration sc: job bookmarks encryption DISABLED (expected CSE-KMS with a key)',
    ],
  },
  {
    rule: rules.glueTagged,
    title: 'untagged job, crawler and connection',
    resources: [
      res(T.glueJob, 'job', {}),
      res(T.glueCrawler, 'crawler', { tags: {} }),
      res(T.glueConnection, 'connection', {}),
      res(T.glueJob, 'tagged', { tags: TAGS }),
    ],
    expected: [
      'Glue job job: no tags',
      'Glue crawler crawler: no tags',
      'Glue connection connection: no tags',
    ],
  },
  {
    rule: rules.glueCatalogEncryption,
    title: 'metadata and connection passwords in the clear',
    resources: [
      res(T.glueCatalogEncryption, 'catalog', {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: 'DISABLED' },
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: false },
        },
      }),
    ],
    expected: [
      'Data Catalog encryption catalog: metadata not encrypted with a KMS key',
      'Data Catalog encryption catalog: connection passwords not encrypted with a KMS key',
    ],
  },
  {
    rule: rules.glueConnectionSecrets,
    title: 'a password in the connection, TLS not enforced',
    resources: [
      res(T.glueConnection, 'jdbc', {
        connectionType: 'JDBC',
        connectionProperties: {
          JDBC_CONNECTION_URL: 'jdbc:postgresql://db:5433/q',
          USERNAME: 'u',
          PASSWORD: 'p',
        },
      }),
      res(T.glueConnection, 'good', {
        connectionType: 'JDBC',
        connectionProperties: {
          JDBC_CONNECTION_URL: 'jdbc:postgresql://db:5433/q',
          SECRET_ID: 'db',
          JDBC_ENFORCE_SSL: 'true',
        },
      }),
    ],
    expected: [
      'Glue connection jdbc: credentials not from Secrets Manager (SECRET_ID)',
      'Glue connection jdbc: TLS not enforced (JDBC_ENFORCE_SSL)',
    ],
  },
);

// Aurora
cases.push(
  {
    rule: rules.rdsNotPublic,
    title: 'a public instance, a cluster outside a subnet group',
    resources: [
      cluster({ dbSubnetGroupName: undefined }),
      instance('writer', { publiclyAccessible: true }),
      instance('reader'),
    ],
    expected: [
      'RDS cluster db: no subnet group (dbSubnetGroupName)',
      'RDS instance writer: publicly accessible',
    ],
  },
  {
    rule: rules.rdsStorageEncrypted,
    title: 'storage encrypted with the AWS key',
    resources: [cluster({ kmsKeyId: undefined })],
    expected: ['RDS cluster db: storage not encrypted with a KMS key'],
  },
  {
    rule: rules.rdsEnhancedMonitoring,
    title: 'off, and every 2 minutes without a role',
    resources: [
      instance('writer', { monitoringInterval: undefined, monitoringRoleArn: undefined }),
      instance('reader', { monitoringInterval: 120, monitoringRoleArn: undefined }),
      instance('watched'),
    ],
    expected: [
      'RDS instance writer: enhanced monitoring interval 0 s without a role (expected 1 to 60 s with monitoringRoleArn)',
      'RDS instance reader: enhanced monitoring interval 120 s without a role (expected 1 to 60 s with monitoringRoleArn)',
    ],
  },
  {
    rule: rules.rdsPerformanceInsights,
    title: 'off, and on with the AWS key',
    resources: [
      instance('writer', { performanceInsightsEnabled: false }),
      instance('reader', { performanceInsightsKmsKeyId: undefined }),
    ],
    expected: [
      'RDS instance writer: Performance Insights off',
      'RDS instance reader: Performance Insights not encrypted with a customer-managed key',
    ],
  },
  {
    rule: rules.rdsDeletionProtection,
    title: 'off',
    resources: [cluster({ deletionProtection: false })],
    expected: ['RDS cluster db: deletion protection off'],
  },
  {
    rule: rules.rdsBackups,
    title: 'three days',
    resources: [cluster({ backupRetentionPeriod: 3 })],
    expected: ['RDS cluster db: backups kept 3 day(s) (expected at least 7)'],
  },
  {
    rule: rules.rdsMultiZone,
    title: 'a writer alone; two instances in one zone',
    resources: [cluster(), instance('writer')],
    expected: ['RDS cluster db: 1 instance(s) (expected a writer and a reader)'],
  },
  {
    rule: rules.rdsMultiZone,
    title: 'two instances in one zone',
    resources: [
      cluster(),
      instance('writer', { availabilityZone: 'eu-south-1a' }),
      instance('reader', { availabilityZone: 'eu-south-1a' }),
    ],
    expected: ['RDS cluster db: every instance in eu-south-1a'],
  },
  {
    rule: rules.rdsIamAuthentication,
    title: 'off',
    resources: [cluster({ iamDatabaseAuthenticationEnabled: false })],
    expected: ['RDS cluster db: IAM database authentication off'],
  },
  {
    rule: rules.rdsNonDefaultPort,
    title: 'the default port, given and left out',
    resources: [
      cluster({ port: 5432 }),
      { ...cluster({ port: undefined }), name: 'db2', id: 'db2-id', urn: 'urn:db2' },
    ],
    expected: ['RDS cluster db: the default port 5432', 'RDS cluster db2: the default port 5432'],
  },
  {
    rule: rules.rdsLogExports,
    title: 'no export; an export into a log group RDS would make',
    resources: [
      cluster({ enabledCloudwatchLogsExports: [] }),
      { ...cluster({ clusterIdentifier: 'db2' }), name: 'db2', id: 'db2-id', urn: 'urn:db2' },
      res(T.logGroup, 'db-logs', {
        name: '/aws/rds/cluster/db/postgresql',
        retentionInDays: 731,
        kmsKeyId: KEY,
      }),
    ],
    expected: [
      'RDS cluster db: the postgresql log is not exported',
      'RDS cluster db2: log group /aws/rds/cluster/db2/postgresql not declared (RDS would make one kept forever)',
    ],
  },
  {
    rule: rules.rdsCopyTagsToSnapshots,
    title: 'off',
    resources: [cluster({ copyTagsToSnapshot: false })],
    expected: ['RDS cluster db: tags not copied to snapshots'],
  },
  {
    rule: rules.rdsMinorVersionUpgrades,
    title: 'turned off on the cluster and an instance',
    resources: [
      cluster({ autoMinorVersionUpgrade: false }),
      instance('writer', { autoMinorVersionUpgrade: false }),
      instance('reader'),
    ],
    expected: [
      'RDS cluster db: automatic minor version upgrades off',
      'RDS instance writer: automatic minor version upgrades off',
    ],
  },
  {
    rule: rules.rdsForceTls,
    title: 'a parameter group without rds.force_ssl (the one given by Output passes)',
    resources: [
      cluster(),
      res(T.rdsClusterParameterGroup, 'db-params', {
        name: 'db-params',
        family: 'aurora-postgresql16',
        parameters: [{ name: 'log_connections', value: '1' }],
      }),
      {
        ...cluster({ clusterIdentifier: 'db2', dbClusterParameterGroupName: 'tls-params-id' }),
        name: 'db2',
        id: 'db2-id',
        urn: 'urn:db2',
      },
      res(T.rdsClusterParameterGroup, 'tls-params', {
        family: 'aurora-postgresql16',
        parameters: [{ name: 'rds.force_ssl', value: '1' }],
      }),
    ],
    expected: ['RDS cluster db: its parameter group does not set rds.force_ssl to 1'],
  },
  {
    rule: rules.rdsManagedPassword,
    title: 'a password in the program',
    resources: [
      cluster({ manageMasterUserPassword: undefined, masterPassword: 'secret-in-state' }),
    ],
    expected: [
      'RDS cluster db: master password not managed by Secrets Manager (manageMasterUserPassword)',
    ],
  },
);

// AWS Backup
cases.push(
  (() => {
    const db = cluster();
    const [logs, ...logSettings] = bucket('logs');
    const data = bucket('data');
    const unselected = bucket('unselected');
    return {
      rule: rules.backupPlanCoverage,
      title: 'a data bucket outside the selection (the log bucket needs none)',
      resources: [
        db,
        logs!,
        ...logSettings,
        ...data,
        ...unselected,
        res(T.bucketLogging, 'data-logging', { bucket: data[0]!.id, targetBucket: logs!.id }),
        res(T.backupSelection, 'daily', {
          resources: ['arn:aws:rds:eu-south-1:123456789012:cluster:db', 'arn:aws:s3:::data'],
        }),
      ],
      expected: ['bucket unselected: in no AWS Backup selection'],
    };
  })(),
  {
    rule: rules.backupPlanCoverage,
    title: 'no selection at all',
    resources: [cluster()],
    expected: ['RDS cluster db: in no AWS Backup selection'],
  },
  {
    rule: rules.backupVaultKey,
    title: 'a vault on the AWS key',
    resources: [
      res(T.backupVault, 'vault', { name: 'vault' }),
      res(T.backupVault, 'keyed', { kmsKeyArn: KEY }),
    ],
    expected: ['backup vault vault: not encrypted with a customer-managed key (kmsKeyArn)'],
  },
);

// Redshift Serverless
const workgroup = (inputs: Record<string, unknown> = {}) =>
  res(T.redshiftWorkgroup, 'wg', {
    publiclyAccessible: false,
    enhancedVpcRouting: true,
    configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'true' }],
    ...inputs,
  });
const namespace = (inputs: Record<string, unknown> = {}) =>
  res(T.redshiftNamespace, 'ns', {
    adminUsername: 'qdp_admin',
    dbName: 'quarantine',
    logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    kmsKeyId: KEY,
    manageAdminPassword: true,
    ...inputs,
  });
cases.push(
  {
    rule: rules.redshiftNotPublic,
    title: 'public',
    resources: [workgroup({ publiclyAccessible: true })],
    expected: ['Redshift workgroup wg: publiclyAccessible is true (expected false)'],
  },
  {
    rule: rules.redshiftEnhancedVpcRouting,
    title: 'off',
    resources: [workgroup({ enhancedVpcRouting: false })],
    expected: ['Redshift workgroup wg: enhanced VPC routing off'],
  },
  {
    rule: rules.redshiftRequireTls,
    title: 'TLS optional',
    resources: [
      workgroup({ configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'false' }] }),
    ],
    expected: ['Redshift workgroup wg: TLS not required (require_ssl)'],
  },
  {
    rule: rules.redshiftNoDefaultNames,
    title: 'admin and dev',
    resources: [namespace({ adminUsername: 'admin', dbName: undefined })],
    expected: [
      'Redshift namespace ns: the default admin user name (admin)',
      'Redshift namespace ns: the default database name (dev)',
    ],
  },
  {
    rule: rules.redshiftLogExports,
    title: 'only the activity log',
    resources: [namespace({ logExports: ['useractivitylog'] })],
    expected: ['Redshift namespace ns: connectionlog, userlog not exported'],
  },
  {
    rule: rules.redshiftEncrypted,
    title: 'the AWS-owned key, a password in the program',
    resources: [
      namespace({
        kmsKeyId: 'AWS_OWNED_KMS_KEY',
        manageAdminPassword: false,
        adminUserPassword: 'p',
      }),
    ],
    expected: [
      'Redshift namespace ns: not encrypted with a customer-managed KMS key',
      'Redshift namespace ns: admin password not managed by Secrets Manager (manageAdminPassword)',
    ],
  },
);

// Transfer Family
cases.push(
  {
    rule: rules.transferSftpOnly,
    title: 'FTP besides SFTP',
    resources: [server({ protocols: ['SFTP', 'FTP'] })],
    expected: ['Transfer server sftp: protocols ["SFTP","FTP"] (expected ["SFTP"])'],
  },
  {
    rule: rules.transferSecurityPolicy,
    title: 'the 2024 policy',
    resources: [server({ securityPolicyName: 'TransferSecurityPolicy-2024-01' })],
    expected: [
      'Transfer server sftp: security policy TransferSecurityPolicy-2024-01 (expected one of TransferSecurityPolicy-2025-03, TransferSecurityPolicy-FIPS-2025-03)',
    ],
  },
  {
    rule: rules.transferLogging,
    title: 'no logging role',
    resources: [server({ loggingRole: undefined })],
    expected: [
      'Transfer server sftp: logging off (structuredLogDestinations and loggingRole are required)',
    ],
  },
  {
    rule: rules.transferEndpoint,
    title: 'PUBLIC when the team does not accept the exception',
    resources: [
      server(),
      { ...server({ endpointType: 'VPC' }), name: 'in-vpc', id: 'in-vpc-id', urn: 'urn:in-vpc' },
    ],
    config: { 'qdp-transfer-endpoint': { allowPublicEndpoint: false } },
    expected: ['Transfer server sftp: PUBLIC endpoint (expected VPC)'],
  },
);

// The portal's instances
const userData = (script: string) => Buffer.from(script).toString('base64');
cases.push(
  {
    rule: rules.ec2Imdsv2,
    title: 'IMDSv1 allowed, a hop limit of 2',
    resources: [
      launchTemplate('v1', {
        metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 },
      }),
      launchTemplate('hops', {
        metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 },
      }),
      launchTemplate('good'),
    ],
    expected: [
      'launch template v1: IMDSv2 not required (metadataOptions.httpTokens)',
      'launch template hops: metadata hop limit 2 (expected 1)',
    ],
  },
  {
    rule: rules.ec2NoPublicIp,
    title: 'a public address',
    resources: [
      launchTemplate('public', { networkInterfaces: [{ associatePublicIpAddress: 'true' }] }),
      launchTemplate('good'),
    ],
    expected: ['launch template public: instances get a public IP address'],
  },
  {
    rule: rules.ec2EncryptedVolumes,
    title: 'an unencrypted volume, no volume declared',
    resources: [
      launchTemplate('clear', {
        blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'false' } }],
      }),
      launchTemplate('none', { blockDeviceMappings: [] }),
    ],
    expected: [
      'launch template clear: a volume is not encrypted',
      'launch template none: a volume is not encrypted',
    ],
  },
  {
    rule: rules.ec2NoKeyPair,
    title: 'a key pair',
    resources: [launchTemplate('ssh', { keyName: 'admin' }), launchTemplate('good')],
    expected: ['launch template ssh: key pair admin (Session Manager only)'],
  },
  {
    rule: rules.ec2NoSecretsInUserData,
    title:
      "a password written out, an access key, a secret's ARN that is not one (reading a secret at boot, or naming its ARN, passes)",
    resources: [
      launchTemplate('password', {
        userData: userData('#!/bin/bash\nexport DB_PASSWORD=hunter2hunter2\n'),
      }),
      launchTemplate('access-key', {
        userData: userData(
          '#!/bin/bash\naws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE\n',
        ),
      }),
      launchTemplate('reads-secret', {
        userData: userData(
          '#!/bin/bash\nSECRET=$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-south-1:123456789012:secret:portal)\n',
        ),
      }),
      launchTemplate('names-secret', {
        userData: userData(
          '#!/bin/bash\nAPP_SETTINGS_SECRET_ARN=arn:aws:secretsmanager:eu-south-1:123456789012:secret:portal\n',
        ),
      }),
      launchTemplate('token-not-arn', {
        userData: userData('#!/bin/bash\nAPI_TOKEN=darn:tokenvalue\n'),
      }),
    ],
    expected: [
      'launch template password: user data holds a secret',
      'launch template access-key: user data holds a secret',
      'launch template token-not-arn: user data holds a secret',
    ],
  },
  {
    rule: rules.autoScalingHealthChecks,
    title: 'EC2 health checks behind a load balancer, a launch configuration',
    resources: [
      res(T.autoScalingGroup, 'ec2-checks', {
        targetGroupArns: ['tg'],
        healthCheckType: 'EC2',
        launchTemplate: { id: 'lt' },
      }),
      res(T.autoScalingGroup, 'old-style', {
        launchConfiguration: 'lc',
        targetGroupArns: ['tg'],
        healthCheckType: 'ELB',
      }),
      res(T.autoScalingGroup, 'good', {
        targetGroupArns: ['tg'],
        healthCheckType: 'ELB',
        launchTemplate: { id: 'lt' },
      }),
    ],
    expected: [
      'Auto Scaling group ec2-checks: health checks EC2 behind a load balancer (expected ELB)',
      'Auto Scaling group old-style: no launch template',
    ],
  },
);

// The load balancer
cases.push(
  {
    rule: rules.elbDropInvalidHeaders,
    title: 'invalid headers passed on',
    resources: [loadBalancer('lb', { dropInvalidHeaderFields: false }), loadBalancer('good')],
    expected: ['load balancer lb: invalid header fields not dropped'],
  },
  {
    rule: rules.elbAccessLogs,
    title: 'no access logs',
    resources: [loadBalancer('lb', { accessLogs: undefined }), loadBalancer('good')],
    expected: ['load balancer lb: access logs off'],
  },
  {
    rule: rules.elbDeletionProtection,
    title: 'off',
    resources: [loadBalancer('lb', { enableDeletionProtection: false }), loadBalancer('good')],
    expected: ['load balancer lb: deletion protection off'],
  },
  (() => {
    const bare = loadBalancer('bare');
    const weak = loadBalancer('weak');
    const good = loadBalancer('good');
    const weakAcl = webAcl('weak-acl', [MANAGED]);
    const goodAcl = webAcl('good-acl', [MANAGED, RATE]);
    return {
      rule: rules.elbWaf,
      title:
        'no web ACL; an ACL without a rate-based rule and without logging (internal balancers need none)',
      resources: [
        bare,
        weak,
        good,
        weakAcl,
        goodAcl,
        loadBalancer('internal', { internal: true }),
        res(T.webAclAssociation, 'weak-assoc', {
          resourceArn: weak.outputs!['arn'],
          webAclArn: weakAcl.outputs!['arn'],
        }),
        res(T.webAclAssociation, 'good-assoc', {
          resourceArn: good.outputs!['arn'],
          webAclArn: goodAcl.outputs!['arn'],
        }),
        res(T.webAclLogging, 'good-logging', {
          resourceArn: goodAcl.outputs!['arn'],
          logDestinationConfigs: [
            'arn:aws:logs:eu-south-1:123456789012:log-group:aws-waf-logs-qdp',
          ],
        }),
      ],
      expected: [
        'load balancer bare: 0 web ACLs (expected 1)',
        'web ACL weak-acl: 1 managed rule group(s) and 0 rate-based rule(s) (expected at least one of each)',
        'web ACL weak-acl: logging off',
      ],
    };
  })(),
  {
    rule: rules.elbTlsListeners,
    title: 'an old TLS policy, plain HTTP forwarding (a redirect passes)',
    resources: [
      res(T.listener, 'old-tls', { protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-2016-08' }),
      res(T.listener, 'plain', {
        protocol: 'HTTP',
        defaultActions: [{ type: 'forward', targetGroupArn: 'tg' }],
      }),
      res(T.listener, 'redirect', {
        protocol: 'HTTP',
        defaultActions: [
          {
            type: 'redirect',
            redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
          },
        ],
      }),
      res(T.listener, 'https', {
        protocol: 'HTTPS',
        sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      }),
    ],
    expected: [
      'listener old-tls: TLS policy ELBSecurityPolicy-2016-08 (expected one of ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, ELBSecurityPolicy-TLS13-1-3-2021-06)',
      'listener plain: plain HTTP that does not redirect to HTTPS',
    ],
  },
  {
    rule: rules.elbTargetProtocol,
    title: 'HTTP to targets outside a VPC',
    resources: [
      res(T.targetGroup, 'outside', { protocol: 'HTTP', port: 8080 }),
      res(T.targetGroup, 'inside', { protocol: 'HTTP', port: 8080, vpcId: 'vpc-1' }),
      res(T.targetGroup, 'tls', { protocol: 'HTTPS', port: 8443, vpcId: 'vpc-1' }),
    ],
    expected: ['target group outside: HTTP to targets outside a VPC'],
  },
  {
    rule: rules.elbTargetProtocol,
    title: 'HTTP in the VPC when the team does not accept the exception',
    resources: [
      res(T.targetGroup, 'inside', { protocol: 'HTTP', port: 8080, vpcId: 'vpc-1' }),
      res(T.targetGroup, 'tls', { protocol: 'HTTPS', port: 8443, vpcId: 'vpc-1' }),
    ],
    config: { 'qdp-elb-target-protocol': { allowHttpToTargets: false } },
    expected: ['target group inside: HTTP to the targets (expected HTTPS)'],
  },
);

// The VPC
cases.push(
  (() => {
    const quiet = vpc('quiet');
    const rejects = vpc('rejects');
    const logged = vpc('logged');
    return {
      rule: rules.vpcFlowLogs,
      title: 'no flow log; rejected traffic only',
      resources: [
        quiet,
        rejects,
        logged,
        res(T.flowLog, 'rejects-log', { vpcId: rejects.id, trafficType: 'REJECT' }),
        res(T.flowLog, 'logged-log', { vpcId: logged.id, trafficType: 'ALL' }),
      ],
      expected: [
        'VPC quiet: no flow log of all traffic (none)',
        'VPC rejects: no flow log of all traffic (REJECT)',
      ],
    };
  })(),
  (() => {
    const open = vpc('open');
    const ruled = vpc('ruled');
    const closed = vpc('closed');
    return {
      rule: rules.vpcDefaultSecurityGroupClosed,
      title: 'not taken over; a rule kept',
      resources: [
        open,
        ruled,
        closed,
        res(T.defaultSecurityGroup, 'ruled-default', {
          vpcId: ruled.id,
          egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
        }),
        res(T.defaultSecurityGroup, 'closed-default', { vpcId: closed.id }),
      ],
      expected: [
        'VPC open: its default security group is not taken over (no DefaultSecurityGroup)',
        'VPC ruled: its default security group keeps 1 rule(s)',
      ],
    };
  })(),
  (() => {
    const partial = vpc('partial');
    const endpoint = (service: string) =>
      res(T.vpcEndpoint, `partial-${service}`, {
        vpcId: partial.id,
        serviceName: `com.amazonaws.eu-south-1.${service}`,
      });
    return {
      rule: rules.vpcEndpoints,
      title: 'S3 and KMS only',
      resources: [partial, endpoint('s3'), endpoint('kms')],
      expected: ['VPC partial: no endpoint for secretsmanager, logs, sts, glue'],
    };
  })(),
  (() => {
    const lbGroup = res(T.securityGroup, 'lb-group', {});
    const instances = res(T.securityGroup, 'instances', {
      ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidrBlocks: ['0.0.0.0/0'] }],
    });
    return {
      rule: rules.noIngressFromAnywhere,
      title:
        "SSH from anywhere, 8080 on the balancer's group, IPv6 (443 on the balancer's group passes)",
      resources: [
        lbGroup,
        instances,
        loadBalancer('lb', { securityGroups: [lbGroup.id] }),
        res(T.ingressRule, 'lb-https', {
          securityGroupId: lbGroup.id,
          cidrIpv4: '0.0.0.0/0',
          fromPort: 443,
          toPort: 443,
          ipProtocol: 'tcp',
        }),
        res(T.ingressRule, 'lb-8080', {
          securityGroupId: lbGroup.id,
          cidrIpv4: '0.0.0.0/0',
          fromPort: 8080,
          toPort: 8080,
          ipProtocol: 'tcp',
        }),
        res(T.securityGroupRule, 'v6', {
          type: 'ingress',
          securityGroupId: instances.id,
          ipv6CidrBlocks: ['::/0'],
          fromPort: 443,
          toPort: 443,
          protocol: 'tcp',
        }),
      ],
      expected: [
        'security group instances: ingress on ports 22-22 from 0.0.0.0/0',
        'ingress rule lb-8080: from 0.0.0.0/0',
        'security group rule v6: ingress from ::/0',
      ],
    };
  })(),
  {
    rule: rules.databasePortsFromGroupsOnly,
    title:
      "a CIDR on the cluster's own port, all traffic from a prefix list, a range over Redshift's",
    resources: [
      cluster({ port: 5433 }),
      workgroup(),
      res(T.ingressRule, 'db-cidr', {
        securityGroupId: 'sg-db',
        cidrIpv4: '10.0.0.0/8',
        fromPort: 5433,
        toPort: 5433,
        ipProtocol: 'tcp',
      }),
      res(T.ingressRule, 'db-from-group', {
        securityGroupId: 'sg-db',
        referencedSecurityGroupId: 'sg-app',
        fromPort: 5433,
        toPort: 5433,
        ipProtocol: 'tcp',
      }),
      res(T.securityGroupRule, 'all', {
        type: 'ingress',
        securityGroupId: 'sg-db',
        prefixListIds: ['pl-1'],
        fromPort: 0,
        toPort: 0,
        protocol: '-1',
      }),
      res(T.securityGroup, 'range', {
        ingress: [
          { protocol: 'tcp', fromPort: 5000, toPort: 6000, cidrBlocks: ['192.168.0.0/16'] },
        ],
      }),
    ],
    expected: [
      'ingress rule db-cidr: port 5433 open to 10.0.0.0/8',
      'security group rule all: port 5433, 5439 open to pl-1',
      'security group range: port 5433, 5439 open to 192.168.0.0/16',
    ],
  },
);

// SNS and SQS
cases.push(
  {
    rule: rules.snsEncrypted,
    title: 'no key, the AWS-managed key',
    resources: [
      res(T.topic, 'clear', { name: 'clear' }),
      res(T.topic, 'aws-key', { kmsMasterKeyId: 'alias/aws/sns' }),
      res(T.topic, 'good', { kmsMasterKeyId: KEY }),
    ],
    expected: [
      'topic clear: not encrypted (kmsMasterKeyId missing)',
      'topic aws-key: the AWS-managed key alias/aws/sns (CloudWatch alarms cannot publish with it)',
    ],
  },
  {
    rule: rules.sqsEncrypted,
    title: 'no key, the AWS-managed key',
    resources: [
      res(T.queue, 'clear', {}),
      res(T.queue, 'aws-key', { kmsMasterKeyId: 'alias/aws/sqs' }),
      res(T.queue, 'good', { kmsMasterKeyId: KEY }),
    ],
    expected: [
      'SQS queue clear: not encrypted with a customer-managed key (kmsMasterKeyId)',
      'SQS queue aws-key: not encrypted with a customer-managed key (kmsMasterKeyId)',
    ],
  },
  (() => {
    const unlogged = res(T.topic, 'unlogged', { kmsMasterKeyId: KEY });
    const logged = res(T.topic, 'logged', {
      kmsMasterKeyId: KEY,
      lambdaFailureFeedbackRoleArn: 'arn:aws:iam::123456789012:role/feedback',
    });
    return {
      rule: rules.snsDeliveryStatusLogging,
      title: 'a Lambda subscription without delivery status (email needs none)',
      resources: [
        unlogged,
        logged,
        res(T.subscription, 'unlogged-lambda', {
          topic: unlogged.id,
          protocol: 'lambda',
          endpoint: 'arn:aws:lambda:eu-south-1:123456789012:function:f',
        }),
        res(T.subscription, 'unlogged-email', {
          topic: unlogged.id,
          protocol: 'email',
          endpoint: 'a@example.org',
        }),
        res(T.subscription, 'logged-lambda', {
          topic: logged.id,
          protocol: 'lambda',
          endpoint: 'arn:aws:lambda:eu-south-1:123456789012:function:f',
        }),
      ],
      expected: [
        'topic unlogged: delivery status of lambda subscriptions not logged (lambdaFailureFeedbackRoleArn)',
      ],
    };
  })(),
  {
    rule: rules.snsSqsNoPublicPolicy,
    title:
      'everyone without a condition, another account (a service with a source condition passes)',
    resources: [
      res(T.topicPolicy, 'public', {
        policy: policyDocument({
          Sid: 'Anyone',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'sns:Publish',
          Resource: 'arn:aws:sns:eu-south-1:123456789012:t',
        }),
      }),
      res(T.queuePolicy, 'cross-account', {
        policy: policyDocument({
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::999999999999:root' },
          Action: 'sqs:SendMessage',
          Resource: 'arn:aws:sqs:eu-south-1:123456789012:q',
        }),
      }),
      res(T.topicPolicy, 'alarms', {
        policy: policyDocument({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: 'arn:aws:sns:eu-south-1:123456789012:t',
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        }),
      }),
    ],
    expected: [
      'TopicPolicy public (statement Anyone): allows everyone without a source condition',
      'QueuePolicy cross-account: allows account 999999999999',
    ],
  },
);

// Logs, keys, secrets, IAM
cases.push(
  {
    rule: rules.logGroupsEncryptedAndKept,
    title: 'no key and kept forever; kept 90 days',
    resources: [
      res(T.logGroup, 'forever', {}),
      res(T.logGroup, 'short', { kmsKeyId: KEY, retentionInDays: 90 }),
      res(T.logGroup, 'good', { kmsKeyId: KEY, retentionInDays: 731 }),
    ],
    expected: [
      'log group forever: not encrypted with a customer-managed key (kmsKeyId)',
      'log group forever: kept forever (retentionInDays missing)',
      'log group short: kept 90 days (expected at least 365)',
    ],
  },
  {
    rule: rules.kmsRotation,
    title: 'rotation off',
    resources: [res(T.key, 'static', {}), res(T.key, 'rotated', { enableKeyRotation: true })],
    expected: ['KMS key static: rotation off'],
  },
  (() => {
    const never = res(T.secret, 'never', { kmsKeyId: KEY });
    const yearly = res(T.secret, 'yearly', { kmsKeyId: KEY });
    const monthly = res(T.secret, 'monthly', { kmsKeyId: KEY });
    return {
      rule: rules.secretsRotation,
      title: 'no rotation, a yearly one (every 30 days passes)',
      resources: [
        never,
        yearly,
        monthly,
        res(T.secretRotation, 'yearly-rotation', {
          secretId: yearly.id,
          rotationRules: { scheduleExpression: 'rate(365 days)' },
        }),
        res(T.secretRotation, 'monthly-rotation', {
          secretId: monthly.id,
          rotationRules: { automaticallyAfterDays: 30 },
        }),
      ],
      expected: [
        'secret never: 0 rotations (expected 1)',
        'secret yearly: rotated every 365 days (expected 90 or less)',
      ],
    };
  })(),
  {
    rule: rules.secretsKey,
    title: 'the AWS key',
    resources: [res(T.secret, 'aws-key', {}), res(T.secret, 'good', { kmsKeyId: KEY })],
    expected: ['secret aws-key: not encrypted with a customer-managed key (kmsKeyId)'],
  },
  {
    rule: rules.iamNoWildcardActions,
    title: '`*`, `s3:*` and NotAction',
    resources: [
      res('aws:iam/rolePolicy:RolePolicy', 'admin', {
        policy: policyDocument({ Effect: 'Allow', Action: '*', Resource: '*' }),
      }),
      res('aws:iam/rolePolicy:RolePolicy', 's3-all', {
        policy: policyDocument({
          Sid: 'Bucket',
          Effect: 'Allow',
          Action: ['s3:*'],
          Resource: 'arn:aws:s3:::data',
        }),
      }),
      res('aws:kms/key:Key', 'key', {
        policy: policyDocument({
          Effect: 'Allow',
          NotAction: 'kms:Decrypt',
          Resource: '*',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        }),
      }),
      res('aws:iam/rolePolicy:RolePolicy', 'good', {
        policy: policyDocument({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::data/*',
        }),
      }),
    ],
    expected: [
      'RolePolicy admin: Allow of *',
      'RolePolicy s3-all: Allow of s3:* (statement Bucket)',
      'Key key: Allow with NotAction',
    ],
  },
  {
    rule: rules.iamNoWildcardResources,
    title: 'another action on any resource, PutMetricData without a namespace',
    resources: [
      res('aws:iam/rolePolicy:RolePolicy', 'broad', {
        policy: policyDocument(
          {
            Sid: 'Read',
            Effect: 'Allow',
            Action: ['s3:GetObject', 'ec2:CreateNetworkInterface'],
            Resource: '*',
          },
          { Sid: 'Metrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
          },
        ),
      }),
    ],
    expected: [
      'RolePolicy broad (statement Read): s3:GetObject on any resource',
      'RolePolicy broad (statement Metrics): cloudwatch:PutMetricData without a cloudwatch:namespace condition',
    ],
  },
);

test('every rule of the pack has a fixture that violates it', () => {
  const covered = new Set(cases.map((c) => c.rule.name));
  expect(platformPolicies.filter((p) => !covered.has(p.name)).map((p) => p.name)).toEqual([]);
  expect(cases.every((c) => platformPolicies.includes(c.rule))).toBe(true);
});

test('every rule names its controls, a severity and remediation steps', () => {
  const names = platformPolicies.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  for (const p of platformPolicies) {
    expect([p.name, /^qdp-[a-z0-9-]+$/.test(p.name)]).toEqual([p.name, true]);
    expect([
      p.name,
      p.enforcementLevel,
      typeof p.severity,
      (p.remediationSteps ?? '').length > 10,
    ]).toEqual([p.name, 'mandatory', 'string', true]);
    const tags = p.tags ?? [];
    if (tags.length > 0) {
      expect(p.description.startsWith(`${tags.join(', ')}: `)).toBe(true);
      expect(p.framework?.reference.split(', ').every((id) => tags.includes(id))).toBe(true);
    }
  }
});

describe.each(cases.map((c) => [`${c.rule.name}: ${c.title}`, c] as const))('%s', (_, c) => {
  test('reports exactly', async () => {
    const found = await runPolicies([c.rule], policyResources(c.resources), c.config ?? {});
    expect(found).toEqual(c.expected.map((message) => ({ policy: c.rule.name, message })));
  });
});

test('infra/README.md lists every rule with its controls and severity', () => {
  const readme = readFileSync(path.join(root, 'infra/README.md'), 'utf8');
  const missing = platformPolicies.filter(
    (p) =>
      !readme.includes(`| \`${p.name}\` | ${(p.tags ?? []).join(', ') || '–'} | ${p.severity} |`),
  );
  expect(missing.map((p) => p.name)).toEqual([]);
});
