// The policy check: our @pulumi/policy rules (infra/policies.ts) over every resource the component
// declares under mocks. The default, minimal and VPC-endpoint configurations pass every rule; each
// rule is shown to fail on a deliberately insecure input, with its exact message.
import { expect, test } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Landing, Portal, QuarantineDataPlatform } from '../../infra/index.ts';
import type { QuarantineDataPlatformArgs } from '../../infra/index.ts';
import {
  ACTIONS_ONLY_ON_ANY_RESOURCE,
  CURRENT_TLS_POLICIES,
  portalSecure,
  databasePortsFromGroupsOnly,
  glueEncrypted,
  lambdaDeadLetters,
  lambdaSecure,
  queuesAndLogsEncrypted,
  secretsManaged,
  noWildcardResources,
  noIngressFromAnywhere,
  noWildcardActions,
  platformPolicies,
  rdsClusterProtected,
  redshiftServerlessProtected,
  s3BucketKmsEncryption,
  s3BucketPublicAccessBlocked,
  s3BucketTlsOnly,
  snsTopicKms,
  transferServerSecure,
} from '../../infra/policies.ts';
import { CERTIFICATE_ARN, ED25519_KEY, minimalArgs, typicalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';
import type { Recorded } from './mocks.ts';
import { policyResources, runPolicies } from './policy-harness.ts';

const BUCKET_ENCRYPTION =
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration';

async function record(args: QuarantineDataPlatformArgs): Promise<Recorded[]> {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('qdp', args);
  await resolve(platform.databaseSecretArn);
  await settle(rec);
  return rec.resources;
}

/** A copy of the recorded resources with one resource's inputs changed. */
function changed(
  recorded: Recorded[],
  type: string,
  name: string,
  change: (inputs: Record<string, unknown>) => Record<string, unknown>,
): Recorded[] {
  const matching = recorded.filter((r) => r.type === type && r.name === name);
  if (matching.length !== 1) throw new Error(`${matching.length} ${type} named ${name}`);
  return recorded.map((r) =>
    r === matching[0] ? { ...r, inputs: change(cloneInputs(r.inputs)) } : r,
  );
}

/** A deep copy of inputs; values that cannot be cloned (archives holding a Promise) are shared. */
function cloneInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => {
      try {
        return [k, structuredClone(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

function without(recorded: Recorded[], type: string, name: string): Recorded[] {
  const rest = recorded.filter((r) => !(r.type === type && r.name === name));
  if (rest.length !== recorded.length - 1) throw new Error(`no ${type} named ${name}`);
  return rest;
}

const check = async (recorded: Recorded[], policies = platformPolicies) =>
  runPolicies(policies, policyResources(recorded));

test('the typical, minimal and VPC-endpoint configurations pass every rule', async () => {
  const configurations: QuarantineDataPlatformArgs[] = [
    typicalArgs,
    minimalArgs,
    { ...typicalArgs, sftpEndpointType: 'VPC', sftpAllowedCidrs: ['203.0.113.0/24'] },
  ];
  for (const args of configurations) {
    const recorded = await record(args);
    expect(await check(recorded)).toEqual([]);
  }
  // Not vacuous: every rule has resources of its types to judge.
  const counts: Record<string, number> = {};
  for (const r of await record(typicalArgs)) counts[r.type] = (counts[r.type] ?? 0) + 1;
  expect({
    buckets: counts['aws:s3/bucket:Bucket'],
    topics: counts['aws:sns/topic:Topic'],
    servers: counts['aws:transfer/server:Server'],
    clusters: counts['aws:rds/cluster:Cluster'],
    instances: counts['aws:rds/clusterInstance:ClusterInstance'],
    securityGroups: counts['aws:ec2/securityGroup:SecurityGroup'],
    ingressRules: counts['aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule'],
    namespaces: counts['aws:redshiftserverless/namespace:Namespace'],
    workgroups: counts['aws:redshiftserverless/workgroup:Workgroup'],
    roles: counts['aws:iam/role:Role'],
    rolePolicies: counts['aws:iam/rolePolicy:RolePolicy'],
    keys: counts['aws:kms/key:Key'],
    bucketPolicies: counts['aws:s3/bucketPolicy:BucketPolicy'],
    glueJobs: counts['aws:glue/job:Job'],
    crawlers: counts['aws:glue/crawler:Crawler'],
    securityConfigurations: counts['aws:glue/securityConfiguration:SecurityConfiguration'],
    connections: counts['aws:glue/connection:Connection'],
    functions: counts['aws:lambda/function:Function'],
    permissions: counts['aws:lambda/permission:Permission'],
    queues: counts['aws:sqs/queue:Queue'],
    logGroups: counts['aws:cloudwatch/logGroup:LogGroup'],
    launchTemplates: counts['aws:ec2/launchTemplate:LaunchTemplate'],
    loadBalancers: counts['aws:lb/loadBalancer:LoadBalancer'],
    listeners: counts['aws:lb/listener:Listener'],
    secrets: counts['aws:secretsmanager/secret:Secret'],
  }).toEqual({
    buckets: 2,
    topics: 2,
    servers: 1,
    clusters: 1,
    instances: 1,
    securityGroups: 6,
    ingressRules: 7,
    namespaces: 1,
    workgroups: 1,
    roles: 9,
    rolePolicies: 9,
    keys: 1,
    bucketPolicies: 2,
    glueJobs: 2,
    crawlers: 1,
    securityConfigurations: 1,
    connections: 2,
    functions: 3,
    permissions: 4,
    queues: 1,
    logGroups: 5,
    launchTemplates: 1,
    loadBalancers: 1,
    listeners: 2,
    secrets: 1,
  });
});

test('S3 encryption: SSE-S3 on the landing bucket, no encryption, SSE-S3 on a bucket that receives no logs', async () => {
  const recorded = await record(typicalArgs);
  const rule = [s3BucketKmsEncryption];
  const sseS3 = changed(recorded, BUCKET_ENCRYPTION, 'qdp-landing', (i) => ({
    ...i,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  }));
  expect(await check(sseS3, rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-kms-encryption',
      message:
        'bucket qdp-landing: default encryption AES256 (expected aws:kms with the platform key)',
    },
  ]);
  const keyless = changed(recorded, BUCKET_ENCRYPTION, 'qdp-landing', (i) => ({
    ...i,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
  }));
  expect(await check(keyless, rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-kms-encryption',
      message:
        'bucket qdp-landing: default encryption aws:kms without a key (expected aws:kms with the platform key)',
    },
  ]);
  expect(await check(without(recorded, BUCKET_ENCRYPTION, 'qdp-landing'), rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-kms-encryption',
      message: 'bucket qdp-landing: 0 server-side encryption configurations (expected 1)',
    },
  ]);
  // The access-log bucket may use SSE-S3 only because S3 logging delivers into it.
  const noLogging = without(recorded, 'aws:s3/bucketLogging:BucketLogging', 'qdp-landing');
  expect(await check(noLogging, rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-kms-encryption',
      message:
        'bucket qdp-access-logs: default encryption AES256 (expected aws:kms with the platform key)',
    },
  ]);
});

test('S3 public access: a setting off, the block missing', async () => {
  const recorded = await record(typicalArgs);
  const type = 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock';
  const rule = [s3BucketPublicAccessBlocked];
  const off = changed(recorded, type, 'qdp-landing', (i) => ({
    ...i,
    blockPublicPolicy: false,
    restrictPublicBuckets: false,
  }));
  expect(await check(off, rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-public-access-blocked',
      message:
        'bucket qdp-landing: public access block with blockPublicPolicy, restrictPublicBuckets off',
    },
  ]);
  expect(await check(without(recorded, type, 'qdp-access-logs'), rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-public-access-blocked',
      message: 'bucket qdp-access-logs: 0 public access blocks (expected 1)',
    },
  ]);
});

