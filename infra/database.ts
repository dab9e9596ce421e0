// Database: Aurora PostgreSQL Serverless v2 in the private subnets, encrypted with the platform
// key, its master password kept by Secrets Manager (never in the program or the state), deletion
// protection and backups on by default, TLS enforced by the cluster parameter group, the Data API
// on (the migration and notify Lambdas use it), PostgreSQL logs exported to CloudWatch.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DATABASE_LOG_SETTINGS } from '../contracts/database-log.ts';
import { awsContext, serviceTrust } from './context.ts';
import { DEFAULTS, MAX_DATABASE_INSTANCES } from './defaults.ts';
import { physicalName } from './naming.ts';
import { isWholeInRange, known, ownNames, type FieldNames, refuseInvalid } from './validation.ts';

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
   * Instances of the cluster: the writer and `instances - 1` readers, spread over the subnets'
   * availability zones (RDS.15: a reader in a second zone takes over within a minute or two if the
   * writer's zone fails). @default 2
   */
  instances?: number;
  /** Days the exported PostgreSQL logs are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * The security groups that connect to the database, by a short name (it names their rules):
   * each gets an ingress rule on PostgreSQL's port in the database's group and an egress rule to
   * the database in its own. Nothing else reaches the database: no CIDR ingress.
   * @default {}
   */
  clientSecurityGroups?: Record<string, pulumi.Input<string>>;
}

const ENGINE_VERSION = /^(1[4-7])\.[0-9]+$/;

/** The fields of `DatabaseArgs` that `validateDatabaseArgs` checks. */
const DATABASE_VALIDATED = [
  'engineVersion',
  'minCapacity',
  'maxCapacity',
  'backupRetentionDays',
  'instances',
] as const;

function isHalfStep(n: number): boolean {
  return Number.isFinite(n) && Math.round(n * 2) === n * 2;
}

/**
 * @internal Every problem with a Database's arguments, each naming its field (`names`); pure,
 * Outputs unchecked (a capacity that is an Output is not compared with the other).
 */
export function validateDatabaseArgs(
  args: Pick<DatabaseArgs, (typeof DATABASE_VALIDATED)[number]>,
  names: FieldNames<(typeof DATABASE_VALIDATED)[number]> = ownNames(DATABASE_VALIDATED),
): string[] {
  const problems: string[] = [];
  const engine = known(args.engineVersion);
  if (engine !== undefined && !ENGINE_VERSION.test(engine)) {
    problems.push(
      `${names.engineVersion}: "${engine}" must be an Aurora PostgreSQL version MAJOR.MINOR with major 14 to 17, such as 16.6`,
    );
  }
  const minAcu = known(args.minCapacity);
  const maxAcu = known(args.maxCapacity);
  if (minAcu !== undefined && !(isHalfStep(minAcu) && minAcu >= 0 && minAcu <= 256)) {
    problems.push(`${names.minCapacity}: ${minAcu} must be 0 to 256 ACUs in steps of 0.5`);
  }
  if (maxAcu !== undefined && !(isHalfStep(maxAcu) && maxAcu >= 1 && maxAcu <= 256)) {
    problems.push(`${names.maxCapacity}: ${maxAcu} must be 1 to 256 ACUs in steps of 0.5`);
  }
  const effectiveMin =
    minAcu ?? (args.minCapacity === undefined ? DEFAULTS.databaseMinCapacity : undefined);
  const effectiveMax =
    maxAcu ?? (args.maxCapacity === undefined ? DEFAULTS.databaseMaxCapacity : undefined);
  if (effectiveMin !== undefined && effectiveMax !== undefined && effectiveMin > effectiveMax) {
    problems.push(
      `${names.maxCapacity}: ${effectiveMax} must be at least ${names.minCapacity} (${effectiveMin})`,
    );
  }
  const backups = known(args.backupRetentionDays);
  if (backups !== undefined && !isWholeInRange(backups, 1, 35)) {
    problems.push(
      `${names.backupRetentionDays}: ${backups} must be a whole number of days from 1 to 35`,
    );
  }
  const instances = args.instances;
  if (instances !== undefined && !isWholeInRange(instances, 1, MAX_DATABASE_INSTANCES)) {
    problems.push(
      `${names.instances}: ${instances} must be a whole number from 1 to ${MAX_DATABASE_INSTANCES} (a writer and its readers)`,
    );
  }
  return problems;
}

