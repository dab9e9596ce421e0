// QuarantineDataPlatform under Pulumi's mocks: what it declares, with which inputs, under which
// parent and provider.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, test } from 'vitest';
import {
  deadlineCron,
  INTERFACE_ENDPOINT_SERVICES,
  InvalidArgumentsError,
  SESSION_MANAGER_ENDPOINT_SERVICES,
  KEY_ADMIN_ACTIONS,
  QuarantineDataPlatform,
  TRANSFER_SECURITY_POLICY,
  type QuarantineDataPlatformArgs,
} from '../../infra/index.ts';
import { ECDSA_KEY, ED25519_KEY, minimalArgs, typicalArgs } from './fixtures.ts';
import {
  ACCOUNT_ID,
  countsByType,
  installMocks,
  ofType,
  one,
  resolve,
  settle,
  type Recorder,
} from './mocks.ts';

const SUB_COMPONENTS = [
  'quarantine:network:Network',
  'quarantine:key:PlatformKey',
  'quarantine:landing:Landing',
  'quarantine:database:Database',
  'quarantine:analytics:Analytics',
  'quarantine:etl:Etl',
  'quarantine:notifications:Notifications',
  'quarantine:monitoring:Monitoring',
  'quarantine:trigger:ImportTrigger',
  'quarantine:migrations:Migrations',
  'quarantine:portal:Portal',
  'quarantine:portal:PortalSettings',
  'quarantine:backup:Backup',
  'quarantine:rotation:PortalLoginRotation',
];

async function deploy(
  name: string,
  args: QuarantineDataPlatformArgs,
): Promise<{ rec: Recorder; platform: QuarantineDataPlatform }> {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform(name, args);
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);
  return { rec, platform };
}

