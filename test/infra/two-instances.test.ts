// Two platforms in one program, each with its own AWS provider (two regions), or one with a region
// argument: no name collisions, and every child in its own region.
import * as aws from '@pulumi/aws';
import { expect, test } from 'vitest';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { minimalArgs, typicalArgs } from './fixtures.ts';
import { installMocks, one, resolve, settle, type Recorder } from './mocks.ts';

/** The component (index type) that a resource belongs to, following names: `<instance>-…`. */
function instanceOf(name: string, instances: string[]): string | undefined {
  return instances.find((i) => name === i || name.startsWith(`${i}-`));
}

function customChildren(rec: Recorder) {
  return rec.resources.filter(
    (r) => r.custom && r.type !== 'pulumi:providers:aws' && r.type !== 'awsx:ec2:Vpc',
  );
}

test('two instances with different providers: no collisions, each child in its region', async () => {
  const rec = await installMocks();
  const milan = new aws.Provider('milan', { region: 'eu-south-1' });
  const frankfurt = new aws.Provider('frankfurt', { region: 'eu-central-1' });
  const veneto = new QuarantineDataPlatform('veneto-ulss9', typicalArgs, {
    providers: { aws: milan },
  });
  const lazio = new QuarantineDataPlatform(
    'lazio-roma1',
    { ...minimalArgs, authorityName: 'ASL Roma 1', territoryProvinces: ['RM'] },
    { providers: [frankfurt] },
  );
  await Promise.all([resolve(veneto.dashboardName), resolve(lazio.dashboardName)]);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);

  const keys = rec.resources.map((r) => `${r.type}::${r.name}`);
  expect(new Set(keys).size).toBe(keys.length);
  const urns = rec.resources.map((r) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);

  const regions = { 'veneto-ulss9': 'eu-south-1', 'lazio-roma1': 'eu-central-1' };
  const children = customChildren(rec);
  expect(children.length).toBeGreaterThan(60);
  for (const r of children) {
    const instance = instanceOf(r.name, Object.keys(regions)) as keyof typeof regions;
    expect(instance, r.name).toBeDefined();
    expect([r.name, rec.regionOf(r.provider)]).toEqual([r.name, regions[instance]]);
  }

  // Region-bound values come from each instance's own provider.
  expect(one(rec, 'aws:ec2/vpcEndpoint:VpcEndpoint', 'veneto-ulss9-s3').inputs['serviceName']).toBe(
    'com.amazonaws.eu-south-1.s3',
  );
  expect(one(rec, 'aws:ec2/vpcEndpoint:VpcEndpoint', 'lazio-roma1-s3').inputs['serviceName']).toBe(
    'com.amazonaws.eu-central-1.s3',
  );
  expect(await resolve(lazio.sftpEndpoint)).toMatch(
    /\.server\.transfer\.eu-central-1\.amazonaws\.com$/,
  );
  expect(await resolve(veneto.sftpEndpoint)).toMatch(
    /\.server\.transfer\.eu-south-1\.amazonaws\.com$/,
  );
  expect([await resolve(veneto.failureTopicArn), await resolve(lazio.failureTopicArn)]).toEqual([
    'arn:aws:sns:eu-south-1:123456789012:veneto-ulss9-ETL_Failure',
    'arn:aws:sns:eu-central-1:123456789012:lazio-roma1-ETL_Failure',
  ]);
});

test('the region argument: one provider made by the component reaches every child', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', { ...minimalArgs, region: 'eu-west-1' });
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);
  const provider = one(rec, 'pulumi:providers:aws', 'ulss9-aws');
  expect([provider.inputs['region'], provider.parentType]).toEqual([
    'eu-west-1',
    'quarantine-data-platform:index:QuarantineDataPlatform',
  ]);
  const children = customChildren(rec);
  expect(children.length).toBeGreaterThan(30);
  for (const r of children) {
    expect([r.name, r.provider.split('::').pop()]).toEqual([r.name, provider.id]);
  }
  expect(await resolve(platform.databaseEndpoint)).toBe(
    'ulss9-db.cluster-abc.eu-west-1.rds.amazonaws.com',
  );
});

test('without a provider or region, children use the default provider', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', minimalArgs);
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(rec.resources.filter((r) => r.type === 'pulumi:providers:aws')).toEqual([]);
  expect(customChildren(rec).every((r) => r.provider === '')).toBe(true);
});
