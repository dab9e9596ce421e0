// Database: Aurora PostgreSQL Serverless v2 in the private subnets, encrypted with the platform
// key, its master password kept by Secrets Manager (never in the program or the state), deletion
// protection and backups on by default, TLS enforced by the cluster parameter group, the Data API
// on (the migration and notify Lambdas use it), PostgreSQL logs exported to CloudWatch.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';

export const DATABASE_NAME = 'quarantine';
export const MASTER_USERNAME = 'qdp_admin';

export interface DatabaseArgs {
  kmsKeyArn: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** `MAJOR.MINOR`. @default "16.6" */
  engineVersion?: pulumi.Input<string>;
  /** ACUs. @default 0.5 */
  minCapacity?: pulumi.Input<number>;
  /** ACUs. @default 4 */
  maxCapacity?: pulumi.Input<number>;
  /** Days. @default 14 */
  backupRetentionDays?: pulumi.Input<number>;
  /** @default true */
  deletionProtection?: pulumi.Input<boolean>;
  /**
   * The security groups that connect to the database, by a short name (it names their rules):
   * each gets an ingress rule on PostgreSQL's port in the database's group and an egress rule to
   * the database in its own. Nothing else reaches the database: no CIDR ingress.
   * @default {}
   */
  clientSecurityGroups?: Record<string, pulumi.Input<string>>;
}

export const POSTGRES_PORT = 5432;

/** The parameter group family of an Aurora PostgreSQL version: `16.6` → `aurora-postgresql16`. */
export function parameterGroupFamily(engineVersion: string): string {
  return `aurora-postgresql${engineVersion.split('.')[0]}`;
}

/**
 * A client of the database: an ingress rule on PostgreSQL's port in the database's group from the
 * client's group, and the client's egress rule to it (named `<name>-db-from-<client>`,
 * `<name>-<client>-to-db`).
 */
export function allowDatabaseClient(
  name: string,
  client: string,
  databaseGroupId: pulumi.Input<string>,
  clientGroupId: pulumi.Input<string>,
  parent: pulumi.Resource,
): void {
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-db-from-${client}`,
    {
      securityGroupId: databaseGroupId,
      description: `PostgreSQL from the ${client} security group`,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: clientGroupId,
    },
    { parent },
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-${client}-to-db`,
    {
      securityGroupId: clientGroupId,
      description: 'PostgreSQL to the quarantine database',
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: databaseGroupId,
    },
    { parent },
  );
}

export class Database extends pulumi.ComponentResource {
  readonly cluster: aws.rds.Cluster;
  /** The writer instance: the database accepts connections once it exists. */
  readonly writer: aws.rds.ClusterInstance;
  /** The cluster's security group: components that connect add their ingress rules to it. */
  readonly securityGroupId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  readonly clusterIdentifier: pulumi.Output<string>;
  readonly writerInstanceIdentifier: pulumi.Output<string>;
  /** The Secrets Manager secret holding the master credentials. */
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:database:Database', name, {}, opts);
    const engineVersion = pulumi.output(args.engineVersion ?? DEFAULTS.databaseEngineVersion);

    // Ingress only from the client security groups (below). No egress: the database starts no
    // connection.
    const group = new aws.ec2.SecurityGroup(
      `${name}-db`,
      { vpcId: args.vpcId, description: 'Aurora PostgreSQL of the quarantine data platform' },
      { parent: this },
    );
    for (const [client, clientGroupId] of Object.entries(args.clientSecurityGroups ?? {})) {
      allowDatabaseClient(name, client, group.id, clientGroupId, this);
    }
    const subnets = new aws.rds.SubnetGroup(
      `${name}-db`,
      { subnetIds: args.subnetIds, description: 'Private subnets of the quarantine database' },
      { parent: this },
    );
    const parameters = new aws.rds.ClusterParameterGroup(
      `${name}-db`,
      {
        family: engineVersion.apply(parameterGroupFamily),
        description: 'TLS required for every connection',
        parameters: [{ name: 'rds.force_ssl', value: '1' }],
      },
      { parent: this },
    );
    this.cluster = new aws.rds.Cluster(
      `${name}-db`,
      {
        engine: 'aurora-postgresql',
        engineMode: 'provisioned',
        engineVersion,
        databaseName: DATABASE_NAME,
        masterUsername: MASTER_USERNAME,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: args.kmsKeyArn,
        storageEncrypted: true,
        kmsKeyId: args.kmsKeyArn,
        serverlessv2ScalingConfiguration: {
          minCapacity: args.minCapacity ?? DEFAULTS.databaseMinCapacity,
          maxCapacity: args.maxCapacity ?? DEFAULTS.databaseMaxCapacity,
        },
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [group.id],
        dbClusterParameterGroupName: parameters.name,
        enableHttpEndpoint: true,
        enabledCloudwatchLogsExports: ['postgresql'],
        deletionProtection: args.deletionProtection ?? DEFAULTS.databaseDeletionProtection,
        backupRetentionPeriod: args.backupRetentionDays ?? DEFAULTS.databaseBackupRetentionDays,
        copyTagsToSnapshot: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: physicalName('rds', name, 'db-final'),
        iamDatabaseAuthenticationEnabled: true,
      },
      { parent: this },
    );
    const writer = (this.writer = new aws.rds.ClusterInstance(
      `${name}-db-writer`,
      {
        clusterIdentifier: this.cluster.id,
        engine: 'aurora-postgresql',
        engineVersion: this.cluster.engineVersion,
        instanceClass: 'db.serverless',
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    ));

    this.securityGroupId = group.id;
    this.endpoint = this.cluster.endpoint;
    this.clusterArn = this.cluster.arn;
    this.clusterIdentifier = this.cluster.clusterIdentifier;
    this.writerInstanceIdentifier = writer.identifier;
    this.secretArn = this.cluster.masterUserSecrets.apply((secrets) => {
      const secret = secrets[0];
      if (secret === undefined) throw new Error('the cluster reports no master user secret');
      return secret.secretArn;
    });
    this.registerOutputs({
      endpoint: this.endpoint,
      secretArn: this.secretArn,
      securityGroupId: this.securityGroupId,
    });
  }
}