function json(value: unknown): unknown {
  if (typeof value !== 'string') throw new Error(`expected a JSON string, got ${typeof value}`);
  return JSON.parse(value);
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

/** Every policy document the component wrote (IAM, bucket, key policies). */
function policies(rec: Recorder): { owner: string; statements: PolicyStatement[] }[] {
  const docs: { owner: string; statements: PolicyStatement[] }[] = [];
  for (const r of rec.resources) {
    for (const field of ['policy', 'assumeRolePolicy']) {
      const text = r.inputs[field];
      if (typeof text === 'string') {
        const doc = JSON.parse(text) as { Statement: PolicyStatement[] };
        docs.push({ owner: `${r.type} ${r.name} ${field}`, statements: doc.Statement });
      }
    }
  }
  return docs;
}

/** Orders `[name, …]` pairs by name (registration order follows input resolution). */
const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** Every alarm of the typical configuration. */
const ALARMS = [
  'ulss9-glue-jobs-failed',
  'ulss9-glue-crawler-failed',
  'ulss9-import-deadline',
  'ulss9-on-upload-errors',
  'ulss9-migrate-errors',
  'ulss9-notify-errors',
  'ulss9-on-upload-dlq-depth',
  'ulss9-notify-dlq-depth',
  'ulss9-db-cpu',
  'ulss9-db-storage',
  'ulss9-portal-unhealthy',
  'ulss9-portal-5xx',
  'ulss9-rotate-database-secret-errors',
];

const TYPICAL_COUNTS = {
  'aws:cloudwatch/dashboard:Dashboard': 1,
  'aws:cloudwatch/eventRule:EventRule': 3,
  'aws:cloudwatch/eventTarget:EventTarget': 3,
  'aws:backup/plan:Plan': 1,
  'aws:backup/selection:Selection': 1,
  'aws:backup/vault:Vault': 1,
  'aws:cloudwatch/logGroup:LogGroup': 13,
  'aws:autoscaling/group:Group': 1,
  'aws:cloudwatch/metricAlarm:MetricAlarm': 13,
  'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup': 1,
  'aws:ec2/flowLog:FlowLog': 1,
  'aws:ec2/launchTemplate:LaunchTemplate': 1,
  'aws:ec2/securityGroup:SecurityGroup': 6,
  'aws:ec2/vpcEndpoint:VpcEndpoint': 9,
  'aws:glue/catalogDatabase:CatalogDatabase': 1,
  'aws:glue/classifier:Classifier': 1,
  'aws:glue/connection:Connection': 2,
  'aws:glue/crawler:Crawler': 1,
  'aws:glue/job:Job': 2,
  'aws:glue/securityConfiguration:SecurityConfiguration': 1,
  'aws:glue/trigger:Trigger': 4,
  'aws:glue/workflow:Workflow': 1,
  'aws:iam/instanceProfile:InstanceProfile': 1,
  'aws:iam/role:Role': 14,
  'aws:iam/rolePolicy:RolePolicy': 12,
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 10,
  'aws:kms/alias:Alias': 1,
  'aws:kms/key:Key': 1,
  'aws:lambda/function:Function': 4,
  'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig': 1,
  'aws:lambda/invocation:Invocation': 1,
  'aws:lambda/permission:Permission': 5,
  'aws:lb/listener:Listener': 2,
  'aws:lb/loadBalancer:LoadBalancer': 1,
  'aws:lb/targetGroup:TargetGroup': 1,
  'aws:rds/cluster:Cluster': 1,
  'aws:rds/clusterInstance:ClusterInstance': 2,
  'aws:rds/clusterParameterGroup:ClusterParameterGroup': 1,
  'aws:rds/subnetGroup:SubnetGroup': 1,
  'aws:redshiftserverless/namespace:Namespace': 1,
  'aws:redshiftserverless/workgroup:Workgroup': 1,
  'aws:s3/bucket:Bucket': 2,
  'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration': 2,
  'aws:s3/bucketLogging:BucketLogging': 1,
  'aws:s3/bucketNotification:BucketNotification': 1,
  'aws:s3/bucketObjectv2:BucketObjectv2': 6,
  'aws:s3/bucketOwnershipControls:BucketOwnershipControls': 2,
  'aws:s3/bucketPolicy:BucketPolicy': 2,
  'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock': 2,
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration': 2,
  'aws:s3/bucketVersioning:BucketVersioning': 2,
  'aws:scheduler/schedule:Schedule': 1,
  'aws:secretsmanager/secret:Secret': 1,
  'aws:secretsmanager/secretRotation:SecretRotation': 1,
  'aws:sns/topic:Topic': 2,
  'aws:sns/topicSubscription:TopicSubscription': 4,
  'aws:sqs/queue:Queue': 2,
  'aws:transfer/server:Server': 1,
  'aws:transfer/sshKey:SshKey': 3,
  'aws:transfer/user:User': 2,
  'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 9,
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 7,
  'aws:wafv2/webAcl:WebAcl': 1,
  'aws:wafv2/webAclAssociation:WebAclAssociation': 1,
  'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration': 1,
  'awsx:ec2:Vpc': 1,
  'quarantine:monitoring:Monitoring': 1,
  'quarantine:notifications:Notifications': 1,
  'quarantine:analytics:Analytics': 1,
  'quarantine:backup:Backup': 1,
  'quarantine:database:Database': 1,
  'quarantine:etl:Etl': 1,
  'quarantine-data-platform:index:QuarantineDataPlatform': 1,
  'quarantine:key:PlatformKey': 1,
  'quarantine:landing:Landing': 1,
  'quarantine:migrations:Migrations': 1,
  'quarantine:network:Network': 1,
  'quarantine:portal:Portal': 1,
  'quarantine:portal:PortalSettings': 1,
  'quarantine:rotation:PortalLoginRotation': 1,
  'quarantine:trigger:ImportTrigger': 1,
};

describe('resources declared', () => {
  test('typical configuration: exact count per type', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    expect(countsByType(rec)).toEqual(TYPICAL_COUNTS);
  });

  test('minimal configuration: one user with one key, no email subscriptions', async () => {
    const { rec } = await deploy('ulss9', minimalArgs);
    const { 'aws:sns/topicSubscription:TopicSubscription': _subscriptions, ...rest } =
      TYPICAL_COUNTS;
    expect(countsByType(rec)).toEqual({
      ...rest,
      'aws:iam/role:Role': 13,
      'aws:iam/rolePolicy:RolePolicy': 11,
      'aws:transfer/sshKey:SshKey': 1,
      'aws:transfer/user:User': 1,
    });
  });

  test('analytics off: no Redshift, no security group or rules for port 5439, no analytics job', async () => {
    const { rec, platform } = await deploy('ulss9', { ...typicalArgs, enableAnalytics: false });
    const {
      'aws:redshiftserverless/namespace:Namespace': _namespace,
      'aws:redshiftserverless/workgroup:Workgroup': _workgroup,
      'quarantine:analytics:Analytics': _analytics,
      ...rest
    } = TYPICAL_COUNTS;
    // No Redshift connection, analytics job, its two triggers or its script.
    expect(countsByType(rec)).toEqual({
      ...rest,
      'aws:ec2/securityGroup:SecurityGroup': 5,
      'aws:glue/connection:Connection': 1,
      'aws:glue/job:Job': 1,
      'aws:glue/trigger:Trigger': 2,
      'aws:s3/bucketObjectv2:BucketObjectv2': 5,
      'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 7,
      'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 6,
    });
    expect(
      rec.resources.filter((r) => r.name.includes('redshift') || r.name.includes('analytics')),
    ).toEqual([]);
    expect(await resolve(platform.analyticsWorkgroupName)).toBeUndefined();
    expect(platform.analytics).toBeUndefined();
  });

  test("the caller's VPC and key: no VPC, no endpoints, no key; the given key everywhere", async () => {
    const kmsKeyArn = `arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/given-key`;
    const { rec, platform } = await deploy('ulss9', {
      ...minimalArgs,
      vpcId: 'vpc-given',
      privateSubnetIds: ['subnet-a', 'subnet-b'],
      publicSubnetIds: ['subnet-c', 'subnet-d'],
      kmsKeyArn,
    });
    const counts = countsByType(rec);
    expect(one(rec, 'aws:lb/loadBalancer:LoadBalancer', 'ulss9-portal').inputs['subnets']).toEqual([
      'subnet-c',
      'subnet-d',
    ]);
    expect(
      one(rec, 'aws:autoscaling/group:Group', 'ulss9-portal').inputs['vpcZoneIdentifiers'],
    ).toEqual(['subnet-a', 'subnet-b']);
    expect(counts['awsx:ec2:Vpc']).toBeUndefined();
    expect(counts['aws:ec2/vpcEndpoint:VpcEndpoint']).toBeUndefined();
    expect(counts['aws:kms/key:Key']).toBeUndefined();
    expect(counts['aws:kms/alias:Alias']).toBeUndefined();
    expect(counts['aws:ec2/securityGroup:SecurityGroup']).toBe(5);
    expect(await resolve(platform.kmsKeyArn)).toBe(kmsKeyArn);
    // The workloads' group in the caller's VPC: HTTPS anywhere (the caller's NAT or endpoints),
    // PostgreSQL to the database, Redshift, itself (Glue), nothing else; still no ingress but
    // its own (Glue).
    const workloads = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-workloads');
    expect(workloads.inputs).toEqual({
      vpcId: 'vpc-given',
      description: 'Lambda functions and Glue jobs of the quarantine data platform: no ingress',
    });
    const db = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-db');
    const redshift = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-redshift');
    expect(
      ofType(rec, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule')
        .filter((r) => r.inputs['securityGroupId'] === workloads.id)
        .map((r) => [r.name, r.inputs])
        .sort(byName),
    ).toEqual([
      [
        'ulss9-glue-self-out',
        {
          securityGroupId: workloads.id,
          description: 'Glue workers of the same job talk to each other (required by Glue)',
          ipProtocol: 'tcp',
          fromPort: 0,
          toPort: 65535,
          referencedSecurityGroupId: workloads.id,
        },
      ],
      [
        'ulss9-workloads-https',
        {
          securityGroupId: workloads.id,
          description: "HTTPS to AWS services (through the caller's NAT or endpoints)",
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: '0.0.0.0/0',
        },
      ],
      [
        'ulss9-workloads-to-db',
        {
          securityGroupId: workloads.id,
          description: 'PostgreSQL to the quarantine database',
          ipProtocol: 'tcp',
          fromPort: 5433,
          toPort: 5433,
          referencedSecurityGroupId: db.id,
        },
      ],
      [
        'ulss9-workloads-to-redshift',
        {
          securityGroupId: workloads.id,
          description: 'Redshift Serverless of the quarantine data platform',
          ipProtocol: 'tcp',
          fromPort: 5439,
          toPort: 5439,
          referencedSecurityGroupId: redshift.id,
        },
      ],
    ]);
    expect(counts['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule']).toBe(7);
    const namespace = one(rec, 'aws:redshiftserverless/namespace:Namespace', 'ulss9-analytics');
    expect([namespace.inputs['kmsKeyId'], namespace.inputs['adminPasswordSecretKmsKeyId']]).toEqual(
      [kmsKeyArn, kmsKeyArn],
    );
    const workgroup = one(rec, 'aws:redshiftserverless/workgroup:Workgroup', 'ulss9-analytics');
    expect(workgroup.inputs['subnetIds']).toEqual(['subnet-a', 'subnet-b']);
    expect(redshift.inputs['vpcId']).toBe('vpc-given');
    expect(await resolve(platform.vpcId)).toBe('vpc-given');
    expect(one(rec, 'aws:rds/subnetGroup:SubnetGroup', 'ulss9-db').inputs['subnetIds']).toEqual([
      'subnet-a',
      'subnet-b',
    ]);
    const cluster = one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs;
    expect([cluster['kmsKeyId'], cluster['masterUserSecretKmsKeyId']]).toEqual([
      kmsKeyArn,
      kmsKeyArn,
    ]);
    for (const topic of ofType(rec, 'aws:sns/topic:Topic')) {
      expect(topic.inputs['kmsMasterKeyId']).toBe(kmsKeyArn);
    }
  });

  test("the alarms, the dashboard and the portal's settings secret keep their former URNs; Notifications is Alerts' alias", async () => {
    const rec = await installMocks();
    const aliases = new Map<string, pulumi.Input<string | pulumi.Alias>[]>();
    const platform = new QuarantineDataPlatform('ulss9', typicalArgs, {
      transformations: [
        (t) => {
          aliases.set(`${t.type} ${t.name}`, t.opts.aliases ?? []);
          return undefined;
        },
      ],
    });
    await resolve(platform.dashboardName);
    await settle(rec);
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const formerUrns = (type: string, name: string, parentType = 'quarantine:alerts:Alerts') =>
      [
        'quarantine-data-platform:index:QuarantineDataPlatform',
        'quarantine:index:QuarantineDataPlatform',
      ].map(
        (platformType) =>
          `urn:pulumi:${stack}::${project}::${platformType}$${parentType}$${type}::${name}`,
      );
    const resolved = async (key: string) =>
      Promise.all((aliases.get(key) ?? []).map((a) => resolve(pulumi.output(a))));
    const alarmType = 'aws:cloudwatch/metricAlarm:MetricAlarm';
    const alarms = ofType(rec, alarmType).map((r) => r.name);
    expect(alarms.sort()).toEqual([...ALARMS].sort());
    for (const alarm of alarms) {
      expect(await resolved(`${alarmType} ${alarm}`)).toEqual(formerUrns(alarmType, alarm));
    }
    const dashboardType = 'aws:cloudwatch/dashboard:Dashboard';
    expect(await resolved(`${dashboardType} ulss9-dashboard`)).toEqual(
      formerUrns(dashboardType, 'ulss9-dashboard'),
    );
    // The portal's settings secret (it holds the cookie secret and the provider's client secret)
    // was the Portal's child.
    const secretType = 'aws:secretsmanager/secret:Secret';
    expect(await resolved(`${secretType} ulss9-portal`)).toEqual(
      formerUrns(secretType, 'ulss9-portal', 'quarantine:portal:Portal'),
    );
    // The topics and the notify function follow their parent's alias (the engine derives them).
    expect(await resolved('quarantine:notifications:Notifications ulss9')).toEqual([
      { type: 'quarantine:alerts:Alerts' },
    ]);
  });

  test('every child is parented to its sub-component, and named from the instance name', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    for (const r of rec.resources) {
      if (r.type === 'quarantine-data-platform:index:QuarantineDataPlatform') {
        // Under mocks there is no stack resource: the component is a root.
        expect(r.parentType).toBeUndefined();
      } else if (SUB_COMPONENTS.includes(r.type)) {
        expect([r.name, r.parentType]).toEqual([
          'ulss9',
          'quarantine-data-platform:index:QuarantineDataPlatform',
        ]);
      } else {
        expect(SUB_COMPONENTS).toContain(r.parentType);
        expect(r.name.startsWith('ulss9-')).toBe(true);
      }
    }
  });
});

