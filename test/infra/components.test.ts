// The sub-components on their own (each is usable without QuarantineDataPlatform).
import { expect, test } from 'vitest';
import {
  Analytics,
  Database,
  Etl,
  etlNames,
  ImportTrigger,
  importTriggerNames,
  InvalidArgumentsError,
  Landing,
  Migrations,
  Monitoring,
  Network,
  Notifications,
  PlatformKey,
  PortalLoginRotation,
  ROTATE_MEMORY_MB,
  ROTATE_RESERVED_CONCURRENCY,
  ROTATE_TIMEOUT_SECONDS,
} from '../../infra/index.ts';
import { parseEnvironment } from '../../functions/environment.ts';
import { ED25519_KEY } from './fixtures.ts';
import { countsByType, installMocks, one, resolve, settle, type Recorder } from './mocks.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';
import { PORTAL_LOGIN_ROLE } from '../../contracts/roles.ts';

const KEY = 'arn:aws:kms:eu-south-1:123456789012:key/given';

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: unknown;
  Condition?: unknown;
}

function policyOf(rec: Recorder, name: string): { Statement: PolicyStatement[] } {
  return JSON.parse(String(one(rec, 'aws:iam/rolePolicy:RolePolicy', name).inputs['policy'])) as {
    Statement: PolicyStatement[];
  };
}

function statementIds(rec: Recorder, name: string): (string | undefined)[] {
  return policyOf(rec, name).Statement.map((s) => s.Sid);
}

test('Database alone in the caller’s subnets, with its own children only', async () => {
  const rec = await installMocks();
  const db = new Database('solo', {
    kmsKeyArn: KEY,
    vpcId: 'vpc-1',
    subnetIds: ['subnet-a', 'subnet-b'],
  });
  await resolve(db.secretArn);
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:ec2/securityGroup:SecurityGroup': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
    'aws:rds/cluster:Cluster': 1,
    'aws:rds/clusterInstance:ClusterInstance': 2,
    'aws:rds/clusterParameterGroup:ClusterParameterGroup': 1,
    'aws:rds/subnetGroup:SubnetGroup': 1,
    'quarantine:database:Database': 1,
  });
  expect(
    rec.resources
      .filter((r) => r.custom)
      .every((r) => r.parentType === 'quarantine:database:Database'),
  ).toBe(true);
  expect(one(rec, 'aws:rds/cluster:Cluster', 'solo-db').inputs['deletionProtection']).toBe(true);
});

test('Notifications alone: the topics and their delivery-status logging, no notify function', async () => {
  const rec = await installMocks();
  const notifications = new Notifications('solo', { kmsKeyArn: KEY });
  await resolve(notifications.failureTopicArn);
  await settle(rec);
  // The topics' delivery-status logging: 4 log groups and the role SNS writes them with.
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 4,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:sns/topic:Topic': 2,
    'quarantine:notifications:Notifications': 1,
  });
  expect(notifications.notify).toBeUndefined();
});

test('Monitoring alone: no database and no deadline, so only the watched function and no database widget', async () => {
  const rec = await installMocks();
  const monitoring = new Monitoring('solo', {
    failureTopicArn: 'arn:aws:sns:eu-south-1:123456789012:solo-ETL_Failure',
    functions: [{ key: 'worker', name: 'solo-worker' }],
  });
  await resolve(monitoring.dashboardName);
  await settle(rec);
  // Nothing would put the deadline metric: no deadline alarm (missing data counts as breaching).
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/dashboard:Dashboard': 1,
    'aws:cloudwatch/metricAlarm:MetricAlarm': 1,
    'quarantine:monitoring:Monitoring': 1,
  });
  const alarm = one(rec, 'aws:cloudwatch/metricAlarm:MetricAlarm', 'solo-worker-errors').inputs;
  expect([alarm['alarmDescription'], alarm['dimensions'], alarm['alarmActions']]).toEqual([
    'The Lambda function solo-worker failed.',
    { FunctionName: 'solo-worker' },
    ['arn:aws:sns:eu-south-1:123456789012:solo-ETL_Failure'],
  ]);
  const body = JSON.parse(
    String(
      one(rec, 'aws:cloudwatch/dashboard:Dashboard', 'solo-dashboard').inputs['dashboardBody'],
    ),
  ) as {
    widgets: unknown[];
  };
  expect(body.widgets.length).toBe(2);
});

