// The security baseline's controls that the component adds besides its services' own settings:
// VPC flow logs and the closed default group, AWS Backup, Lambda tracing and concurrency, the
// Glue Data Catalog's encryption when the platform owns it, the rotation of the portal's settings
// secret. Inputs asserted exactly.
import { expect, test } from 'vitest';
import { QuarantineDataPlatform, type QuarantineDataPlatformArgs } from '../../infra/index.ts';
import { typicalArgs } from './fixtures.ts';
import { ACCOUNT_ID, installMocks, ofType, one, resolve, settle } from './mocks.ts';

async function deploy(args: QuarantineDataPlatformArgs = typicalArgs) {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', args);
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);
  const keyArn = one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs['kmsKeyId'];
  return { rec, keyArn };
}

test('network: flow logs of all traffic to an encrypted log group; the default group has no rules', async () => {
  const { rec, keyArn } = await deploy();
  const logGroupArn = `arn:aws:logs:eu-south-1:${ACCOUNT_ID}:log-group:/vpc/ulss9-flow-logs`;
  expect(one(rec, 'aws:cloudwatch/logGroup:LogGroup', 'ulss9-flow-logs').inputs).toEqual({
    name: '/vpc/ulss9-flow-logs',
    retentionInDays: 731,
    kmsKeyId: keyArn,
  });
  expect(one(rec, 'aws:ec2/flowLog:FlowLog', 'ulss9-flow-logs').inputs).toEqual({
    vpcId: 'vpc-ulss9-vpc',
    trafficType: 'ALL',
    logDestinationType: 'cloud-watch-logs',
    logDestination: logGroupArn,
    iamRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-flow-logs`,
    maxAggregationInterval: 600,
  });
  expect(
    JSON.parse(String(one(rec, 'aws:iam/role:Role', 'ulss9-flow-logs').inputs['assumeRolePolicy'])),
  ).toEqual({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
      },
    ],
  });
  expect(
    JSON.parse(
      String(one(rec, 'aws:iam/rolePolicy:RolePolicy', 'ulss9-flow-logs').inputs['policy']),
    ),
  ).toEqual({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
        ],
        Resource: [logGroupArn, `${logGroupArn}:*`],
      },
    ],
  });
  expect(
    one(rec, 'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup', 'ulss9-default').inputs,
  ).toEqual({ vpcId: 'vpc-ulss9-vpc' });
});

test("the caller's VPC: no flow logs or default group of the component (the VPC's owner keeps them)", async () => {
  const { rec } = await deploy({
    ...typicalArgs,
    vpcId: 'vpc-given',
    privateSubnetIds: ['subnet-a', 'subnet-b'],
    publicSubnetIds: ['subnet-c', 'subnet-d'],
  });
  expect(ofType(rec, 'aws:ec2/flowLog:FlowLog')).toEqual([]);
  expect(ofType(rec, 'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup')).toEqual([]);
});

test('backups: a vault on the platform key, a daily plan for the cluster and the landing bucket, no lock or copy by default', async () => {
  const { rec, keyArn } = await deploy();
  expect(one(rec, 'aws:backup/vault:Vault', 'ulss9-backup').inputs).toEqual({
    name: 'ulss9-backup',
    kmsKeyArn: keyArn,
  });
  expect(one(rec, 'aws:backup/plan:Plan', 'ulss9-backup').inputs).toEqual({
    name: 'ulss9-daily',
    rules: [
      {
        ruleName: 'daily',
        targetVaultName: 'ulss9-backup',
        schedule: 'cron(0 2 * * ? *)',
        startWindow: 60,
        completionWindow: 360,
        lifecycle: { deleteAfter: 35 },
      },
    ],
  });
  const selection = one(rec, 'aws:backup/selection:Selection', 'ulss9-backup').inputs;
  expect(selection).toEqual({
    name: 'ulss9-platform',
    planId: one(rec, 'aws:backup/plan:Plan', 'ulss9-backup').id,
    iamRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-backup`,
    resources: [
      `arn:aws:rds:eu-south-1:${ACCOUNT_ID}:cluster:ulss9-db`,
      'arn:aws:s3:::ulss9-landing-abc1234',
    ],
  });
  expect(
    ofType(rec, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')
      .filter((a) => a.name.startsWith('ulss9-backup-'))
      .map((a) => a.inputs['policyArn']),
  ).toEqual([
    'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
    'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
    'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup',
    'arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore',
  ]);
  expect(ofType(rec, 'aws:backup/vaultLockConfiguration:VaultLockConfiguration')).toEqual([]);
});

test('backups with a compliance lock and a copy to a second Region', async () => {
  const { rec } = await deploy({
    ...typicalArgs,
    backupRetentionDays: 90,
    backupVaultLock: true,
    backupCopyRegion: 'eu-central-1',
  });
  expect(
    one(rec, 'aws:backup/vaultLockConfiguration:VaultLockConfiguration', 'ulss9-backup').inputs,
  ).toEqual({ backupVaultName: 'ulss9-backup', minRetentionDays: 90, changeableForDays: 3 });
  const copyKey = one(rec, 'aws:kms/key:Key', 'ulss9-backup-copy');
  const copyVault = one(rec, 'aws:backup/vault:Vault', 'ulss9-backup-copy');
  expect([rec.regionOf(copyKey.provider), rec.regionOf(copyVault.provider)]).toEqual([
    'eu-central-1',
    'eu-central-1',
  ]);
  expect(copyKey.inputs).toEqual({
    description: 'Quarantine data platform ulss9: copies of its backups',
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });
  expect(copyVault.inputs).toEqual({
    name: 'ulss9-backup-copy',
    kmsKeyArn: `arn:aws:kms:eu-central-1:${ACCOUNT_ID}:key/${copyKey.id}`,
  });
  const rule = (
    one(rec, 'aws:backup/plan:Plan', 'ulss9-backup').inputs['rules'] as Record<string, unknown>[]
  )[0];
  expect([rule?.['lifecycle'], rule?.['copyActions']]).toEqual([
    { deleteAfter: 90 },
    [
      {
        destinationVaultArn: `arn:aws:backup:eu-central-1:${ACCOUNT_ID}:backup-vault:ulss9-backup-copy`,
        lifecycle: { deleteAfter: 90 },
      },
    ],
  ]);
});

test('Lambda: every function traced with X-Ray; on-upload with its reserved concurrency', async () => {
  const { rec } = await deploy({ ...typicalArgs, onUploadReservedConcurrency: 3 });
  const functions = ofType(rec, 'aws:lambda/function:Function');
  expect(functions.map((f) => [f.name, f.inputs['tracingConfig']]).sort()).toEqual(
    ['ulss9-on-upload', 'ulss9-migrate', 'ulss9-notify', 'ulss9-rotate-database-secret']
      .sort()
      .map((name) => [name, { mode: 'Active' }]),
  );
  expect(functions.map((f) => [f.name, f.inputs['reservedConcurrentExecutions']]).sort()).toEqual([
    ['ulss9-migrate', 1],
    ['ulss9-notify', undefined],
    ['ulss9-on-upload', 3],
    ['ulss9-rotate-database-secret', 1],
  ]);
  for (const f of functions) {
    expect(
      one(rec, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', `${f.name}-xray`).inputs,
    ).toEqual({
      role: f.name,
      policyArn: 'arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess',
    });
  }
  // notify (invoked asynchronously by EventBridge and Scheduler) keeps failed events too.
  expect(
    one(rec, 'aws:lambda/function:Function', 'ulss9-notify').inputs['deadLetterConfig'],
  ).toEqual({ targetArn: `arn:aws:sqs:eu-south-1:${ACCOUNT_ID}:ulss9-notify-dlq` });
});

test('Glue Data Catalog encryption: declared only when the platform owns it', async () => {
  const off = await deploy();
  expect(
    ofType(off.rec, 'aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings'),
  ).toEqual([]);
  const { rec, keyArn } = await deploy({ ...typicalArgs, manageDataCatalogEncryption: true });
  expect(
    one(
      rec,
      'aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings',
      'ulss9-catalog-encryption',
    ).inputs,
  ).toEqual({
    dataCatalogEncryptionSettings: {
      encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS', sseAwsKmsKeyId: keyArn },
      connectionPasswordEncryption: {
        returnConnectionPasswordEncrypted: true,
        awsKmsKeyId: keyArn,
      },
    },
  });
});

test("Secrets Manager: the portal's settings secret rotated every portalDatabasePasswordRotationDays by the platform's function, in the private subnets and the workloads' group", async () => {
  const { rec } = await deploy({ ...typicalArgs, portalDatabasePasswordRotationDays: 14 });
  const secret = one(rec, 'aws:secretsmanager/secret:Secret', 'ulss9-portal');
  const fn = one(rec, 'aws:lambda/function:Function', 'ulss9-rotate-database-secret');
  expect(
    one(rec, 'aws:secretsmanager/secretRotation:SecretRotation', 'ulss9-portal-login').inputs,
  ).toEqual({
    secretId: secret.outputs?.['arn'],
    rotationLambdaArn: fn.outputs?.['arn'],
    rotationRules: { automaticallyAfterDays: 14 },
    rotateImmediately: false,
  });
  const migrate = one(rec, 'aws:lambda/function:Function', 'ulss9-migrate').inputs;
  expect(fn.inputs['vpcConfig']).toEqual(migrate['vpcConfig']);
  const { rec: byDefault } = await deploy();
  expect(
    one(byDefault, 'aws:secretsmanager/secretRotation:SecretRotation', 'ulss9-portal-login').inputs[
      'rotationRules'
    ],
  ).toEqual({ automaticallyAfterDays: 30 });
});
