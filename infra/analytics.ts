// Analytics: Redshift Serverless (a namespace and its workgroup) in the private subnets, fed by the
// analytics Glue job. Encrypted with the platform key, its admin password kept by Secrets Manager
// (never in the program or the state), not publicly accessible, enhanced VPC routing on (its COPY
// and UNLOAD traffic stays in the VPC, through the S3 gateway endpoint), TLS required. Its own
// security group admits 5439 only from the client security groups (the platform's workloads).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ANALYTICS_BASE_CAPACITY_RPU } from './defaults.ts';
import { physicalName } from './naming.ts';

export const REDSHIFT_PORT = 5439;
export const ANALYTICS_DATABASE_NAME = 'quarantine';
export const ANALYTICS_ADMIN_USERNAME = 'qdp_admin';
/** The log types the namespace exports to CloudWatch. */
export const ANALYTICS_LOG_EXPORTS = ['userlog', 'connectionlog', 'useractivitylog'];

export interface AnalyticsArgs {
  kmsKeyArn: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The security groups that connect to the workgroup, by a short name (it names their rules):
   * each gets an ingress rule on Redshift's port in the workgroup's group and an egress rule to
   * it in its own. No CIDR ingress.
   * @default {}
   */
  clientSecurityGroups?: Record<string, pulumi.Input<string>>;
  /**
   * S3's prefix list (the VPC's gateway endpoint): with enhanced VPC routing, COPY and UNLOAD
   * reach S3 through the workgroup's network interfaces. @default undefined (HTTPS to any
   * address: how the caller's VPC reaches S3 is not known)
   */
  s3PrefixListId?: pulumi.Input<string>;
  /** Base capacity in Redshift Processing Units (8 is the smallest). @default 8 */
  baseCapacity?: pulumi.Input<number>;
}

export class Analytics extends pulumi.ComponentResource {
  readonly namespace: aws.redshiftserverless.Namespace;
  readonly workgroup: aws.redshiftserverless.Workgroup;
  readonly workgroupName: pulumi.Output<string>;
  /** The workgroup's security group. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The workgroup's endpoint host name (for the Glue connection). */
  readonly endpoint: pulumi.Output<string>;
  /** The Secrets Manager secret of the admin credentials (managed by Redshift). */
  readonly adminSecretArn: pulumi.Output<string>;

  constructor(name: string, args: AnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:analytics:Analytics', name, {}, opts);

    // No inline rules: ingress only from the clients (below); egress only HTTPS to S3 (enhanced
    // VPC routing sends the COPY and UNLOAD of the analytics job's Redshift connector through the
    // VPC; nothing else leaves the workgroup).
    const group = new aws.ec2.SecurityGroup(
      `${name}-redshift`,
      { vpcId: args.vpcId, description: 'Redshift Serverless of the quarantine data platform' },
      { parent: this },
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-redshift-s3`,
      {
        securityGroupId: group.id,
        description: 'COPY and UNLOAD: HTTPS to S3',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        ...(args.s3PrefixListId === undefined
          ? { cidrIpv4: '0.0.0.0/0' }
          : { prefixListId: args.s3PrefixListId }),
      },
      { parent: this },
    );
    for (const [client, clientGroupId] of Object.entries(args.clientSecurityGroups ?? {})) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-redshift-from-${client}`,
        {
          securityGroupId: group.id,
          description: `Redshift from the ${client} security group`,
          ipProtocol: 'tcp',
          fromPort: REDSHIFT_PORT,
          toPort: REDSHIFT_PORT,
          referencedSecurityGroupId: clientGroupId,
        },
        { parent: this },
      );
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${client}-to-redshift`,
        {
          securityGroupId: clientGroupId,
          description: 'Redshift Serverless of the quarantine data platform',
          ipProtocol: 'tcp',
          fromPort: REDSHIFT_PORT,
          toPort: REDSHIFT_PORT,
          referencedSecurityGroupId: group.id,
        },
        { parent: this },
      );
    }

    this.namespace = new aws.redshiftserverless.Namespace(
      `${name}-analytics`,
      {
        namespaceName: physicalName('redshift', name, 'analytics'),
        dbName: ANALYTICS_DATABASE_NAME,
        adminUsername: ANALYTICS_ADMIN_USERNAME,
        manageAdminPassword: true,
        adminPasswordSecretKmsKeyId: args.kmsKeyArn,
        kmsKeyId: args.kmsKeyArn,
        logExports: ANALYTICS_LOG_EXPORTS,
      },
      { parent: this },
    );
    this.workgroup = new aws.redshiftserverless.Workgroup(
      `${name}-analytics`,
      {
        workgroupName: physicalName('redshift', name, 'analytics'),
        namespaceName: this.namespace.namespaceName,
        baseCapacity: args.baseCapacity ?? ANALYTICS_BASE_CAPACITY_RPU,
        publiclyAccessible: false,
        enhancedVpcRouting: true,
        subnetIds: args.subnetIds,
        securityGroupIds: [group.id],
        port: REDSHIFT_PORT,
        configParameters: [{ parameterKey: 'require_ssl', parameterValue: 'true' }],
      },
      { parent: this },
    );

    this.workgroupName = this.workgroup.workgroupName;
    this.securityGroupId = group.id;
    this.endpoint = this.workgroup.endpoints.apply((endpoints) => {
      const address = endpoints[0]?.address;
      if (address === undefined) throw new Error('the workgroup reports no endpoint');
      return address;
    });
    this.adminSecretArn = this.namespace.adminPasswordSecretArn;
    this.registerOutputs({
      workgroupName: this.workgroupName,
      securityGroupId: this.securityGroupId,
    });
  }
}