test('PlatformKey with the caller’s key declares nothing', async () => {
  const rec = await installMocks();
  const key = new PlatformKey('solo', { kmsKeyArn: KEY, authorityName: 'ASL' });
  expect(await resolve(key.keyArn)).toBe(KEY);
  await settle(rec);
  expect(countsByType(rec)).toEqual({ 'quarantine:key:PlatformKey': 1 });
});

test('guards of the sub-components used directly, before anything is declared', async () => {
  const rec = await installMocks();
  expect(() => new Network('solo', { vpcId: 'vpc-1', kmsKeyArn: KEY })).toThrow(
    'Network: privateSubnetIds is required with vpcId',
  );
  expect(
    () =>
      new Landing('solo', {
        kmsKeyArn: KEY,
        sftpUsers: [{ userName: 'regione', sshPublicKeys: [ED25519_KEY] }],
        sftpEndpointType: 'VPC',
        sftpAllowedCidrs: ['10.0.0.0/8'],
      }),
  ).toThrow('Landing: vpcId and subnetIds are required with sftpEndpointType "VPC"');
  await settle(rec);
  expect(rec.resources).toEqual([]);
});

test('each sub-component checks its own arguments before anything is declared, naming its own fields', async () => {
  const rec = await installMocks();
  const refused = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentsError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };
  expect(
    refused(
      () =>
        new Database('solo', {
          kmsKeyArn: KEY,
          vpcId: 'vpc-1',
          subnetIds: ['subnet-a', 'subnet-b'],
          minCapacity: 8,
          maxCapacity: 6,
          instances: 0,
        }),
    ),
  ).toBe(
    'Database "solo": 2 invalid argument(s):\n- maxCapacity: 6 must be at least minCapacity (8)\n- instances: 0 must be a whole number from 1 to 16 (a writer and its readers)',
  );
  expect(
    refused(
      () =>
        new Network('solo', {
          cidrBlock: '10.0.0.0/8',
          availabilityZoneCount: 5,
          kmsKeyArn: KEY,
        }),
    ),
  ).toBe(
    'Network "solo": 2 invalid argument(s):\n- cidrBlock: "10.0.0.0/8" must be an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16\n- availabilityZoneCount: 5 must be 2, 3 or 4',
  );
  expect(
    refused(
      () =>
        new Landing('solo', {
          kmsKeyArn: KEY,
          sftpUsers: [],
          rawFileRetentionDays: 0,
        }),
    ),
  ).toBe(
    'Landing "solo": 2 invalid argument(s):\n- sftpUsers: must list at least one user (the account that uploads the daily file)\n- rawFileRetentionDays: 0 must be a whole number of days from 1 to 3650',
  );
  expect(
    refused(
      () => new Notifications('solo', { kmsKeyArn: KEY, importDeadline: '25:00', timeZone: 'CET' }),
    ),
  ).toBe(
    'Notifications "solo": 2 invalid argument(s):\n- importDeadline: "25:00" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59\n- timeZone: "CET" is not an IANA time zone such as Europe/Rome or UTC',
  );
  expect(
    refused(() => new PlatformKey('solo', { kmsKeyArn: 'alias/mine', authorityName: 'A' })),
  ).toBe(
    'PlatformKey "solo": 1 invalid argument(s):\n- kmsKeyArn: "alias/mine" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias or key id',
  );
  await settle(rec);
  expect(rec.resources).toEqual([]);
});

