// Pulumi unit-test mocks (no CLI, no plugin): every registered resource is recorded with its type,
// name, inputs, provider and parent type; the invokes the component makes are answered with
// realistic values, and any other invoke fails loudly.
import * as pulumi from '@pulumi/pulumi';

export const ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'eu-south-1';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** `urn::id` of the explicit provider, or '' for the default provider. */
  provider: string;
  custom: boolean;
  id: string;
  /**
   * The `tags` input, kept apart from `inputs` so that assertions on a resource's inputs read
   * what it sets itself; every resource's tags are asserted at once (test/infra/tags.test.ts).
   */
  tags?: unknown;
  /** The outputs the mocks gave the resource besides its inputs (ARNs, names). */
  outputs?: Record<string, unknown>;
  /** The type of the parent resource (filled in by `settle`). */
  parentType?: string;
  urn?: string;
}

export interface Recorder {
  resources: Recorded[];
  /** Invokes that no mock answers (each also failed the Output that made it). */
  unknownCalls: string[];
  /** The region of the provider that made an invoke or owns a resource. */
  regionOf(provider: string): string;
}

let counter = 0;

/** Installs fresh mocks; call before any resource is declared. */
export async function installMocks(): Promise<Recorder> {
  const recorder: Recorder = {
    resources: [],
    unknownCalls: [],
    regionOf(provider: string): string {
      if (provider === '') return DEFAULT_REGION;
      const id = provider.split('::').pop();
      const found = recorder.resources.find(
        (r) => r.id === id && r.type === 'pulumi:providers:aws',
      );
      const region = found?.inputs['region'];
      return typeof region === 'string' ? region : DEFAULT_REGION;
    },
  };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        counter += 1;
        const id = `${args.name}-id-${counter}`;
        const { tags, ...inputs } = args.inputs as Record<string, unknown>;
        const outputs = outputsOf(args, id, recorder);
        recorder.resources.push({
          type: args.type,
          name: args.name,
          inputs,
          ...(tags === undefined ? {} : { tags }),
          provider: args.provider ?? '',
          custom: args.custom ?? true,
          id,
          outputs,
        });
        return { id, state: { ...args.inputs, ...outputs } };
      },
      call(args) {
        const region = recorder.regionOf(args.provider ?? '');
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return {
              accountId: ACCOUNT_ID,
              arn: `arn:aws:iam::${ACCOUNT_ID}:user/deployer`,
              id: ACCOUNT_ID,
              userId: 'AIDAEXAMPLE',
            };
          case 'aws:index/getRegion:getRegion':
            return {
              id: region,
              name: region,
              region,
              description: region,
              endpoint: `ec2.${region}.amazonaws.com`,
            };
          case 'aws:index/getPartition:getPartition':
            return {
              id: 'aws',
              partition: 'aws',
              dnsSuffix: 'amazonaws.com',
              reverseDnsPrefix: 'com.amazonaws',
            };
          case 'aws:index/getAvailabilityZones:getAvailabilityZones':
            return {
              id: region,
              names: [`${region}a`, `${region}b`, `${region}c`],
              zoneIds: ['1', '2', '3'].map((n) => `${region.replace(/-/g, '')}-az${n}`),
              groupNames: [region],
            };
          case 'aws:elb/getServiceAccount:getServiceAccount':
            // Elastic Load Balancing's account in eu-south-1 (AWS's list for older Regions).
            return { id: '635631232127', arn: 'arn:aws:iam::635631232127:root', region };
          case 'aws:ec2/getSubnet:getSubnet': {
            const id = String(args.inputs['id']);
            const index = Number(/-(\d+)$/.exec(id)?.[1] ?? 0);
            return {
              id,
              availabilityZone: `${region}${'abc'[index % 3]}`,
              vpcId: 'vpc-of-subnet',
              region,
            };
          }
          case 'aws:ec2/getRouteTables:getRouteTables': {
            const subnets = routeTableSubnets(args.inputs);
            return {
              id: region,
              region,
              ids: subnets.map((s) => `rtb-${s.replace(/^subnet-/, '')}`),
              tags: {},
            };
          }
          default:
            recorder.unknownCalls.push(args.token);
            throw new Error(`unexpected invoke ${args.token}: add it to test/infra/mocks.ts`);
        }
      },
    },
    'quarantine-data-platform',
    'test',
    false,
  );
  return recorder;
}

function routeTableSubnets(inputs: Record<string, unknown>): string[] {
  const filters = (inputs['filters'] ?? []) as { name: string; values: string[] }[];
  return filters.find((f) => f.name === 'association.subnet-id')?.values ?? [];
}

