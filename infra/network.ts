// Network: the private subnets the platform runs in. Either a VPC made here (@pulumi/awsx: private
// subnets without a route to the internet in two or more zones, an S3 gateway endpoint on their
// route tables and the interface endpoints the private parts call), or the caller's VPC and
// subnets, used as they are.
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { awsContext, policyDocument, serviceTrust } from './context.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { isCidr, isWholeInRange, ownNames, type FieldNames, refuseInvalid } from './validation.ts';

/**
 * AWS services reached from the private subnets through interface endpoints (there is no NAT
 * gateway: nothing in the subnets reaches the internet).
 * - `secretsmanager`: the database credentials (Glue connection, migration Lambda, portal);
 * - `kms`: decrypting with the platform key;
 * - `logs`: Glue job and Lambda logs from inside the VPC;
 * - `sts`: role sessions of the Glue jobs;
 * - `glue`: the Glue jobs' calls to the Data Catalog.
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  'secretsmanager',
  'kms',
  'logs',
  'sts',
  'glue',
] as const;

/** Interface endpoints Session Manager needs to reach the portal's instances (no SSH, no NAT). */
export const SESSION_MANAGER_ENDPOINT_SERVICES = ['ssm', 'ssmmessages', 'ec2messages'] as const;

/** Flow log records are aggregated over this many seconds (AWS allows 60 or 600). */
export const FLOW_LOG_AGGREGATION_SECONDS = 600;