test('Analytics alone: Redshift and its group, one client with its two rules', async () => {
  const rec = await installMocks();
  const analytics = new Analytics('solo', {
    kmsKeyArn: KEY,
    vpcId: 'vpc-1',
    subnetIds: ['subnet-a', 'subnet-b', 'subnet-c'],
    clientSecurityGroups: { etl: 'sg-etl' },
    baseCapacity: 16,
  });
  expect(await resolve(analytics.workgroupName)).toBe('solo-analytics');
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:ec2/securityGroup:SecurityGroup': 1,
    'aws:redshiftserverless/namespace:Namespace': 1,
    'aws:redshiftserverless/workgroup:Workgroup': 1,
    'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 2,
    'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 1,
    'quarantine:analytics:Analytics': 1,
  });
  const workgroup = one(rec, 'aws:redshiftserverless/workgroup:Workgroup', 'solo-analytics');
  expect([workgroup.inputs['baseCapacity'], workgroup.inputs['subnetIds']]).toEqual([
    16,
    ['subnet-a', 'subnet-b', 'subnet-c'],
  ]);
  expect(
    one(rec, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule', 'solo-etl-to-redshift')
      .inputs['securityGroupId'],
  ).toBe('sg-etl');
  // Without a prefix list (the caller's VPC), COPY and UNLOAD may reach S3 at any address.
  const s3 = one(
    rec,
    'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
    'solo-redshift-s3',
  );
  expect([s3.inputs['fromPort'], s3.inputs['cidrIpv4'], s3.inputs['prefixListId']]).toEqual([
    443,
    '0.0.0.0/0',
    undefined,
  ]);
  expect(
    one(rec, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', 'solo-redshift-from-etl')
      .inputs['referencedSecurityGroupId'],
  ).toBe('sg-etl');
});

test('ImportTrigger alone: function, role, log group, queue, invoke config, permission, notification', async () => {
  const rec = await installMocks();
  const trigger = new ImportTrigger('solo', {
    kmsKeyArn: KEY,
    bucketName: 'landing',
    bucketArn: 'arn:aws:s3:::landing',
    databaseClusterArn: 'arn:aws:rds:eu-south-1:123456789012:cluster:db',
    databaseSecretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
    databaseName: 'quarantine',
    glueWorkflowName: 'wf',
    glueWorkflowArn: 'arn:aws:glue:eu-south-1:123456789012:workflow/wf',
    failureTopicArn: 'arn:aws:sns:eu-south-1:123456789012:failure',
  });
  expect(await resolve(trigger.functionName)).toBe('solo-on-upload');
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
    'aws:lambda/function:Function': 1,
    'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': 1,
    'aws:lambda/permission:Permission': 1,
    'aws:s3/bucketNotification:BucketNotification': 1,
    'aws:sqs/queue:Queue': 1,
    'quarantine:trigger:ImportTrigger': 1,
  });
  for (const r of rec.resources.filter((r) => r.custom)) {
    expect([r.name.startsWith('solo-'), r.parentType]).toEqual([
      true,
      'quarantine:trigger:ImportTrigger',
    ]);
  }
  expect(importTriggerNames('solo')).toEqual({
    functionName: 'solo-on-upload',
    queueName: 'solo-on-upload-dlq',
  });
}, 60_000);

test('Etl alone without analytics: one connection, one job, two triggers; Glue names from the instance name', async () => {
  const rec = await installMocks();
  const etl = new Etl('solo', {
    kmsKeyArn: KEY,
    bucketName: 'landing',
    bucketArn: 'arn:aws:s3:::landing',
    subnetIds: ['subnet-a', 'subnet-b'],
    securityGroupId: 'sg-w',
    databaseEndpoint: 'db.example',
    databaseName: 'quarantine',
    databaseSecretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
  });
  expect(await resolve(etl.workflowName)).toBe('solo-import');
  expect(await resolve(etl.analyticsJobName)).toBeUndefined();
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:glue/catalogDatabase:CatalogDatabase': 1,
    'aws:glue/classifier:Classifier': 1,
    'aws:glue/connection:Connection': 1,
    'aws:glue/crawler:Crawler': 1,
    'aws:glue/job:Job': 1,
    'aws:glue/securityConfiguration:SecurityConfiguration': 1,
    'aws:glue/trigger:Trigger': 2,
    'aws:glue/workflow:Workflow': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:s3/bucketObjectv2:BucketObjectv2': 4,
    'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 1,
    'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 1,
    'quarantine:etl:Etl': 1,
  });
  for (const r of rec.resources.filter((r) => r.custom)) {
    expect([r.name.startsWith('solo-'), r.parentType]).toEqual([true, 'quarantine:etl:Etl']);
  }
  expect(etlNames('solo')).toEqual({
    catalogDatabase: 'solo_staging',
    crawler: 'solo-staging',
    importJob: 'solo-import',
    analyticsJob: 'solo-analytics',
    workflow: 'solo-import',
    securityConfiguration: 'solo-glue',
    databaseConnection: 'solo-aurora',
    redshiftConnection: 'solo-redshift',
    logGroup: '/aws-glue/solo',
  });
}, 60_000);