test('S3 TLS only: a policy without the Deny, a Deny that spares the objects, no policy', async () => {
  const recorded = await record(typicalArgs);
  const type = 'aws:s3/bucketPolicy:BucketPolicy';
  const rule = [s3BucketTlsOnly];
  const violation = {
    policy: 'qdp-s3-bucket-tls-only',
    message: 'bucket qdp-landing: the bucket policy does not deny requests without TLS',
  };
  const allowOnly = changed(recorded, type, 'qdp-landing', (i) => ({
    ...i,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
        },
      ],
    }),
  }));
  expect(await check(allowOnly, rule)).toEqual([violation]);
  const bucketOnly = changed(recorded, type, 'qdp-landing', (i) => {
    const doc = JSON.parse(String(i['policy'])) as { Statement: { Resource: string[] }[] };
    doc.Statement[0]!.Resource = [doc.Statement[0]!.Resource[0]!];
    return { ...i, policy: JSON.stringify(doc) };
  });
  expect(await check(bucketOnly, rule)).toEqual([violation]);
  expect(await check(without(recorded, type, 'qdp-landing'), rule)).toEqual([
    {
      policy: 'qdp-s3-bucket-tls-only',
      message: 'bucket qdp-landing: 0 bucket policies (expected 1)',
    },
  ]);
});