/** What AWS would add to a resource's inputs: ARNs, endpoints, generated names. */
function outputsOf(
  args: pulumi.runtime.MockResourceArgs,
  id: string,
  recorder: Recorder,
): Record<string, unknown> {
  const region = recorder.regionOf(args.provider ?? '');
  const inputs = args.inputs as Record<string, unknown>;
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resource}`;
  switch (args.type) {
    case 'awsx:ec2:Vpc': {
      const zones = Number(inputs['numberOfAvailabilityZones'] ?? 3);
      const subnets = Array.from({ length: zones }, (_, i) => `subnet-${args.name}-${i}`);
      const specs = (inputs['subnetSpecs'] ?? []) as { type: string }[];
      return {
        vpcId: `vpc-${args.name}`,
        isolatedSubnetIds: subnets,
        privateSubnetIds: [],
        publicSubnetIds: specs.some((s) => s.type === 'Public')
          ? subnets.map((s) => `${s}-public`)
          : [],
      };
    }
    case 'aws:kms/key:Key':
      return { keyId: id, arn: arn('kms', `key/${id}`) };
    case 'aws:s3/bucket:Bucket': {
      const bucket = `${args.name}-abc1234`;
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:cloudwatch/logGroup:LogGroup': {
      const name = String(inputs['name'] ?? args.name);
      return { name, arn: arn('logs', `log-group:${name}`) };
    }
    case 'aws:lambda/function:Function': {
      const name = String(inputs['name'] ?? args.name);
      return { name, arn: arn('lambda', `function:${name}`) };
    }
    case 'aws:sqs/queue:Queue': {
      const name = String(inputs['name'] ?? args.name);
      return {
        name,
        arn: arn('sqs', name),
        url: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${name}`,
      };
    }
    case 'aws:glue/workflow:Workflow':
      return { arn: arn('glue', `workflow/${String(inputs['name'])}`) };
    case 'aws:glue/job:Job':
      return { arn: arn('glue', `job/${String(inputs['name'])}`) };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:events:${region}:${ACCOUNT_ID}:rule/${String(inputs['name'])}` };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        arn: arn('elasticloadbalancing', `loadbalancer/app/${args.name}/50dc6c495c0c9188`),
        arnSuffix: `app/${args.name}/50dc6c495c0c9188`,
        dnsName: `${args.name}-1234567890.${region}.elb.amazonaws.com`,
      };
    case 'aws:lb/targetGroup:TargetGroup':
      return {
        arn: arn('elasticloadbalancing', `targetgroup/${args.name}/73e2d6bc24d8a067`),
        arnSuffix: `targetgroup/${args.name}/73e2d6bc24d8a067`,
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    case 'aws:backup/vault:Vault': {
      const name = String(inputs['name']);
      return { name, arn: arn('backup', `backup-vault:${name}`) };
    }
    case 'aws:wafv2/webAcl:WebAcl':
      return { arn: arn('wafv2', `regional/webacl/${String(inputs['name'])}/${id}`) };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${args.name}` };
    case 'aws:secretsmanager/secret:Secret':
      return { arn: arn('secretsmanager', `secret:${String(inputs['name'] ?? args.name)}-AbCdEf`) };
    case 'aws:lambda/invocation:Invocation':
      return { result: '{"applied":[]}' };
    case 'aws:redshiftserverless/namespace:Namespace':
      return {
        adminPasswordSecretArn: arn('secretsmanager', `secret:redshift!${args.name}-${id}`),
      };
    case 'aws:redshiftserverless/workgroup:Workgroup':
      return {
        endpoints: [
          {
            address: `${String(inputs['workgroupName'])}.${ACCOUNT_ID}.${region}.redshift-serverless.amazonaws.com`,
            port: inputs['port'],
            vpcEndpoints: [],
          },
        ],
      };
    case 'aws:iam/role:Role':
      return { name: args.name, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${args.name}` };
    case 'aws:transfer/server:Server':
      return {
        arn: arn('transfer', `server/s-${id}`),
        endpoint: `s-${id}.server.transfer.${region}.amazonaws.com`,
      };
    case 'aws:sns/topic:Topic':
      return { arn: arn('sns', String(inputs['name'] ?? args.name)) };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { arn: arn('cloudwatch', `alarm:${args.name}`) };
    case 'aws:rds/cluster:Cluster':
      return {
        clusterIdentifier: args.name,
        arn: arn('rds', `cluster:${args.name}`),
        endpoint: `${args.name}.cluster-abc.${region}.rds.amazonaws.com`,
        engineVersion: inputs['engineVersion'],
        masterUserSecrets: [
          {
            kmsKeyId: inputs['masterUserSecretKmsKeyId'],
            secretArn: arn('secretsmanager', `secret:rds!cluster-${id}`),
            secretStatus: 'active',
          },
        ],
      };
    case 'aws:ec2/vpcEndpoint:VpcEndpoint':
      return inputs['vpcEndpointType'] === 'Gateway' ? { prefixListId: `pl-${args.name}` } : {};
    case 'aws:rds/clusterInstance:ClusterInstance':
      return { identifier: args.name };
    case 'aws:rds/subnetGroup:SubnetGroup':
    case 'aws:rds/clusterParameterGroup:ClusterParameterGroup':
      return { name: args.name };
    default:
      return {};
  }
}

/** The resolved value of an Output. */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

/** Waits until every registration has finished, then fills in each record's parent type. */
export async function settle(recorder: Recorder): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== 'function') {
    throw new Error(
      '@pulumi/pulumi no longer exports runtime.waitForRPCs: update test/infra/mocks.ts',
    );
  }
  await runtime.waitForRPCs();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    resources: Map<string, { urn: string; id: string | null }>;
  };
  const urnById = new Map<string, string>();
  for (const { urn, id } of monitor.resources.values()) if (id !== null) urnById.set(id, urn);
  for (const r of recorder.resources) {
    const urn = urnById.get(r.id);
    if (urn === undefined) throw new Error(`no URN for ${r.type} ${r.name}`);
    r.urn = urn;
    const qualified = urn.split('::')[2] ?? '';
    const parts = qualified.split('$');
    r.parentType = parts.length > 1 ? parts[parts.length - 2] : undefined;
  }
}

/** Resources of one type, in registration order. */
export function ofType(recorder: Recorder, type: string): Recorded[] {
  return recorder.resources.filter((r) => r.type === type);
}

/** One resource by type and name; fails unless exactly one matches. */
export function one(recorder: Recorder, type: string, name: string): Recorded {
  const found = recorder.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`${found.length} resources ${type} named ${name}`);
  return found[0]!;
}

/** Counts per type, sorted by type. */
export function countsByType(recorder: Recorder): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of recorder.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
