// The package entry: QuarantineDataPlatform, its sub-components and its arguments.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { validateArgs, validateName, withDefaults } from './args.ts';
import type { QuarantineDataPlatformArgs } from './args.ts';
import { Alerts } from './alerts.ts';
import { Analytics, ANALYTICS_DATABASE_NAME, REDSHIFT_PORT } from './analytics.ts';
import { Database, DATABASE_NAME } from './database.ts';
import { Etl, etlNames } from './etl.ts';
import { ImportTrigger, importTriggerNames } from './import-trigger.ts';
import { PlatformKey } from './key.ts';
import { Landing } from './landing.ts';
import { Migrations, migrateFunctionName } from './migrations.ts';
import { Network } from './network.ts';
import { Portal } from './portal.ts';

export * from './args.ts';
export * from './alerts.ts';
export * from './analytics.ts';
export * from './database.ts';
export * from './etl.ts';
export * from './import-trigger.ts';
export * from './key.ts';
export * from './lambda.ts';
export * from './landing.ts';
export * from './migrations.ts';
export * from './network.ts';
export * from './portal.ts';
export { hashDirectory } from './artifacts.ts';

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
 * and SFTP server, import trigger, ETL (Glue), database and its migrations, analytics, alerts,
 * portal.
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
  readonly etl: Etl;
  readonly trigger: ImportTrigger;
  readonly migrations: Migrations;
  /** The Glue workflow that on-upload starts for each file. */
  readonly glueWorkflowName: pulumi.Output<string>;
  /** Undefined when `enablePortal` is false. */
  readonly portal: Portal | undefined;
  /** The portal's address (`https://…`); undefined when `enablePortal` is false. */
  readonly portalUrl: pulumi.Output<string | undefined>;
  /**
   * The secret the portal reads its secret settings from (written by the migrate function on
   * deploy: the database login and the cookie secret); undefined when `enablePortal` is false.
   */
  readonly portalSettingsSecretArn: pulumi.Output<string | undefined>;

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
        ? {
            vpcId: a.vpcId,
            privateSubnetIds: a.privateSubnetIds,
            publicSubnetIds: a.publicSubnetIds,
            portal: a.enablePortal,
          }
        : {
            cidrBlock: a.vpcCidrBlock,
            availabilityZoneCount: a.availabilityZoneCount,
            portal: a.enablePortal,
          },
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
            s3PrefixListId: this.network.s3PrefixListId,
          },
          childOpts,
        )
      : undefined;
    const names = etlNames(name);
    this.etl = new Etl(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        bucketName: this.landing.bucketName,
        bucketArn: this.landing.bucket.arn,
        subnetIds: this.network.privateSubnetIds,
        securityGroupId: this.network.workloadSecurityGroupId,
        databaseEndpoint: this.database.endpoint,
        databaseName: DATABASE_NAME,
        databaseSecretArn: this.database.secretArn,
        analytics:
          this.analytics === undefined
            ? undefined
            : {
                endpoint: this.analytics.endpoint,
                port: REDSHIFT_PORT,
                databaseName: ANALYTICS_DATABASE_NAME,
                secretArn: this.analytics.adminSecretArn,
              },
        logRetentionDays: a.logRetentionDays,
      },
      childOpts,
    );
    // The portal's instances start once the migrations (declared below: they need the portal's
    // settings secret) have written their settings.
    let migrationsDeclared: (migrations: pulumi.Resource) => void = () => undefined;
    const launchAfter = new Promise<pulumi.Resource>((resolve) => {
      migrationsDeclared = resolve;
    });
    this.portal = a.enablePortal
      ? new Portal(
          name,
          {
            vpcId: this.network.vpcId,
            privateSubnetIds: this.network.privateSubnetIds,
            publicSubnetIds: this.network.publicSubnetIds,
            kmsKeyArn: this.key.keyArn,
            bucketName: this.landing.bucketName,
            bucketArn: this.landing.bucket.arn,
            databaseSecurityGroupId: this.database.securityGroupId,
            authorityName: a.authorityName,
            certificateArn: a.portalCertificateArn,
            allowPlainHttp: a.portalAllowPlainHttp,
            instanceType: a.portalInstanceType,
            minInstances: a.portalMinInstances,
            maxInstances: a.portalMaxInstances,
            allowedCidrs: a.portalAllowedCidrs,
            launchAfter,
          },
          childOpts,
        )
      : undefined;
    const trigger = importTriggerNames(name);
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
        notify: {
          databaseClusterArn: this.database.clusterArn,
          databaseSecretArn: this.database.secretArn,
          databaseName: DATABASE_NAME,
          glueWorkflowName: names.workflow,
          glueJobNames: a.enableAnalytics
            ? [names.importJob, names.analyticsJob]
            : [names.importJob],
          glueCrawlerName: names.crawler,
        },
        functionNames: [trigger.functionName, migrateFunctionName(name)],
        deadLetterQueueNames: [trigger.queueName],
        portal:
          this.portal === undefined
            ? undefined
            : {
                loadBalancerArnSuffix: this.portal.loadBalancerArnSuffix,
                targetGroupArnSuffix: this.portal.targetGroupArnSuffix,
              },
        logRetentionDays: a.logRetentionDays,
      },
      childOpts,
    );
    this.trigger = new ImportTrigger(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        bucketName: this.landing.bucketName,
        bucketArn: this.landing.bucket.arn,
        databaseClusterArn: this.database.clusterArn,
        databaseSecretArn: this.database.secretArn,
        databaseName: DATABASE_NAME,
        glueWorkflowName: this.etl.workflowName,
        glueWorkflowArn: this.etl.workflowArn,
        failureTopicArn: this.alerts.failureTopicArn,
        logRetentionDays: a.logRetentionDays,
      },
      childOpts,
    );
    this.migrations = new Migrations(
      name,
      {
        kmsKeyArn: this.key.keyArn,
        subnetIds: this.network.privateSubnetIds,
        securityGroupId: this.network.workloadSecurityGroupId,
        databaseHost: this.database.endpoint,
        databaseName: DATABASE_NAME,
        databaseSecretArn: this.database.secretArn,
        territoryProvinces: a.territoryProvinces,
        portalSettingsSecretArn: this.portal?.settingsSecretArn,
        // The cluster, its writer and its ingress rules; the endpoints the function reaches.
        databaseReady: [this.database, this.network],
        logRetentionDays: a.logRetentionDays,
      },
      childOpts,
    );
    migrationsDeclared(this.migrations);

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
    this.glueWorkflowName = this.etl.workflowName;
    this.portalUrl = this.portal?.url ?? pulumi.output<string | undefined>(undefined);
    this.portalSettingsSecretArn =
      this.portal?.settingsSecretArn ?? pulumi.output<string | undefined>(undefined);
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
      glueWorkflowName: this.glueWorkflowName,
      portalUrl: this.portalUrl,
      portalSettingsSecretArn: this.portalSettingsSecretArn,
    });
  }
}