export interface NetworkArgs {
  /** The caller's VPC; with it, `privateSubnetIds` too, and nothing is created. @default undefined */
  vpcId?: pulumi.Input<string>;
  /** The caller's private subnets (two or more zones). @default undefined */
  privateSubnetIds?: pulumi.Input<string>[];
  /** CIDR block of the created VPC. @default "10.40.0.0/16" */
  cidrBlock?: string;
  /** Availability zones of the created VPC. @default 2 */
  availabilityZoneCount?: number;
  /**
   * For the portal: public subnets in the created VPC (an internet gateway, no NAT; only the
   * load balancer lives there) and the Session Manager endpoints. @default false
   */
  portal?: boolean;
  /** The caller's public subnets (with `vpcId`, when the portal is on). @default undefined */
  publicSubnetIds?: pulumi.Input<string>[];
  /** The platform key: encrypts the created VPC's flow log group. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days the created VPC's flow logs are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
}

/** The fields of `NetworkArgs` that `validateNetworkArgs` checks. */
const NETWORK_VALIDATED = [
  'vpcId',
  'privateSubnetIds',
  'publicSubnetIds',
  'cidrBlock',
  'availabilityZoneCount',
  'portal',
] as const;

/**
 * @internal Every problem with a Network's arguments, each naming its field (`names`); pure. Either
 * the caller's VPC with its subnets, or the VPC's CIDR block and zones.
 */
export function validateNetworkArgs(
  args: Pick<NetworkArgs, (typeof NETWORK_VALIDATED)[number]>,
  names: FieldNames<(typeof NETWORK_VALIDATED)[number]> = ownNames(NETWORK_VALIDATED),
): string[] {
  const problems: string[] = [];
  const hasVpc = args.vpcId !== undefined;
  const subnets = args.privateSubnetIds;
  if (hasVpc && subnets === undefined) {
    problems.push(
      `${names.privateSubnetIds}: required with ${names.vpcId} (private subnets in at least two availability zones)`,
    );
  }
  if (!hasVpc && subnets !== undefined) {
    problems.push(
      `${names.vpcId}: required with ${names.privateSubnetIds} (the VPC the subnets belong to)`,
    );
  }
  if (subnets !== undefined && subnets.length < 2) {
    problems.push(
      `${names.privateSubnetIds}: ${subnets.length} given, at least 2 needed (in different availability zones)`,
    );
  }
  for (const field of ['cidrBlock', 'availabilityZoneCount'] as const) {
    if (hasVpc && args[field] !== undefined) {
      problems.push(
        `${names[field]}: only applies when the component creates the VPC; leave it out with ${names.vpcId}`,
      );
    }
  }
  if (args.cidrBlock !== undefined && !isCidr(args.cidrBlock, 16, 24)) {
    problems.push(
      `${names.cidrBlock}: "${args.cidrBlock}" must be an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16`,
    );
  }
  const zones = args.availabilityZoneCount;
  if (zones !== undefined && !isWholeInRange(zones, 2, 4)) {
    problems.push(`${names.availabilityZoneCount}: ${zones} must be 2, 3 or 4`);
  }
  const publicSubnets = args.publicSubnetIds;
  if (args.portal === true && hasVpc && publicSubnets === undefined) {
    problems.push(
      `${names.publicSubnetIds}: required with ${names.vpcId} when ${names.portal} is true (public subnets in at least two availability zones for the load balancer)`,
    );
  }
  if (publicSubnets !== undefined && !hasVpc) {
    problems.push(
      `${names.publicSubnetIds}: only applies with ${names.vpcId} (the created VPC makes its own)`,
    );
  }
  if (publicSubnets !== undefined && publicSubnets.length < 2) {
    problems.push(
      `${names.publicSubnetIds}: ${publicSubnets.length} given, at least 2 needed (in different availability zones)`,
    );
  }
  return problems;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Public subnets (the portal's load balancer); empty without the portal. */
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /**
   * The security group of the platform's own workloads in the VPC (Lambda functions, Glue
   * connections): no ingress at all; egress HTTPS to the AWS endpoints only. The components
   * they connect to add the rest: the
   * database its 5432, Redshift its 5439 (each as an egress rule here and an ingress rule on
   * its own group).
   */
  readonly workloadSecurityGroupId: pulumi.Output<string>;
  /** S3's prefix list (the gateway endpoint); undefined in the caller's VPC. */
  readonly s3PrefixListId: pulumi.Output<string> | undefined;
  /** The created VPC, or undefined with the caller's. */
  readonly vpc: awsx.ec2.Vpc | undefined;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.vpcId !== undefined && args.privateSubnetIds === undefined) {
      throw new Error('Network: privateSubnetIds is required with vpcId');
    }
    refuseInvalid('Network', name, validateNetworkArgs(args));
    super('quarantine:network:Network', name, {}, opts);
    if (args.vpcId !== undefined && args.privateSubnetIds !== undefined) {
      this.vpc = undefined;
      this.vpcId = pulumi.output(args.vpcId);
      this.privateSubnetIds = pulumi.output(args.privateSubnetIds);
      this.publicSubnetIds = pulumi.output(args.publicSubnetIds ?? []);
      this.s3PrefixListId = undefined;
      const workloads = workloadGroup(name, this.vpcId, this);
      // How the caller's VPC reaches AWS (NAT gateway, its own endpoints) is not known here:
      // HTTPS to any address, and nothing else.
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-workloads-https`,
        {
          securityGroupId: workloads.id,
          description: "HTTPS to AWS services (through the caller's NAT or endpoints)",
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: '0.0.0.0/0',
        },
        { parent: this },
      );
      this.workloadSecurityGroupId = workloads.id;
    } else {
      const cidrBlock = args.cidrBlock ?? DEFAULTS.vpcCidrBlock;
      this.vpc = new awsx.ec2.Vpc(
        `${name}-vpc`,
        {
          cidrBlock,
          numberOfAvailabilityZones: args.availabilityZoneCount ?? DEFAULTS.availabilityZoneCount,
          subnetStrategy: 'Auto',
          subnetSpecs: args.portal
            ? [
                { type: 'Isolated', name: 'private' },
                { type: 'Public', name: 'public' },
              ]
            : [{ type: 'Isolated', name: 'private' }],
          natGateways: { strategy: 'None' },
          enableDnsHostnames: true,
          enableDnsSupport: true,
        },
        { parent: this },
      );
      this.vpcId = this.vpc.vpcId;
      this.privateSubnetIds = this.vpc.isolatedSubnetIds;
      this.publicSubnetIds = args.portal ? this.vpc.publicSubnetIds : pulumi.output([]);

      const { region } = awsContext(this);
      const routeTables = aws.ec2.getRouteTablesOutput(
        {
          vpcId: this.vpcId,
          filters: [{ name: 'association.subnet-id', values: this.privateSubnetIds }],
        },
        { parent: this },
      );
      const s3 = new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
          vpcId: this.vpcId,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
          vpcEndpointType: 'Gateway',
          routeTableIds: routeTables.ids,
        },
        { parent: this },
      );
      const endpointGroup = new aws.ec2.SecurityGroup(
        `${name}-endpoints`,
        {
          vpcId: this.vpcId,
          description: 'HTTPS from the VPC to the interface endpoints',
          ingress: [
            {
              description: 'HTTPS from inside the VPC',
              protocol: 'tcp',
              fromPort: 443,
              toPort: 443,
              cidrBlocks: [cidrBlock],
            },
          ],
        },
        { parent: this },
      );
      const services: readonly string[] = args.portal
        ? [...INTERFACE_ENDPOINT_SERVICES, ...SESSION_MANAGER_ENDPOINT_SERVICES]
        : INTERFACE_ENDPOINT_SERVICES;
      for (const service of services) {
        new aws.ec2.VpcEndpoint(
          `${name}-${service}`,
          {
            vpcId: this.vpcId,
            serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
            vpcEndpointType: 'Interface',
            privateDnsEnabled: true,
            subnetIds: this.privateSubnetIds,
            securityGroupIds: [endpointGroup.id],
          },
          { parent: this },
        );
      }

      // The workloads reach AWS only through the endpoints: HTTPS to the interface endpoints'
      // group and to S3's prefix list (the gateway endpoint).
      const workloads = workloadGroup(name, this.vpcId, this);
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-workloads-endpoints`,
        {
          securityGroupId: workloads.id,
          description: 'HTTPS to the interface endpoints',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          referencedSecurityGroupId: endpointGroup.id,
        },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-workloads-s3`,
        {
          securityGroupId: workloads.id,
          description: 'HTTPS to S3 through the gateway endpoint',
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          prefixListId: s3.prefixListId,
        },
        { parent: this },
      );
      this.workloadSecurityGroupId = workloads.id;
      this.s3PrefixListId = s3.prefixListId;
      closeDefaultSecurityGroup(name, this.vpcId, this);
      flowLogs(name, this.vpcId, args, this);
    }
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      workloadSecurityGroupId: this.workloadSecurityGroupId,
    });
  }
}

/**
 * The workloads' group: no inline rules (AWS's default allow-all egress is removed when the group
 * is created), so its egress is exactly the separate rules added to it.
 */
function workloadGroup(
  name: string,
  vpcId: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(
    `${name}-workloads`,
    {
      vpcId,
      description: 'Lambda functions and Glue jobs of the quarantine data platform: no ingress',
    },
    { parent },
  );
}

/**
 * @internal The created VPC's default security group with no rules at all (EC2.2): nothing uses
 * it, and a resource put in it by mistake reaches nothing.
 */
function closeDefaultSecurityGroup(
  name: string,
  vpcId: pulumi.Input<string>,
  parent: pulumi.Resource,
): void {
  new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId }, { parent });
}

/**
 * @internal Flow logs of the created VPC (EC2.6): accepted and rejected traffic to a log group
 * encrypted with the platform key, kept `logRetentionDays`, written by a role limited to it.
 */
function flowLogs(
  name: string,
  vpcId: pulumi.Input<string>,
  args: NetworkArgs,
  parent: pulumi.Resource,
): void {
  const { accountId } = awsContext(parent);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-flow-logs`,
    {
      name: physicalName('logGroup', name, 'flow-logs', '/vpc/'),
      retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
      kmsKeyId: args.kmsKeyArn,
    },
    { parent },
  );
  const role = new aws.iam.Role(
    `${name}-flow-logs`,
    { assumeRolePolicy: serviceTrust('vpc-flow-logs.amazonaws.com', accountId) },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-flow-logs`,
    {
      role: role.id,
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: [
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:DescribeLogGroups',
            'logs:DescribeLogStreams',
          ],
          Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
        },
      ]),
    },
    { parent },
  );
  new aws.ec2.FlowLog(
    `${name}-flow-logs`,
    {
      vpcId,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: FLOW_LOG_AGGREGATION_SECONDS,
    },
    { parent, dependsOn: [policy] },
  );
}