test('SNS: a topic without a key, a topic with the AWS-managed key', async () => {
  const recorded = await record(typicalArgs);
  const type = 'aws:sns/topic:Topic';
  const plain = changed(recorded, type, 'qdp-failure', (i) => {
    delete i['kmsMasterKeyId'];
    return i;
  });
  const managed = changed(plain, type, 'qdp-success', (i) => ({
    ...i,
    kmsMasterKeyId: 'alias/aws/sns',
  }));
  expect(await check(managed, [snsTopicKms])).toEqual([
    {
      policy: 'qdp-sns-topic-kms',
      message:
        'topic qdp-success: the AWS-managed key alias/aws/sns (CloudWatch alarms cannot publish with it)',
    },
    {
      policy: 'qdp-sns-topic-kms',
      message: 'topic qdp-failure: not encrypted (kmsMasterKeyId missing)',
    },
  ]);
});

test('Transfer: an old security policy, FTP besides SFTP, logging off', async () => {
  const recorded = await record(typicalArgs);
  const insecure = changed(recorded, 'aws:transfer/server:Server', 'qdp-sftp', (i) => {
    delete i['structuredLogDestinations'];
    return {
      ...i,
      securityPolicyName: 'TransferSecurityPolicy-2018-11',
      protocols: ['SFTP', 'FTP'],
    };
  });
  expect(await check(insecure, [transferServerSecure])).toEqual([
    {
      policy: 'qdp-transfer-server-secure',
      message:
        'Transfer server qdp-sftp: security policy TransferSecurityPolicy-2018-11 (expected one of TransferSecurityPolicy-2025-03, TransferSecurityPolicy-FIPS-2025-03, TransferSecurityPolicy-2024-01, TransferSecurityPolicy-FIPS-2024-01)',
    },
    {
      policy: 'qdp-transfer-server-secure',
      message: 'Transfer server qdp-sftp: protocols ["SFTP","FTP"] (expected ["SFTP"])',
    },
    {
      policy: 'qdp-transfer-server-secure',
      message:
        'Transfer server qdp-sftp: logging off (structuredLogDestinations and loggingRole are required)',
    },
  ]);
});