test('Migrations alone: the function in the given subnets and group, and its invocation', async () => {
  const rec = await installMocks();
  const migrations = new Migrations('solo', {
    kmsKeyArn: KEY,
    subnetIds: ['subnet-a', 'subnet-b'],
    securityGroupId: 'sg-w',
    databaseHost: 'db.example',
    databaseName: 'quarantine',
    databaseSecretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
    territoryProvinces: ['VR', 'VI'],
    databaseReady: [],
  });
  expect(await resolve(migrations.functionName)).toBe('solo-migrate');
  expect(await resolve(migrations.migrationsHash)).toMatch(/^[0-9a-f]{64}$/);
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
    'aws:lambda/function:Function': 1,
    'aws:lambda/invocation:Invocation': 1,
    'quarantine:migrations:Migrations': 1,
  });
  expect(
    (
      one(rec, 'aws:lambda/invocation:Invocation', 'solo-migrate').inputs['triggers'] as {
        territory: string;
      }
    ).territory,
  ).toBe('VR,VI');
  // No portal: no portal login, no access to any other secret.
  const fn = one(rec, 'aws:lambda/function:Function', 'solo-migrate').inputs;
  expect(Object.keys((fn['environment'] as { variables: object }).variables).sort()).toEqual(
    [
      LAMBDA_ENV.databaseSecretArn,
      LAMBDA_ENV.databaseName,
      LAMBDA_ENV.databaseHost,
      LAMBDA_ENV.databasePort,
      LAMBDA_ENV.databaseTls,
      LAMBDA_ENV.territoryProvinces,
    ].sort(),
  );
  expect(statementIds(rec, 'solo-migrate')).toEqual([
    'OwnLogs',
    'EnvironmentKey',
    'DatabaseSecret',
    'VpcNetworkInterfaces',
  ]);
  expect(
    Object.keys(
      one(rec, 'aws:lambda/invocation:Invocation', 'solo-migrate').inputs['triggers'] as object,
    ),
  ).toEqual(['migrations', 'territory']);
}, 60_000);

test('Migrations with the portal: the login role, that one secret read and written, rerun on a new secret', async () => {
  const rec = await installMocks();
  const portalSecret = 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:solo-portal-x';
  const migrations = new Migrations('solo', {
    kmsKeyArn: KEY,
    subnetIds: ['subnet-a'],
    securityGroupId: 'sg-w',
    databaseHost: 'db.example',
    databaseName: 'quarantine',
    databaseSecretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
    territoryProvinces: ['VR'],
    portalSettingsSecretArn: portalSecret,
    databaseReady: [],
  });
  await resolve(migrations.result);
  await settle(rec);
  const variables = (
    one(rec, 'aws:lambda/function:Function', 'solo-migrate').inputs['environment'] as {
      variables: Record<string, string>;
    }
  ).variables;
  expect([
    variables[LAMBDA_ENV.portalSettingsSecretArn],
    variables[LAMBDA_ENV.portalLoginRole],
  ]).toEqual([portalSecret, PORTAL_LOGIN_ROLE]);
  expect(parseEnvironment('migrate', variables)[LAMBDA_ENV.portalLoginRole]).toBe(
    'qdp_portal_login',
  );
  const statements = policyOf(rec, 'solo-migrate').Statement;
  expect(statements.map((s) => s.Sid)).toEqual([
    'OwnLogs',
    'EnvironmentKey',
    'DatabaseSecret',
    'PortalSettings',
    'PortalSettingsKey',
    'VpcNetworkInterfaces',
  ]);
  expect(statements.filter((s) => s.Sid?.startsWith('PortalSettings'))).toEqual([
    {
      Sid: 'PortalSettings',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
      Resource: portalSecret,
    },
    {
      Sid: 'PortalSettingsKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey'],
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-south-1.amazonaws.com' } },
    },
  ]);
  expect(
    (
      one(rec, 'aws:lambda/invocation:Invocation', 'solo-migrate').inputs['triggers'] as {
        portalSettings: string;
      }
    ).portalSettings,
  ).toBe(portalSecret);
}, 60_000);

