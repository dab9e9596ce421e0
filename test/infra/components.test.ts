// The sub-components on their own (each is usable without QuarantineDataPlatform).
import { expect, test } from 'vitest';
import { Alerts, Analytics, Database, Landing, Network, PlatformKey } from '../../infra/index.ts';
import { ED25519_KEY } from './fixtures.ts';
import { countsByType, installMocks, one, resolve, settle } from './mocks.ts';

const KEY = 'arn:aws:kms:eu-south-1:123456789012:key/given';

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
    'aws:ec2/securityGroup:SecurityGroup': 1,
    'aws:rds/cluster:Cluster': 1,
    'aws:rds/clusterInstance:ClusterInstance': 1,
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

test('Alerts alone: no database, no notify function, so no alarms and no database widget', async () => {
  const rec = await installMocks();
  const alerts = new Alerts('solo', { kmsKeyArn: KEY, authorityName: 'ASL' });
  await resolve(alerts.dashboardName);
  await settle(rec);
  // Nothing would put the deadline metric: no deadline alarm (missing data counts as breaching).
  expect(countsByType(rec)).toEqual({
    'aws:cloudwatch/dashboard:Dashboard': 1,
    'aws:sns/topic:Topic': 2,
    'quarantine:alerts:Alerts': 1,
  });
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
  expect(() => new Network('solo', { vpcId: 'vpc-1' })).toThrow(
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