test('RDS: deletion protection off by argument; unencrypted storage and a public instance', async () => {
  const unprotected = await record({ ...typicalArgs, databaseDeletionProtection: false });
  expect(await check(unprotected)).toEqual([
    { policy: 'qdp-rds-cluster-protected', message: 'RDS cluster qdp-db: deletion protection off' },
  ]);
  const recorded = await record(typicalArgs);
  const plain = changed(recorded, 'aws:rds/cluster:Cluster', 'qdp-db', (i) => ({
    ...i,
    storageEncrypted: false,
  }));
  const open = changed(plain, 'aws:rds/clusterInstance:ClusterInstance', 'qdp-db-writer', (i) => ({
    ...i,
    publiclyAccessible: true,
  }));
  expect(await check(open, [rdsClusterProtected])).toEqual([
    {
      policy: 'qdp-rds-cluster-protected',
      message: 'RDS cluster qdp-db: storage not encrypted with a KMS key',
    },
    {
      policy: 'qdp-rds-cluster-protected',
      message: 'RDS instance qdp-db-writer: publicly accessible',
    },
  ]);
});

test('ingress: the Landing component alone opened to 0.0.0.0/0, an IPv6 rule, a separate ingress rule', async () => {
  const rec = await installMocks();
  const landing = new Landing('open', {
    kmsKeyArn: 'arn:aws:kms:eu-south-1:123456789012:key/given',
    sftpUsers: [{ userName: 'regione', sshPublicKeys: [ED25519_KEY] }],
    sftpEndpointType: 'VPC',
    sftpAllowedCidrs: ['0.0.0.0/0'],
    vpcId: 'vpc-1',
    subnetIds: ['subnet-a', 'subnet-b'],
  });
  await resolve(landing.sftpEndpoint);
  await settle(rec);
  expect(await check(rec.resources, [noIngressFromAnywhere])).toEqual([
    {
      policy: 'qdp-no-ingress-from-anywhere',
      message: 'security group open-sftp: ingress on ports 22-22 from 0.0.0.0/0',
    },
  ]);
  const recorded = await record(typicalArgs);
  const ipv6 = changed(recorded, 'aws:ec2/securityGroup:SecurityGroup', 'qdp-db', (i) => ({
    ...i,
    ingress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, ipv6CidrBlocks: ['::/0'] }],
  }));
  const rule = {
    type: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
    name: 'qdp-db-open',
    inputs: {
      securityGroupId: 'sg-1',
      ipProtocol: 'tcp',
      fromPort: 5432,
      toPort: 5432,
      cidrIpv4: '0.0.0.0/0',
    },
    provider: '',
    custom: true,
    id: 'qdp-db-open-id',
  };
  expect(await check([...ipv6, rule], [noIngressFromAnywhere])).toEqual([
    {
      policy: 'qdp-no-ingress-from-anywhere',
      message: 'security group qdp-db: ingress on ports 5432-5432 from ::/0',
    },
    { policy: 'qdp-no-ingress-from-anywhere', message: 'ingress rule qdp-db-open: from 0.0.0.0/0' },
  ]);
});

test('Redshift Serverless: the AWS-owned key, a password in the program, a public workgroup', async () => {
  const recorded = await record(typicalArgs);
  const owned = changed(
    recorded,
    'aws:redshiftserverless/namespace:Namespace',
    'qdp-analytics',
    (i) => {
      delete i['manageAdminPassword'];
      return { ...i, kmsKeyId: 'AWS_OWNED_KMS_KEY', adminUserPassword: 'in-the-program' };
    },
  );
  const open = changed(
    owned,
    'aws:redshiftserverless/workgroup:Workgroup',
    'qdp-analytics',
    (i) => ({
      ...i,
      publiclyAccessible: true,
    }),
  );
  expect(await check(open, [redshiftServerlessProtected])).toEqual([
    {
      policy: 'qdp-redshift-serverless-protected',
      message: 'Redshift namespace qdp-analytics: not encrypted with a customer-managed KMS key',
    },
    {
      policy: 'qdp-redshift-serverless-protected',
      message:
        'Redshift namespace qdp-analytics: admin password not managed by Secrets Manager (manageAdminPassword)',
    },
    {
      policy: 'qdp-redshift-serverless-protected',
      message: 'Redshift workgroup qdp-analytics: publiclyAccessible is true (expected false)',
    },
  ]);
  // Left out, publiclyAccessible would default to false in AWS; the rule still wants it said.
  const unsaid = changed(
    recorded,
    'aws:redshiftserverless/workgroup:Workgroup',
    'qdp-analytics',
    (i) => {
      delete i['publiclyAccessible'];
      return i;
    },
  );
  expect(await check(unsaid, [redshiftServerlessProtected])).toEqual([
    {
      policy: 'qdp-redshift-serverless-protected',
      message: 'Redshift workgroup qdp-analytics: publiclyAccessible is undefined (expected false)',
    },
  ]);
});