/**
 * The cluster's port: not PostgreSQL's default 5432 (RDS.23), so that scans for the default port
 * do not find it. Every client reads it from here (security group rules, Glue's JDBC URL, the
 * migrate function, the portal's database URL written by it).
 */
export const DATABASE_PORT = 5433;
/** Enhanced monitoring: seconds between samples of the operating system's metrics (RDS.6). */
export const ENHANCED_MONITORING_INTERVAL_SECONDS = 60;
/** Performance Insights keeps this many days (7 is the free tier). */
export const PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7;

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
      fromPort: DATABASE_PORT,
      toPort: DATABASE_PORT,
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
      fromPort: DATABASE_PORT,
      toPort: DATABASE_PORT,
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
    refuseInvalid('Database', name, validateDatabaseArgs(args));
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
        parameters: [
          { name: 'rds.force_ssl', value: '1' },
          // The log exported to CloudWatch holds no personal data (contracts/database-log.ts). The
          // description stays as it was: changing it would replace the group.
          ...Object.entries(DATABASE_LOG_SETTINGS).map(([name, value]) => ({ name, value })),
        ],
      },
      { parent: this },
    );
    // The log group RDS exports PostgreSQL's log to, made first so that it has the retention and
    // the key (RDS.37).
    const clusterIdentifier = physicalName('rds', name, 'db');
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-db-postgresql`,
      {
        name: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
        retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );
    this.cluster = new aws.rds.Cluster(
      `${name}-db`,
      {
        clusterIdentifier,
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
        port: DATABASE_PORT,
        enableHttpEndpoint: true,
        enabledCloudwatchLogsExports: ['postgresql'],
        deletionProtection: args.deletionProtection ?? DEFAULTS.databaseDeletionProtection,
        backupRetentionPeriod: args.backupRetentionDays ?? DEFAULTS.databaseBackupRetentionDays,
        copyTagsToSnapshot: true,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: physicalName('rds', name, 'db-final'),
        iamDatabaseAuthenticationEnabled: true,
      },
      { parent: this, dependsOn: [logGroup] },
    );
    const instances = databaseInstances(name, this.cluster, args, this);
    const writer = (this.writer = instances[0]!);

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

/**
 * @internal The cluster's instances: the writer (`<name>-db-writer`) and readers
 * (`<name>-db-reader-<n>`), each in the zone of the next subnet, with enhanced monitoring and
 * Performance Insights on the platform key.
 */
function databaseInstances(
  name: string,
  cluster: aws.rds.Cluster,
  args: DatabaseArgs,
  parent: pulumi.Resource,
): aws.rds.ClusterInstance[] {
  const monitoringRole = new aws.iam.Role(
    `${name}-db-monitoring`,
    { assumeRolePolicy: serviceTrust('monitoring.rds.amazonaws.com') },
    { parent },
  );
  const { partition } = awsContext(parent);
  const monitoringPolicy = new aws.iam.RolePolicyAttachment(
    `${name}-db-monitoring`,
    {
      role: monitoringRole.name,
      policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
    },
    { parent },
  );
  const count = args.instances ?? DEFAULTS.databaseInstances;
  return Array.from({ length: count }, (_, i) => {
    const zone = pulumi.output(args.subnetIds).apply((ids) => {
      const subnet = ids[i % ids.length];
      if (subnet === undefined) throw new Error('Database: subnetIds is empty');
      return aws.ec2.getSubnetOutput({ id: subnet }, { parent }).availabilityZone;
    });
    return new aws.rds.ClusterInstance(
      i === 0 ? `${name}-db-writer` : `${name}-db-reader-${i}`,
      {
        clusterIdentifier: cluster.id,
        engine: 'aurora-postgresql',
        engineVersion: cluster.engineVersion,
        instanceClass: 'db.serverless',
        availabilityZone: zone,
        // The writer's failover goes to the reader with the lowest tier.
        promotionTier: i === 0 ? 0 : 1,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        monitoringInterval: ENHANCED_MONITORING_INTERVAL_SECONDS,
        monitoringRoleArn: monitoringRole.arn,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: args.kmsKeyArn,
        performanceInsightsRetentionPeriod: PERFORMANCE_INSIGHTS_RETENTION_DAYS,
      },
      { parent, dependsOn: [monitoringPolicy] },
    );
  });
}