test('PortalLoginRotation alone: the function in the VPC, allowed on that one secret, invoked by Secrets Manager for it only, every N days', async () => {
  const rec = await installMocks();
  const secret = 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:solo-portal-x';
  const rotation = new PortalLoginRotation('solo', {
    secretArn: secret,
    kmsKeyArn: KEY,
    subnetIds: ['subnet-a', 'subnet-b'],
    securityGroupId: 'sg-w',
    rotationDays: 7,
    after: [],
  });
  expect([await resolve(rotation.functionName), rotation.rotationDays]).toEqual([
    'solo-rotate-database-secret',
    7,
  ]);
  await settle(rec);
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
    'aws:lambda/function:Function': 1,
    'aws:lambda/permission:Permission': 1,
    'aws:secretsmanager/secretRotation:SecretRotation': 1,
    'quarantine:rotation:PortalLoginRotation': 1,
  });
  const fn = one(rec, 'aws:lambda/function:Function', 'solo-rotate-database-secret').inputs;
  expect([
    fn['vpcConfig'],
    fn['environment'],
    fn['timeout'],
    fn['memorySize'],
    fn['reservedConcurrentExecutions'],
    fn['tracingConfig'],
    fn['kmsKeyArn'],
  ]).toEqual([
    { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-w'] },
    { variables: { [LAMBDA_ENV.portalSettingsSecretArn]: secret } },
    ROTATE_TIMEOUT_SECONDS,
    ROTATE_MEMORY_MB,
    ROTATE_RESERVED_CONCURRENCY,
    { mode: 'Active' },
    KEY,
  ]);
  expect(
    parseEnvironment(
      'rotate-database-secret',
      (fn['environment'] as { variables: Record<string, string> }).variables,
    ),
  ).toEqual({ [LAMBDA_ENV.portalSettingsSecretArn]: secret });
  // Least privilege: its logs, the key to decrypt, the four calls of a rotation on this secret,
  // a new version encrypted only through Secrets Manager, and the network interfaces of the VPC.
  const statements = policyOf(rec, 'solo-rotate-database-secret').Statement;
  expect(statements.map((s) => s.Sid)).toEqual([
    'OwnLogs',
    'EnvironmentKey',
    'RotateSettings',
    'SettingsKey',
    'VpcNetworkInterfaces',
  ]);
  expect(statements.slice(1, 4)).toEqual([
    { Sid: 'EnvironmentKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: KEY },
    {
      Sid: 'RotateSettings',
      Effect: 'Allow',
      Action: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      Resource: secret,
    },
    {
      Sid: 'SettingsKey',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey'],
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-south-1.amazonaws.com' } },
    },
  ]);
  const permission = one(rec, 'aws:lambda/permission:Permission', 'solo-rotate-database-secret');
  expect(permission.inputs).toEqual({
    function: 'solo-rotate-database-secret',
    action: 'lambda:InvokeFunction',
    principal: 'secretsmanager.amazonaws.com',
    sourceArn: secret,
  });
  const functionArn = one(rec, 'aws:lambda/function:Function', 'solo-rotate-database-secret')
    .outputs?.['arn'];
  expect(
    one(rec, 'aws:secretsmanager/secretRotation:SecretRotation', 'solo-portal-login').inputs,
  ).toEqual({
    secretId: secret,
    rotationLambdaArn: functionArn,
    rotationRules: { automaticallyAfterDays: 7 },
    rotateImmediately: false,
  });
}, 60_000);

test('PortalLoginRotation: every 30 days by default', async () => {
  const rec = await installMocks();
  const rotation = new PortalLoginRotation('solo', {
    secretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:p',
    kmsKeyArn: KEY,
    subnetIds: ['subnet-a'],
    securityGroupId: 'sg-w',
    after: [],
  });
  await resolve(rotation.functionName);
  await settle(rec);
  expect(rotation.rotationDays).toBe(30);
  expect(
    one(rec, 'aws:secretsmanager/secretRotation:SecretRotation', 'solo-portal-login').inputs[
      'rotationRules'
    ],
  ).toEqual({ automaticallyAfterDays: 30 });
}, 60_000);