test('database ports: a CIDR on the PostgreSQL rule, all traffic from a prefix list, a range over 5439', async () => {
  const recorded = await record(typicalArgs);
  const cidr = changed(
    recorded,
    'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
    'qdp-db-from-workloads',
    (i) => {
      delete i['referencedSecurityGroupId'];
      return { ...i, cidrIpv4: '10.40.0.0/16' };
    },
  );
  const inline = changed(cidr, 'aws:ec2/securityGroup:SecurityGroup', 'qdp-db', (i) => ({
    ...i,
    ingress: [{ protocol: '-1', fromPort: 0, toPort: 0, prefixListIds: ['pl-office'] }],
  }));
  const legacy = {
    type: 'aws:ec2/securityGroupRule:SecurityGroupRule',
    name: 'qdp-wide',
    inputs: {
      type: 'ingress',
      securityGroupId: 'sg-1',
      protocol: 'tcp',
      fromPort: 5000,
      toPort: 6000,
      cidrBlocks: ['192.168.0.0/16'],
    },
    provider: '',
    custom: true,
    id: 'qdp-wide-id',
  };
  // Another port from a CIDR is this rule's business only on 5432 and 5439.
  const https = { ...legacy, name: 'qdp-https', id: 'qdp-https-id' };
  https.inputs = { ...legacy.inputs, fromPort: 443, toPort: 443 };
  expect(await check([...inline, legacy, https], [databasePortsFromGroupsOnly])).toEqual([
    {
      policy: 'qdp-database-ports-from-groups-only',
      message: 'security group qdp-db: port 5432, 5439 open to pl-office',
    },
    {
      policy: 'qdp-database-ports-from-groups-only',
      message: 'ingress rule qdp-db-from-workloads: port 5432 open to 10.40.0.0/16',
    },
    {
      policy: 'qdp-database-ports-from-groups-only',
      message: 'security group rule qdp-wide: port 5432, 5439 open to 192.168.0.0/16',
    },
  ]);
});

