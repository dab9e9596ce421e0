// The package entry: QuarantineDataPlatform, its sub-components and its arguments.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { validateArgs, validateName, withDefaults } from './args.ts';
import type { QuarantineDataPlatformArgs } from './args.ts';
import { Alerts } from './alerts.ts';
import { Analytics } from './analytics.ts';
import { Database } from './database.ts';
import { PlatformKey } from './key.ts';
import { Landing } from './landing.ts';
import { Network } from './network.ts';

export * from './args.ts';
export * from './alerts.ts';
export * from './analytics.ts';
export * from './database.ts';
export * from './key.ts';
export * from './landing.ts';
export * from './network.ts';

/** Thrown before any resource is declared when the arguments are invalid; lists every problem. */
export class InvalidArgumentsError extends Error {
  constructor(
    name: string,
    readonly problems: string[],
  ) {
    super(
      `QuarantineDataPlatform "${name}": ${problems.length} invalid argument(s):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'InvalidArgumentsError';
  }
}

function hasAwsProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  if (opts?.provider !== undefined && aws.Provider.isInstance(opts.provider)) return true;
  const providers = opts?.providers;
  if (providers === undefined) return false;
  if (Array.isArray(providers)) {
    return providers.some((p: pulumi.ProviderResource) => aws.Provider.isInstance(p));
  }
  return 'aws' in providers;
}

/**
 * The quarantine data platform of one health authority in one region: network, landing bucket
 * and SFTP server, database, analytics, alerts. (Import trigger, ETL and portal: see
 * infra/README.md for what is not built yet.)
 */
export class QuarantineDataPlatform extends pulumi.ComponentResource {
  /** Host name of the SFTP server. */
  readonly sftpEndpoint: pulumi.Output<string>;
  /** The landing bucket (daily files under `inbox/<user>/`). */
  readonly landingBucketName: pulumi.Output<string>;
  readonly successTopicArn: pulumi.Output<string>;
  readonly failureTopicArn: pulumi.Output<string>;
  /** The Aurora cluster's writer endpoint. */
  readonly databaseEndpoint: pulumi.Output<string>;
  /** The Secrets Manager secret with the database master credentials. */
  readonly databaseSecretArn: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;
  /** The Redshift Serverless workgroup; undefined when `enableAnalytics` is false. */
  readonly analyticsWorkgroupName: pulumi.Output<string | undefined>;
  /** The KMS key that encrypts everything (the caller's or the created one). */
  readonly kmsKeyArn: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The security group of the platform's Lambda functions and Glue connections. */
  readonly workloadSecurityGroupId: pulumi.Output<string>;

  readonly network: Network;
  readonly key: PlatformKey;
  readonly landing: Landing;
  readonly database: Database;
  readonly alerts: Alerts;
  /** Undefined when `enableAnalytics` is false. */
  readonly analytics: Analytics | undefined;

  constructor(
    name: string,
    args: QuarantineDataPlatformArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Validate before anything is registered: one error with every problem.
    const problems = [...validateName(name), ...validateArgs(args)];
    if (args.region !== undefined && hasAwsProvider(opts)) {
      problems.push(
        'region: leave it out when opts.providers gives an AWS provider (that provider decides the region)',
      );
    }
    if (problems.length > 0) throw new InvalidArgumentsError(name, problems);

    super('quarantine:index:QuarantineDataPlatform', name, {}, opts);
    const a = withDefaults(args);

    // A region of its own: one provider, handed to every child through the parent chain.
    const childOpts: pulumi.ComponentResourceOptions = { parent: this };
    if (a.region !== undefined) {
      const provider = new aws.Provider(`${name}-aws`, { region: a.region }, { parent: this });
      childOpts.providers = { aws: provider };
    }

    this.network = new Network(
      name,
      a.vpcId !== undefined
        ? { vpcId: a.vpcId, privateSubnetIds: a.privateSubnetIds }
        : { cidrBlock: a.vpcCidrBlock, availabilityZoneCount: a.availabilityZoneCount },
      childOpts,
    );
    this.key = new PlatformKey(
      name,
      { kmsKeyArn: a.kmsKeyArn, authorityName: a.authorityName },
      childOpts,
    );
    this.landing = new Landing(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        sftpUsers: a.sftpUsers,
        rawFileRetentionDays: a.rawFileRetentionDays,
        logRetentionDays: a.logRetentionDays,
        sftpEndpointType: a.sftpEndpointType,
        sftpAllowedCidrs: a.sftpAllowedCidrs,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
      },
      childOpts,
    );
    this.database = new Database(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        vpcId: this.network.vpcId,
        subnetIds: this.network.privateSubnetIds,
        engineVersion: a.databaseEngineVersion,
        minCapacity: a.databaseMinCapacity,
        maxCapacity: a.databaseMaxCapacity,
        backupRetentionDays: a.databaseBackupRetentionDays,
        deletionProtection: a.databaseDeletionProtection,
        // The portal's group joins when the portal exists.
        clientSecurityGroups: { workloads: this.network.workloadSecurityGroupId },
      },
      childOpts,
    );
    this.analytics = a.enableAnalytics
      ? new Analytics(
          name,
          {
            kmsKeyArn: this.key.keyArn,
            vpcId: this.network.vpcId,
            subnetIds: this.network.privateSubnetIds,
            clientSecurityGroups: { workloads: this.network.workloadSecurityGroupId },
          },
          childOpts,
        )
      : undefined;
    this.alerts = new Alerts(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        authorityName: a.authorityName,
        alertEmails: a.alertEmails,
        importDeadline: a.importDeadline,
        timeZone: a.timeZone,
        databaseClusterIdentifier: this.database.clusterIdentifier,
        databaseInstanceIdentifier: this.database.writerInstanceIdentifier,
      },
      childOpts,
    );

    this.sftpEndpoint = this.landing.sftpEndpoint;
    this.landingBucketName = this.landing.bucketName;
    this.successTopicArn = this.alerts.successTopicArn;
    this.failureTopicArn = this.alerts.failureTopicArn;
    this.databaseEndpoint = this.database.endpoint;
    this.databaseSecretArn = this.database.secretArn;
    this.dashboardName = this.alerts.dashboardName;
    this.analyticsWorkgroupName =
      this.analytics?.workgroupName ?? pulumi.output<string | undefined>(undefined);
    this.kmsKeyArn = this.key.keyArn;
    this.vpcId = this.network.vpcId;
    this.privateSubnetIds = this.network.privateSubnetIds;
    this.workloadSecurityGroupId = this.network.workloadSecurityGroupId;
    this.registerOutputs({
      sftpEndpoint: this.sftpEndpoint,
      landingBucketName: this.landingBucketName,
      successTopicArn: this.successTopicArn,
      failureTopicArn: this.failureTopicArn,
      databaseEndpoint: this.databaseEndpoint,
      databaseSecretArn: this.databaseSecretArn,
      dashboardName: this.dashboardName,
      analyticsWorkgroupName: this.analyticsWorkgroupName,
      kmsKeyArn: this.kmsKeyArn,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      workloadSecurityGroupId: this.workloadSecurityGroupId,
    });
  }
}