describe('security-relevant inputs', () => {
  test('the created KMS key: rotation on, a key policy naming each service, no kms:*', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    const key = one(rec, 'aws:kms/key:Key', 'ulss9-key').inputs;
    expect([key['enableKeyRotation'], key['deletionWindowInDays'], key['keyUsage']]).toEqual([
      true,
      30,
      'ENCRYPT_DECRYPT',
    ]);
    expect(json(key['policy'])).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountAdministration',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
          Action: KEY_ADMIN_ACTIONS,
          Resource: '*',
        },
        {
          Sid: 'CloudWatchLogsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'logs.eu-south-1.amazonaws.com' },
          Action: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
            'kms:GenerateDataKey',
            'kms:GenerateDataKeyWithoutPlaintext',
            'kms:DescribeKey',
          ],
          Resource: '*',
          Condition: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-south-1:${ACCOUNT_ID}:log-group:*`,
            },
          },
        },
        {
          Sid: 'CloudWatchAlarmsToEncryptedTopics',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
        },
      ],
    });
    expect(KEY_ADMIN_ACTIONS.every((a) => /^kms:[A-Za-z]+$/.test(a))).toBe(true);
  });

  test('no Allow statement with a * action; * resources only where AWS requires them', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    const docs = policies(rec);
    const roles = [
      'deadline',
      'flow-logs',
      'glue',
      'migrate',
      'notify',
      'on-upload',
      'portal',
      'rotate-database-secret',
      'sftp-logging',
      'sns-delivery',
    ].concat(['regione-veneto', 'ulss9-ops'].map((u) => `sftp-u-${u}`));
    // Roles with AWS's managed policies only: AWS Backup's and enhanced monitoring's.
    const managedOnly = ['backup', 'db-monitoring'];
    expect(docs.map((d) => d.owner).sort()).toEqual(
      [
        ...roles.flatMap((r) => [
          `aws:iam/role:Role ulss9-${r} assumeRolePolicy`,
          `aws:iam/rolePolicy:RolePolicy ulss9-${r} policy`,
        ]),
        ...managedOnly.map((r) => `aws:iam/role:Role ulss9-${r} assumeRolePolicy`),
        'aws:kms/key:Key ulss9-key policy',
        'aws:s3/bucketPolicy:BucketPolicy ulss9-access-logs policy',
        'aws:s3/bucketPolicy:BucketPolicy ulss9-landing policy',
      ].sort(),
    );
    const starResources: string[] = [];
    for (const { owner, statements } of docs) {
      for (const s of statements.filter((st) => st.Effect === 'Allow')) {
        for (const action of list(s.Action)) expect(action, owner).not.toMatch(/\*/);
        if (owner.startsWith('aws:kms/key:Key')) continue;
        if (list(s.Resource ?? []).includes('*')) {
          starResources.push(`${owner} ${(s as { Sid?: string }).Sid}`);
          expect(list(s.Resource), owner).toEqual(['*']);
        }
      }
    }
    // Only network interfaces of functions and connections in the VPC (which do not exist before
    // they are made) and PutMetricData (no resource; each limited to one namespace).
    expect(starResources.sort()).toEqual([
      'aws:iam/rolePolicy:RolePolicy ulss9-glue policy JobMetrics',
      'aws:iam/rolePolicy:RolePolicy ulss9-glue policy VpcNetworkInterfaces',
      'aws:iam/rolePolicy:RolePolicy ulss9-migrate policy VpcNetworkInterfaces',
      'aws:iam/rolePolicy:RolePolicy ulss9-notify policy DeadlineMetric',
      'aws:iam/rolePolicy:RolePolicy ulss9-rotate-database-secret policy VpcNetworkInterfaces',
    ]);
  });

  test('landing bucket: SSE-KMS with the key, versioned, private, TLS-only, logged, raw files expire', async () => {
    const { rec } = await deploy('ulss9', { ...typicalArgs, rawFileRetentionDays: 45 });
    const keyArn = `arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/ulss9-key-id-`;
    const landingId = one(rec, 'aws:s3/bucket:Bucket', 'ulss9-landing').id;
    const sse = one(
      rec,
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      'ulss9-landing',
    ).inputs;
    expect(sse['bucket']).toBe(landingId);
    const rules = sse['rules'] as {
      applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string };
      bucketKeyEnabled: boolean;
    }[];
    expect(rules.length).toBe(1);
    expect(rules[0]!.applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
    expect(rules[0]!.applyServerSideEncryptionByDefault.kmsMasterKeyId.startsWith(keyArn)).toBe(
      true,
    );
    expect(rules[0]!.bucketKeyEnabled).toBe(true);

    for (const bucket of ['ulss9-landing', 'ulss9-access-logs']) {
      const bucketId = one(rec, 'aws:s3/bucket:Bucket', bucket).id;
      expect(
        one(rec, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', bucket).inputs,
      ).toEqual({
        bucket: bucketId,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        one(rec, 'aws:s3/bucketOwnershipControls:BucketOwnershipControls', bucket).inputs,
      ).toEqual({ bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    }
    expect(one(rec, 'aws:s3/bucketVersioning:BucketVersioning', 'ulss9-landing').inputs).toEqual({
      bucket: landingId,
      versioningConfiguration: { status: 'Enabled' },
    });
    expect(one(rec, 'aws:s3/bucketLogging:BucketLogging', 'ulss9-landing').inputs).toEqual({
      bucket: landingId,
      targetBucket: one(rec, 'aws:s3/bucket:Bucket', 'ulss9-access-logs').id,
      targetPrefix: 'landing/',
    });
    expect(
      one(rec, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'ulss9-landing')
        .inputs['rules'],
    ).toEqual([
      {
        id: 'expire-raw-files',
        status: 'Enabled',
        filter: { prefix: 'inbox/' },
        expiration: { days: 45 },
        noncurrentVersionExpiration: { noncurrentDays: 45 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    expect(
      json(one(rec, 'aws:s3/bucketPolicy:BucketPolicy', 'ulss9-landing').inputs['policy']),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: ['arn:aws:s3:::ulss9-landing-abc1234', 'arn:aws:s3:::ulss9-landing-abc1234/*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  test('access-log bucket: SSE-S3 (required by S3 logging), versioned, TLS-only, writable by S3 logging for the landing bucket only', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    const logs = 'arn:aws:s3:::ulss9-access-logs-abc1234';
    expect(
      one(
        rec,
        'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        'ulss9-access-logs',
      ).inputs['rules'],
    ).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }]);
    expect(
      json(one(rec, 'aws:s3/bucketPolicy:BucketPolicy', 'ulss9-access-logs').inputs['policy']),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [logs, `${logs}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'S3ServerAccessLogsOfTheLandingBucket',
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${logs}/landing/*`,
          Condition: {
            ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::ulss9-landing-abc1234' },
            StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
          },
        },
        {
          Sid: 'LoadBalancerAccessLogs',
          Effect: 'Allow',
          Principal: {
            AWS: 'arn:aws:iam::635631232127:root',
            Service: 'logdelivery.elasticloadbalancing.amazonaws.com',
          },
          Action: 's3:PutObject',
          Resource: `${logs}/portal-alb/AWSLogs/${ACCOUNT_ID}/*`,
        },
      ],
    });
    expect(
      one(
        rec,
        'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
        'ulss9-access-logs',
      ).inputs['rules'],
    ).toEqual([
      {
        id: 'expire-access-logs',
        status: 'Enabled',
        filter: {},
        expiration: { days: 731 },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    expect(
      one(rec, 'aws:s3/bucketVersioning:BucketVersioning', 'ulss9-access-logs').inputs[
        'versioningConfiguration'
      ],
    ).toEqual({ status: 'Enabled' });
  });

  test('SFTP server: service-managed, SFTP only, current security policy, logging on, public endpoint by default', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    const logGroup = one(rec, 'aws:cloudwatch/logGroup:LogGroup', 'ulss9-sftp');
    expect(logGroup.inputs['retentionInDays']).toBe(731);
    expect(
      String(logGroup.inputs['kmsKeyId']).startsWith(`arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/`),
    ).toBe(true);
    expect(one(rec, 'aws:transfer/server:Server', 'ulss9-sftp').inputs).toEqual({
      identityProviderType: 'SERVICE_MANAGED',
      protocols: ['SFTP'],
      domain: 'S3',
      endpointType: 'PUBLIC',
      securityPolicyName: TRANSFER_SECURITY_POLICY,
      loggingRole: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-sftp-logging`,
      structuredLogDestinations: [`arn:aws:logs:eu-south-1:${ACCOUNT_ID}:log-group:ulss9-sftp:*`],
    });
    expect(TRANSFER_SECURITY_POLICY).toBe('TransferSecurityPolicy-2025-03');
    expect(
      json(one(rec, 'aws:iam/rolePolicy:RolePolicy', 'ulss9-sftp-logging').inputs['policy']),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
          Resource: `arn:aws:logs:eu-south-1:${ACCOUNT_ID}:log-group:ulss9-sftp:*`,
        },
      ],
    });
  });

  test('SFTP users: locked in inbox/<user>/ by a logical home directory and a role scoped to that folder', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    const serverId = one(rec, 'aws:transfer/server:Server', 'ulss9-sftp').id;
    for (const userName of ['regione-veneto', 'ulss9-ops']) {
      const resource = `ulss9-sftp-u-${userName}`;
      expect(one(rec, 'aws:transfer/user:User', resource).inputs).toEqual({
        serverId,
        userName,
        role: `arn:aws:iam::${ACCOUNT_ID}:role/${resource}`,
        homeDirectoryType: 'LOGICAL',
        homeDirectoryMappings: [{ entry: '/', target: `/ulss9-landing-abc1234/inbox/${userName}` }],
      });
      expect(json(one(rec, 'aws:iam/role:Role', resource).inputs['assumeRolePolicy'])).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'transfer.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
          },
        ],
      });
      const policy = json(one(rec, 'aws:iam/rolePolicy:RolePolicy', resource).inputs['policy']) as {
        Statement: { Resource: string }[];
      };
      expect(policy).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ListOwnFolder',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: 'arn:aws:s3:::ulss9-landing-abc1234',
            Condition: {
              StringLike: { 's3:prefix': [`inbox/${userName}/`, `inbox/${userName}/*`] },
            },
          },
          {
            Sid: 'ReadWriteOwnFolder',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
            Resource: `arn:aws:s3:::ulss9-landing-abc1234/inbox/${userName}/*`,
          },
          {
            Sid: 'UsePlatformKey',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: policy.Statement[2]!.Resource,
          },
        ],
      });
      expect(policy.Statement[2]!.Resource).toMatch(
        new RegExp(`^arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/ulss9-key-id-\\d+$`),
      );
    }
    expect(
      ofType(rec, 'aws:transfer/sshKey:SshKey').map((k) => [
        k.name,
        k.inputs['userName'],
        k.inputs['body'],
      ]),
    ).toEqual([
      ['ulss9-sftp-u-regione-veneto-key-0', 'regione-veneto', ED25519_KEY],
      ['ulss9-sftp-u-regione-veneto-key-1', 'regione-veneto', ECDSA_KEY],
      ['ulss9-sftp-u-ulss9-ops-key-0', 'ulss9-ops', ED25519_KEY],
    ]);
  });

  test('SFTP endpoint inside the VPC: only the allowed CIDR blocks on port 22', async () => {
    const { rec } = await deploy('ulss9', {
      ...minimalArgs,
      sftpEndpointType: 'VPC',
      sftpAllowedCidrs: ['203.0.113.0/24'],
    });
    const group = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-sftp');
    expect(group.inputs).toEqual({
      vpcId: 'vpc-ulss9-vpc',
      description: 'SFTP from the allowed CIDR blocks',
      ingress: [
        {
          description: 'SFTP',
          protocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidrBlocks: ['203.0.113.0/24'],
        },
      ],
    });
    const server = one(rec, 'aws:transfer/server:Server', 'ulss9-sftp').inputs;
    expect([server['endpointType'], server['endpointDetails']]).toEqual([
      'VPC',
      {
        vpcId: 'vpc-ulss9-vpc',
        subnetIds: ['subnet-ulss9-vpc-0', 'subnet-ulss9-vpc-1'],
        securityGroupIds: [group.id],
      },
    ]);
  });

  test('only the load balancer admits 0.0.0.0/0, on 443 and 80; the database and Redshift admit only their clients', async () => {
    const { rec, platform } = await deploy('ulss9', typicalArgs);
    for (const group of ofType(rec, 'aws:ec2/securityGroup:SecurityGroup')) {
      const ingress = (group.inputs['ingress'] ?? []) as { cidrBlocks?: string[] }[];
      for (const rule of ingress) expect(rule.cidrBlocks).not.toContain('0.0.0.0/0');
    }
    const db = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-db');
    const workloads = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-workloads');
    const endpoints = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-endpoints');
    const alb = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-alb');
    const portal = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-portal');
    // No inline rules on either group: their rules are exactly the separate ones below.
    expect(db.inputs).toEqual({
      vpcId: 'vpc-ulss9-vpc',
      description: 'Aurora PostgreSQL of the quarantine data platform',
    });
    expect(workloads.inputs).toEqual({
      vpcId: 'vpc-ulss9-vpc',
      description: 'Lambda functions and Glue jobs of the quarantine data platform: no ingress',
    });
    expect(await resolve(platform.workloadSecurityGroupId)).toBe(workloads.id);
    // Every ingress rule of the platform: PostgreSQL into the database and Redshift into the
    // workgroup, each from the workloads' group only (Redshift's own test: analytics below), and
    // the workloads' group from itself (Glue's connections require it).
    const redshift = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-redshift');
    expect(
      ofType(rec, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
        .map((r) => [r.name, r.inputs])
        .sort(byName),
    ).toEqual([
      [
        'ulss9-alb-443-0-0-0-0-0',
        {
          securityGroupId: alb.id,
          description: 'HTTPS to the portal',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: '0.0.0.0/0',
        },
      ],
      [
        'ulss9-alb-80-0-0-0-0-0',
        {
          securityGroupId: alb.id,
          description: 'HTTP (redirected to HTTPS)',
          ipProtocol: 'tcp',
          fromPort: 80,
          toPort: 80,
          cidrIpv4: '0.0.0.0/0',
        },
      ],
      [
        'ulss9-db-from-portal',
        {
          securityGroupId: db.id,
          description: 'PostgreSQL from the portal security group',
          ipProtocol: 'tcp',
          fromPort: 5433,
          toPort: 5433,
          referencedSecurityGroupId: portal.id,
        },
      ],
      [
        'ulss9-db-from-workloads',
        {
          securityGroupId: db.id,
          description: 'PostgreSQL from the workloads security group',
          ipProtocol: 'tcp',
          fromPort: 5433,
          toPort: 5433,
          referencedSecurityGroupId: workloads.id,
        },
      ],
      [
        'ulss9-glue-self-in',
        {
          securityGroupId: workloads.id,
          description: 'Glue workers of the same job talk to each other (required by Glue)',
          ipProtocol: 'tcp',
          fromPort: 0,
          toPort: 65535,
          referencedSecurityGroupId: workloads.id,
        },
      ],
      [
        'ulss9-portal-from-alb',
        {
          securityGroupId: portal.id,
          description: 'From the portal load balancer',
          ipProtocol: 'tcp',
          fromPort: 8080,
          toPort: 8080,
          referencedSecurityGroupId: alb.id,
        },
      ],
      [
        'ulss9-redshift-from-workloads',
        {
          securityGroupId: redshift.id,
          description: 'Redshift from the workloads security group',
          ipProtocol: 'tcp',
          fromPort: 5439,
          toPort: 5439,
          referencedSecurityGroupId: workloads.id,
        },
      ],
    ]);
    // Every egress rule: the workloads reach the endpoints, S3, the database and Redshift, each
    // on its port; Redshift reaches S3 (COPY, UNLOAD); the portal chain.
    expect(
      ofType(rec, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule')
        .map((r) => [r.name, r.inputs])
        .sort(byName),
    ).toEqual([
      [
        'ulss9-alb-to-portal',
        {
          securityGroupId: alb.id,
          description: 'To the portal instances',
          ipProtocol: 'tcp',
          fromPort: 8080,
          toPort: 8080,
          referencedSecurityGroupId: portal.id,
        },
      ],
      [
        'ulss9-glue-self-out',
        {
          securityGroupId: workloads.id,
          description: 'Glue workers of the same job talk to each other (required by Glue)',
          ipProtocol: 'tcp',
          fromPort: 0,
          toPort: 65535,
          referencedSecurityGroupId: workloads.id,
        },
      ],
      [
        'ulss9-portal-https',
        {
          securityGroupId: portal.id,
          description: 'HTTPS to AWS services through the VPC endpoints',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: '0.0.0.0/0',
        },
      ],
      [
        'ulss9-portal-to-db',
        {
          securityGroupId: portal.id,
          description: 'PostgreSQL to the quarantine database',
          ipProtocol: 'tcp',
          fromPort: 5433,
          toPort: 5433,
          referencedSecurityGroupId: db.id,
        },
      ],
      [
        'ulss9-redshift-s3',
        {
          securityGroupId: redshift.id,
          description: 'COPY and UNLOAD: HTTPS to S3',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          prefixListId: 'pl-ulss9-s3',
        },
      ],
      [
        'ulss9-workloads-endpoints',
        {
          securityGroupId: workloads.id,
          description: 'HTTPS to the interface endpoints',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          referencedSecurityGroupId: endpoints.id,
        },
      ],
      [
        'ulss9-workloads-s3',
        {
          securityGroupId: workloads.id,
          description: 'HTTPS to S3 through the gateway endpoint',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          prefixListId: 'pl-ulss9-s3',
        },
      ],
      [
        'ulss9-workloads-to-db',
        {
          securityGroupId: workloads.id,
          description: 'PostgreSQL to the quarantine database',
          ipProtocol: 'tcp',
          fromPort: 5433,
          toPort: 5433,
          referencedSecurityGroupId: db.id,
        },
      ],
      [
        'ulss9-workloads-to-redshift',
        {
          securityGroupId: workloads.id,
          description: 'Redshift Serverless of the quarantine data platform',
          ipProtocol: 'tcp',
          fromPort: 5439,
          toPort: 5439,
          referencedSecurityGroupId: redshift.id,
        },
      ],
    ]);
    expect(endpoints.inputs['ingress']).toEqual([
      {
        description: 'HTTPS from inside the VPC',
        protocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrBlocks: ['10.40.0.0/16'],
      },
    ]);
  });

  test('analytics: Redshift Serverless encrypted, managed password, private, enhanced VPC routing, 5439 from the workloads only', async () => {
    const { rec, platform } = await deploy('ulss9', typicalArgs);
    const keyArn = one(rec, 'aws:kms/key:Key', 'ulss9-key').id;
    const key = `arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/${keyArn}`;
    expect(
      one(rec, 'aws:redshiftserverless/namespace:Namespace', 'ulss9-analytics').inputs,
    ).toEqual({
      namespaceName: 'ulss9-analytics',
      dbName: 'quarantine',
      // The provider marks the admin user name secret: it reaches the engine as a secret value.
      adminUsername: {
        [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
        value: 'qdp_admin',
      },
      manageAdminPassword: true,
      adminPasswordSecretKmsKeyId: key,
      kmsKeyId: key,
      logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    });
    const redshift = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-redshift');
    const workloads = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-workloads');
    expect(
      one(rec, 'aws:redshiftserverless/workgroup:Workgroup', 'ulss9-analytics').inputs,
    ).toEqual({
      workgroupName: 'ulss9-analytics',
      namespaceName: 'ulss9-analytics',
      baseCapacity: 8,
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      subnetIds: ['subnet-ulss9-vpc-0', 'subnet-ulss9-vpc-1'],
      securityGroupIds: [redshift.id],
      port: 5439,
      configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'true' }],
    });
    // Its group: no inline rules; one ingress rule (5439 from the workloads), the workloads'
    // matching egress rule; its own egress: HTTPS to S3 through the gateway endpoint.
    expect(redshift.inputs).toEqual({
      vpcId: 'vpc-ulss9-vpc',
      description: 'Redshift Serverless of the quarantine data platform',
    });
    expect(
      one(
        rec,
        'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
        'ulss9-redshift-from-workloads',
      ).inputs,
    ).toEqual({
      securityGroupId: redshift.id,
      description: 'Redshift from the workloads security group',
      ipProtocol: 'tcp',
      fromPort: 5439,
      toPort: 5439,
      referencedSecurityGroupId: workloads.id,
    });
    expect(
      one(
        rec,
        'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
        'ulss9-workloads-to-redshift',
      ).inputs,
    ).toEqual({
      securityGroupId: workloads.id,
      description: 'Redshift Serverless of the quarantine data platform',
      ipProtocol: 'tcp',
      fromPort: 5439,
      toPort: 5439,
      referencedSecurityGroupId: redshift.id,
    });
    expect(await resolve(platform.analyticsWorkgroupName)).toBe('ulss9-analytics');
  });

  test('network: private subnets only in two zones, no NAT, S3 gateway endpoint and the interface endpoints', async () => {
    const { rec } = await deploy('ulss9', typicalArgs);
    expect(one(rec, 'awsx:ec2:Vpc', 'ulss9-vpc').inputs).toEqual({
      cidrBlock: '10.40.0.0/16',
      numberOfAvailabilityZones: 2,
      subnetStrategy: 'Auto',
      subnetSpecs: [
        { type: 'Isolated', name: 'private' },
        { type: 'Public', name: 'public' },
      ],
      natGateways: { strategy: 'None' },
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    expect(one(rec, 'aws:ec2/vpcEndpoint:VpcEndpoint', 'ulss9-s3').inputs).toEqual({
      vpcId: 'vpc-ulss9-vpc',
      serviceName: 'com.amazonaws.eu-south-1.s3',
      vpcEndpointType: 'Gateway',
      routeTableIds: ['rtb-ulss9-vpc-0', 'rtb-ulss9-vpc-1'],
    });
    const groupId = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-endpoints').id;
    expect(
      ofType(rec, 'aws:ec2/vpcEndpoint:VpcEndpoint')
        .filter((e) => e.name !== 'ulss9-s3')
        .map((e) => e.inputs),
    ).toEqual(
      [...INTERFACE_ENDPOINT_SERVICES, ...SESSION_MANAGER_ENDPOINT_SERVICES].map((service) => ({
        vpcId: 'vpc-ulss9-vpc',
        serviceName: `com.amazonaws.eu-south-1.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: ['subnet-ulss9-vpc-0', 'subnet-ulss9-vpc-1'],
        securityGroupIds: [groupId],
      })),
    );
  });

  test('database: encrypted, managed password, deletion protection, backups, TLS forced, Data API, logs', async () => {
    const { rec, platform } = await deploy('ulss9', typicalArgs);
    const cluster = one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db');
    const keyArn = cluster.inputs['kmsKeyId'];
    expect(String(keyArn)).toMatch(new RegExp(`^arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/`));
    expect(cluster.inputs).toEqual({
      clusterIdentifier: 'ulss9-db',
      engine: 'aurora-postgresql',
      engineMode: 'provisioned',
      engineVersion: '16.6',
      databaseName: 'quarantine',
      masterUsername: 'qdp_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: keyArn,
      storageEncrypted: true,
      kmsKeyId: keyArn,
      serverlessv2ScalingConfiguration: { minCapacity: 0.5, maxCapacity: 4 },
      dbSubnetGroupName: 'ulss9-db',
      vpcSecurityGroupIds: [one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'ulss9-db').id],
      dbClusterParameterGroupName: 'ulss9-db',
      port: 5433,
      enableHttpEndpoint: true,
      enabledCloudwatchLogsExports: ['postgresql'],
      deletionProtection: true,
      backupRetentionPeriod: 14,
      copyTagsToSnapshot: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: 'ulss9-db-final',
      iamDatabaseAuthenticationEnabled: true,
    });
    expect(
      one(rec, 'aws:rds/clusterParameterGroup:ClusterParameterGroup', 'ulss9-db').inputs,
    ).toEqual({
      family: 'aurora-postgresql16',
      description: 'TLS required for every connection',
      parameters: [
        { name: 'rds.force_ssl', value: '1' },
        // No statement text and no DETAIL in the log exported to CloudWatch.
        { name: 'log_min_error_statement', value: 'panic' },
        { name: 'log_error_verbosity', value: 'terse' },
      ],
    });
    // The writer and a reader in another zone, both with enhanced monitoring and Performance
    // Insights on the platform key.
    const monitoringRole = `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-db-monitoring`;
    expect(
      ofType(rec, 'aws:rds/clusterInstance:ClusterInstance').map((i) => [i.name, i.inputs]),
    ).toEqual(
      [
        ['ulss9-db-writer', 'eu-south-1a', 0],
        ['ulss9-db-reader-1', 'eu-south-1b', 1],
      ].map(([instance, zone, tier]) => [
        instance,
        {
          clusterIdentifier: cluster.id,
          engine: 'aurora-postgresql',
          engineVersion: '16.6',
          instanceClass: 'db.serverless',
          availabilityZone: zone,
          promotionTier: tier,
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          monitoringInterval: 60,
          monitoringRoleArn: monitoringRole,
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: keyArn,
          performanceInsightsRetentionPeriod: 7,
        },
      ]),
    );
    expect(one(rec, 'aws:cloudwatch/logGroup:LogGroup', 'ulss9-db-postgresql').inputs).toEqual({
      name: '/aws/rds/cluster/ulss9-db/postgresql',
      retentionInDays: 731,
      kmsKeyId: keyArn,
    });
    expect(
      one(rec, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'ulss9-db-monitoring').inputs,
    ).toEqual({
      role: 'ulss9-db-monitoring',
      policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole',
    });
    expect(await resolve(platform.databaseSecretArn)).toMatch(
      /^arn:aws:secretsmanager:eu-south-1:/,
    );
  });

  test('database arguments reach the cluster', async () => {
    const { rec } = await deploy('ulss9', {
      ...minimalArgs,
      databaseEngineVersion: '17.4',
      databaseMinCapacity: 0,
      databaseMaxCapacity: 16,
      databaseBackupRetentionDays: 35,
      databaseDeletionProtection: false,
    });
    const inputs = one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs;
    expect([
      inputs['engineVersion'],
      inputs['serverlessv2ScalingConfiguration'],
      inputs['backupRetentionPeriod'],
      inputs['deletionProtection'],
    ]).toEqual(['17.4', { minCapacity: 0, maxCapacity: 16 }, 35, false]);
    expect(
      one(rec, 'aws:rds/clusterParameterGroup:ClusterParameterGroup', 'ulss9-db').inputs['family'],
    ).toBe('aurora-postgresql17');
  });
});

describe('alerts', () => {
  test('topics ETL_Success and ETL_Failure, encrypted, each address subscribed to both', async () => {
    const { rec, platform } = await deploy('ulss9', typicalArgs);
    const keyArn = one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs['kmsKeyId'];
    // Delivery status logged for every protocol that supports it, through one role.
    const role = `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-sns-delivery`;
    const feedback = Object.fromEntries(
      ['application', 'firehose', 'http', 'lambda', 'sqs'].flatMap((protocol) => [
        [`${protocol}FailureFeedbackRoleArn`, role],
        [`${protocol}SuccessFeedbackRoleArn`, role],
        [`${protocol}SuccessFeedbackSampleRate`, 100],
      ]),
    );
    expect(ofType(rec, 'aws:sns/topic:Topic').map((t) => [t.name, t.inputs])).toEqual([
      ['ulss9-success', { name: 'ulss9-ETL_Success', kmsMasterKeyId: keyArn, ...feedback }],
      ['ulss9-failure', { name: 'ulss9-ETL_Failure', kmsMasterKeyId: keyArn, ...feedback }],
    ]);
    expect(
      ofType(rec, 'aws:cloudwatch/logGroup:LogGroup')
        .filter((g) => g.name.includes('-delivery'))
        .map((g) => g.inputs),
    ).toEqual(
      ['ETL_Success', 'ETL_Success/Failure', 'ETL_Failure', 'ETL_Failure/Failure'].map((t) => ({
        name: `sns/eu-south-1/${ACCOUNT_ID}/ulss9-${t}`,
        retentionInDays: 731,
        kmsKeyId: keyArn,
      })),
    );
    const success = `arn:aws:sns:eu-south-1:${ACCOUNT_ID}:ulss9-ETL_Success`;
    const failure = `arn:aws:sns:eu-south-1:${ACCOUNT_ID}:ulss9-ETL_Failure`;
    expect(
      ofType(rec, 'aws:sns/topicSubscription:TopicSubscription')
        .map((s) => [s.inputs['topic'], s.inputs['protocol'], s.inputs['endpoint']])
        .sort(),
    ).toEqual(
      [
        [failure, 'email', 'etl@aulss9.veneto.it'],
        [failure, 'email', 'oncall@aulss9.veneto.it'],
        [success, 'email', 'etl@aulss9.veneto.it'],
        [success, 'email', 'oncall@aulss9.veneto.it'],
      ].sort(),
    );
    expect([
      await resolve(platform.successTopicArn),
      await resolve(platform.failureTopicArn),
    ]).toEqual([success, failure]);
  });

  test('every alarm goes to ETL_Failure: deadline, Glue, Lambda errors, dead letters, database', async () => {
    const { rec } = await deploy('ulss9', {
      ...typicalArgs,
      importDeadline: '09:30',
      timeZone: 'Europe/Rome',
    });
    const failure = [`arn:aws:sns:eu-south-1:${ACCOUNT_ID}:ulss9-ETL_Failure`];
    const alarms = ofType(rec, 'aws:cloudwatch/metricAlarm:MetricAlarm');
    expect(alarms.map((a) => a.name).sort()).toEqual([...ALARMS].sort());
    for (const alarm of alarms) expect(alarm.inputs['alarmActions']).toEqual(failure);
    expect(
      one(rec, 'aws:cloudwatch/metricAlarm:MetricAlarm', 'ulss9-import-deadline').inputs,
    ).toEqual({
      alarmDescription:
        'No import of ULSS 9 Scaligera published by 09:30 (Europe/Rome): the daily file did not come or did not import.',
      namespace: 'QuarantineDataPlatform',
      metricName: 'ImportDeadlineMissed',
      dimensions: { Platform: 'ulss9' },
      statistic: 'Maximum',
      period: 86400,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'breaching',
      alarmActions: failure,
    });
    // The hour lives in the schedule, in the authority's zone (Scheduler follows summer time).
    expect(one(rec, 'aws:scheduler/schedule:Schedule', 'ulss9-deadline').inputs).toEqual({
      name: 'ulss9-import-deadline',
      description: 'Checks at 09:30 (Europe/Rome) that an import was published today',
      scheduleExpression: 'cron(30 9 * * ? *)',
      scheduleExpressionTimezone: 'Europe/Rome',
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: one(rec, 'aws:rds/cluster:Cluster', 'ulss9-db').inputs['kmsKeyId'],
      target: {
        arn: `arn:aws:lambda:eu-south-1:${ACCOUNT_ID}:function:ulss9-notify`,
        roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ulss9-deadline`,
        input: JSON.stringify({
          source: 'quarantine.deadline',
          'detail-type': 'Scheduled Event',
          detail: { check: 'import-deadline' },
        }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
    const simple = (n: string) => {
      const i = one(rec, 'aws:cloudwatch/metricAlarm:MetricAlarm', n).inputs;
      return [
        i['namespace'],
        i['metricName'],
        i['dimensions'],
        i['statistic'],
        i['threshold'],
        i['comparisonOperator'],
        i['treatMissingData'],
      ];
    };
    const atLeastOnce = ['Sum', 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'];
    expect(simple('ulss9-glue-jobs-failed')).toEqual([
      'AWS/Events',
      'TriggeredRules',
      { RuleName: 'ulss9-glue-jobs-failed' },
      ...atLeastOnce,
    ]);
    expect(simple('ulss9-glue-crawler-failed')).toEqual([
      'AWS/Events',
      'TriggeredRules',
      { RuleName: 'ulss9-glue-crawler-failed' },
      ...atLeastOnce,
    ]);
    for (const fn of ['on-upload', 'migrate', 'notify']) {
      expect(simple(`ulss9-${fn}-errors`)).toEqual([
        'AWS/Lambda',
        'Errors',
        { FunctionName: `ulss9-${fn}` },
        ...atLeastOnce,
      ]);
    }
    for (const queue of ['on-upload', 'notify']) {
      expect(simple(`ulss9-${queue}-dlq-depth`)).toEqual([
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        { QueueName: `ulss9-${queue}-dlq` },
        'Maximum',
        1,
        'GreaterThanOrEqualToThreshold',
        'notBreaching',
      ]);
    }
    expect(simple('ulss9-db-cpu')).toEqual([
      'AWS/RDS',
      'CPUUtilization',
      { DBClusterIdentifier: 'ulss9-db' },
      'Average',
      80,
      'GreaterThanOrEqualToThreshold',
      'missing',
    ]);
    expect(simple('ulss9-db-storage')).toEqual([
      'AWS/RDS',
      'FreeLocalStorage',
      { DBInstanceIdentifier: 'ulss9-db-writer' },
      'Minimum',
      2 * 1024 ** 3,
      'LessThanOrEqualToThreshold',
      'missing',
    ]);
  });

  test('the deadline cron follows the argument', () => {
    expect(['00:00', '07:05', '23:59'].map(deadlineCron)).toEqual([
      'cron(0 0 * * ? *)',
      'cron(5 7 * * ? *)',
      'cron(59 23 * * ? *)',
    ]);
  });

  test('the dashboard shows the alarms and the metrics of its region', async () => {
    const { rec, platform } = await deploy('ulss9', typicalArgs);
    const dashboard = one(rec, 'aws:cloudwatch/dashboard:Dashboard', 'ulss9-dashboard');
    expect(dashboard.inputs['dashboardName']).toBe('ulss9-quarantine');
    const body = json(dashboard.inputs['dashboardBody']) as {
      widgets: { type: string; properties: { alarms?: string[]; region?: string } }[];
    };
    expect(body.widgets.map((w) => w.type)).toEqual(['alarm', 'metric', 'metric']);
    expect([...body.widgets[0]!.properties.alarms!].sort()).toEqual(
      ALARMS.map((n) => `arn:aws:cloudwatch:eu-south-1:${ACCOUNT_ID}:alarm:${n}`).sort(),
    );
    expect(body.widgets.slice(1).map((w) => w.properties.region)).toEqual([
      'eu-south-1',
      'eu-south-1',
    ]);
    expect(await resolve(platform.dashboardName)).toBe('ulss9-quarantine');
  });
});

describe('outputs', () => {
  test('the component publishes its endpoints and names', async () => {
    const { platform } = await deploy('ulss9', typicalArgs);
    expect(await resolve(platform.landingBucketName)).toBe('ulss9-landing-abc1234');
    expect(await resolve(platform.sftpEndpoint)).toMatch(
      /^s-ulss9-sftp-id-\d+\.server\.transfer\.eu-south-1\.amazonaws\.com$/,
    );
    expect(await resolve(platform.databaseEndpoint)).toBe(
      'ulss9-db.cluster-abc.eu-south-1.rds.amazonaws.com',
    );
    expect(await resolve(platform.privateSubnetIds)).toEqual([
      'subnet-ulss9-vpc-0',
      'subnet-ulss9-vpc-1',
    ]);
  });
});

describe('validation before any resource', () => {
  test('invalid arguments: one error listing every problem, nothing registered', async () => {
    const rec = await installMocks();
    let error: unknown;
    try {
      new QuarantineDataPlatform('Bad_Name', {
        ...minimalArgs,
        sftpUsers: [],
        importDeadline: '25:00',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentsError);
    expect((error as Error).message).toBe(
      [
        'QuarantineDataPlatform "Bad_Name": 3 invalid argument(s):',
        '- name: "Bad_Name" must be 2 to 24 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-"',
        '- sftpUsers: must list at least one user (the account that uploads the daily file)',
        '- importDeadline: "25:00" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59',
      ].join('\n'),
    );
    await settle(rec);
    expect(rec.resources).toEqual([]);
  });

  test('a region argument and an AWS provider in opts are refused together', async () => {
    await installMocks();
    const provider = new aws.Provider('milan', { region: 'eu-south-1' });
    expect(
      () =>
        new QuarantineDataPlatform(
          'ulss9',
          { ...minimalArgs, region: 'eu-west-1' },
          { providers: { aws: provider } },
        ),
    ).toThrow(
      'QuarantineDataPlatform "ulss9": 1 invalid argument(s):\n- region: leave it out when opts.providers gives an AWS provider (that provider decides the region)',
    );
    expect(
      () =>
        new QuarantineDataPlatform(
          'ulss9',
          { ...minimalArgs, region: 'eu-west-1' },
          { providers: [provider] },
        ),
    ).toThrow(InvalidArgumentsError);
  });
});