test('IAM: `*` and `s3:*` allowed in a role policy, `kms:*` in the key policy, NotAction', async () => {
  const recorded = await record(typicalArgs);
  const wide = changed(recorded, 'aws:iam/rolePolicy:RolePolicy', 'qdp-sftp-u-ulss9-ops', (i) => ({
    ...i,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:*'], Resource: 'arn:aws:s3:::b/*' },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ],
    }),
  }));
  const keyAdmin = changed(wide, 'aws:kms/key:Key', 'qdp-key', (i) => {
    const doc = JSON.parse(String(i['policy'])) as { Statement: Record<string, unknown>[] };
    doc.Statement.push({ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' });
    doc.Statement.push({
      Effect: 'Allow',
      Principal: '*',
      NotAction: 'kms:Decrypt',
      Resource: '*',
    });
    return { ...i, policy: JSON.stringify(doc) };
  });
  expect(await check(keyAdmin, [noWildcardActions])).toEqual([
    { policy: 'qdp-no-wildcard-actions', message: 'Key qdp-key: Allow of kms:*' },
    { policy: 'qdp-no-wildcard-actions', message: 'Key qdp-key: Allow with NotAction' },
    {
      policy: 'qdp-no-wildcard-actions',
      message: 'RolePolicy qdp-sftp-u-ulss9-ops: Allow of * (statement Everything)',
    },
    {
      policy: 'qdp-no-wildcard-actions',
      message: 'RolePolicy qdp-sftp-u-ulss9-ops: Allow of s3:*',
    },
  ]);
});

test('`*` resources: a role policy with another action on any resource, PutMetricData without a namespace', async () => {
  const recorded = await record(typicalArgs);
  const doc = (statements: unknown[]) => ({
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  });
  const wide = changed(recorded, 'aws:iam/rolePolicy:RolePolicy', 'qdp-on-upload', (i) => ({
    ...i,
    ...doc([
      { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' },
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: ['*'] },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces'],
        Resource: '*',
      },
    ]),
  }));
  expect(await check(wide, [noWildcardResources])).toEqual([
    {
      policy: 'qdp-no-wildcard-resources',
      message: 'RolePolicy qdp-on-upload (statement Read): s3:GetObject on any resource',
    },
    {
      policy: 'qdp-no-wildcard-resources',
      message:
        'RolePolicy qdp-on-upload: cloudwatch:PutMetricData without a cloudwatch:namespace condition',
    },
  ]);
  // The key policy's `*` is the key itself: not this rule's business.
  expect(await check(recorded, [noWildcardResources])).toEqual([]);
  expect(ACTIONS_ONLY_ON_ANY_RESOURCE.every((a) => !a.includes('*'))).toBe(true);
});

test('Glue: a job or crawler without a security configuration, a configuration that leaves something unencrypted', async () => {
  const recorded = await record(typicalArgs);
  const bare = changed(
    changed(recorded, 'aws:glue/job:Job', 'qdp-import', (i) => ({
      ...i,
      securityConfiguration: undefined,
    })),
    'aws:glue/crawler:Crawler',
    'qdp-staging',
    (i) => ({ ...i, securityConfiguration: '' }),
  );
  expect((await check(bare, [glueEncrypted])).sort(byMessage)).toEqual([
    {
      policy: 'qdp-glue-encrypted',
      message: 'Glue crawler qdp-staging: no security configuration',
    },
    { policy: 'qdp-glue-encrypted', message: 'Glue job qdp-import: no security configuration' },
  ]);
  const weak = changed(
    recorded,
    'aws:glue/securityConfiguration:SecurityConfiguration',
    'qdp-glue',
    (i) => ({
      ...i,
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: 'SSE-S3' },
        cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS' },
      },
    }),
  );
  expect(await check(weak, [glueEncrypted])).toEqual(
    [
      'S3 encryption SSE-S3 (expected SSE-KMS with a key)',
      'CloudWatch encryption SSE-KMS (expected SSE-KMS with a key)',
      'job bookmarks encryption DISABLED (expected CSE-KMS with a key)',
    ].map((m) => ({
      policy: 'qdp-glue-encrypted',
      message: `Glue security configuration qdp-glue: ${m}`,
    })),
  );
});

test('secrets: a password in the program for RDS or a Glue connection, TLS off, a secret without a key', async () => {
  const recorded = await record(typicalArgs);
  const rds = changed(recorded, 'aws:rds/cluster:Cluster', 'qdp-db', (i) => ({
    ...i,
    manageMasterUserPassword: undefined,
    masterPassword: 'hunter2-in-the-state',
  }));
  expect(await check(rds, [secretsManaged])).toEqual([
    {
      policy: 'qdp-secrets-managed',
      message:
        'RDS cluster qdp-db: master password not managed by Secrets Manager (manageMasterUserPassword)',
    },
  ]);
  const glue = changed(recorded, 'aws:glue/connection:Connection', 'qdp-aurora', (i) => ({
    ...i,
    connectionProperties: {
      JDBC_CONNECTION_URL: 'jdbc:postgresql://db:5432/quarantine',
      USERNAME: 'qdp_admin',
      PASSWORD: 'hunter2',
    },
  }));
  expect(await check(glue, [secretsManaged])).toEqual([
    {
      policy: 'qdp-secrets-managed',
      message: 'Glue connection qdp-aurora: credentials not from Secrets Manager (SECRET_ID)',
    },
    {
      policy: 'qdp-secrets-managed',
      message: 'Glue connection qdp-aurora: TLS not enforced (JDBC_ENFORCE_SSL)',
    },
  ]);
  const secret: Recorded = {
    type: 'aws:secretsmanager/secret:Secret',
    name: 'qdp-extra',
    inputs: { name: 'extra' },
    provider: '',
    custom: true,
    id: 'qdp-extra-id',
  };
  expect(await check([...recorded, secret], [secretsManaged])).toEqual([
    {
      policy: 'qdp-secrets-managed',
      message: 'secret qdp-extra: not encrypted with a customer-managed key (kmsKeyId)',
    },
  ]);
});

test('Lambda: old runtime, no key, no log group, an open URL, a service permission without a source, S3 without dead letters', async () => {
  const recorded = await record(typicalArgs);
  const old = changed(recorded, 'aws:lambda/function:Function', 'qdp-notify', (i) => ({
    ...i,
    runtime: 'nodejs18.x',
    kmsKeyArn: undefined,
    loggingConfig: { logFormat: 'Text' },
  }));
  expect(await check(old, [lambdaSecure])).toEqual(
    [
      'runtime nodejs18.x (expected nodejs22.x or later)',
      'environment not encrypted with a customer-managed key (kmsKeyArn)',
      'no log group of its own (loggingConfig.logGroup)',
    ].map((m) => ({ policy: 'qdp-lambda-secure', message: `Lambda function qdp-notify: ${m}` })),
  );
  const url: Recorded = {
    type: 'aws:lambda/functionUrl:FunctionUrl',
    name: 'qdp-open',
    inputs: { functionName: 'qdp-notify', authorizationType: 'NONE' },
    provider: '',
    custom: true,
    id: 'qdp-open-id',
  };
  const sourceless = changed(
    recorded,
    'aws:lambda/permission:Permission',
    'qdp-on-upload-s3',
    (i) => ({
      ...i,
      sourceArn: undefined,
    }),
  );
  expect(await check([...sourceless, url], [lambdaSecure])).toEqual([
    {
      policy: 'qdp-lambda-secure',
      message:
        'Lambda permission qdp-on-upload-s3: s3.amazonaws.com may invoke from any source (sourceArn missing)',
    },
    {
      policy: 'qdp-lambda-secure',
      message: 'Lambda function URL qdp-open: authorization NONE (expected AWS_IAM)',
    },
  ]);
  const noDlq = changed(recorded, 'aws:lambda/function:Function', 'qdp-on-upload', (i) => ({
    ...i,
    deadLetterConfig: undefined,
  }));
  expect(await check(noDlq, [lambdaDeadLetters])).toEqual([
    {
      policy: 'qdp-lambda-dead-letters',
      message: 'Lambda function qdp-on-upload: invoked by S3 without a dead-letter queue',
    },
  ]);
});

test('queues and logs: an unencrypted queue, a log group without key or retention', async () => {
  const recorded = await record(typicalArgs);
  const plain = changed(
    changed(recorded, 'aws:sqs/queue:Queue', 'qdp-on-upload-dlq', (i) => ({
      ...i,
      kmsMasterKeyId: 'alias/aws/sqs',
    })),
    'aws:cloudwatch/logGroup:LogGroup',
    'qdp-glue',
    (i) => ({ ...i, kmsKeyId: undefined, retentionInDays: undefined }),
  );
  expect((await check(plain, [queuesAndLogsEncrypted])).sort(byMessage)).toEqual(
    [
      {
        policy: 'qdp-queues-and-logs-encrypted',
        message:
          'SQS queue qdp-on-upload-dlq: not encrypted with a customer-managed key (kmsMasterKeyId)',
      },
      {
        policy: 'qdp-queues-and-logs-encrypted',
        message: 'log group qdp-glue: kept forever (retentionInDays missing)',
      },
      {
        policy: 'qdp-queues-and-logs-encrypted',
        message: 'log group qdp-glue: not encrypted with a customer-managed key (kmsKeyId)',
      },
    ].sort(byMessage),
  );
});

function byMessage(a: { message: string }, b: { message: string }): number {
  return a.message.localeCompare(b.message);
}

test('portal: the Portal passes; IMDSv1, an unencrypted volume, a key pair, an old TLS policy, plain HTTP, 0.0.0.0/0 beyond the listeners', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'qdp-portal-policy-'));
  try {
    const rec = await installMocks();
    const portal = new Portal('qdp', {
      vpcId: 'vpc-1',
      privateSubnetIds: ['subnet-a', 'subnet-b'],
      publicSubnetIds: ['subnet-pa', 'subnet-pb'],
      kmsKeyArn: 'arn:aws:kms:eu-south-1:123456789012:key/k',
      bucketName: 'landing',
      bucketArn: 'arn:aws:s3:::landing',
      databaseSecurityGroupId: 'sg-db',
      authorityName: 'ASL',
      certificateArn: CERTIFICATE_ARN,
      bundleDir: dir,
    });
    await resolve(portal.url);
    await settle(rec);
    const recorded = rec.resources;
    expect(await check(recorded)).toEqual([]);
    const lt = 'aws:ec2/launchTemplate:LaunchTemplate';
    const weak = changed(recorded, lt, 'qdp-portal', (i) => ({
      ...i,
      metadataOptions: { httpTokens: 'optional' },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'false' } }],
      keyName: 'admin',
    }));
    expect(await check(weak, [portalSecure])).toEqual(
      [
        'IMDSv2 not required (metadataOptions.httpTokens)',
        'a volume is not encrypted',
        'key pair admin (Session Manager only)',
      ].map((m) => ({ policy: 'qdp-portal-secure', message: `launch template qdp-portal: ${m}` })),
    );
    const listeners = changed(
      changed(recorded, 'aws:lb/listener:Listener', 'qdp-portal-https', (i) => ({
        ...i,
        sslPolicy: 'ELBSecurityPolicy-2016-08',
      })),
      'aws:lb/listener:Listener',
      'qdp-portal-http',
      (i) => ({ ...i, defaultActions: [{ type: 'forward', targetGroupArn: 'tg' }] }),
    );
    const headers = changed(listeners, 'aws:lb/loadBalancer:LoadBalancer', 'qdp-portal', (i) => ({
      ...i,
      dropInvalidHeaderFields: false,
    }));
    expect((await check(headers, [portalSecure])).sort(byMessage)).toEqual(
      [
        'listener qdp-portal-http: plain HTTP that does not redirect to HTTPS',
        `listener qdp-portal-https: TLS policy ELBSecurityPolicy-2016-08 (expected one of ${CURRENT_TLS_POLICIES.join(', ')})`,
        'load balancer qdp-portal: invalid header fields not dropped',
      ].map((message) => ({ policy: 'qdp-portal-secure', message })),
    );
    // Anywhere on another port of the load balancer's group, or on the instances' group.
    const ssh = changed(
      recorded,
      'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
      'qdp-alb-443-0-0-0-0-0',
      (i) => ({ ...i, fromPort: 22, toPort: 22 }),
    );
    const direct = changed(
      ssh,
      'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
      'qdp-portal-from-alb',
      (i) => ({ ...i, referencedSecurityGroupId: undefined, cidrIpv4: '0.0.0.0/0' }),
    );
    expect((await check(direct, [noIngressFromAnywhere])).sort(byMessage)).toEqual([
      {
        policy: 'qdp-no-ingress-from-anywhere',
        message: 'ingress rule qdp-alb-443-0-0-0-0-0: from 0.0.0.0/0',
      },
      {
        policy: 'qdp-no-ingress-from-anywhere',
        message: 'ingress rule qdp-portal-from-alb: from 0.0.0.0/0',
      },
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
