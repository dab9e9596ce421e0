// The package entry: QuarantineDataPlatform, its sub-components and its arguments.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  BACKUP_FIELDS,
  DATABASE_FIELDS,
  DEFAULTS,
  IMPORT_TRIGGER_FIELDS,
  LANDING_FIELDS,
  NOTIFICATIONS_FIELDS,
  PORTAL_FIELDS,
  ROTATION_FIELDS,
  validateArgs,
  validateName,
  withDefaults,
} from './args.ts';
import type { QuarantineDataPlatformArgs, ResolvedArgs } from './args.ts';
import { Analytics, ANALYTICS_DATABASE_NAME, REDSHIFT_PORT } from './analytics.ts';
import { Backup } from './backup.ts';
import { Database, DATABASE_NAME } from './database.ts';
import { Etl } from './etl.ts';
import { ImportTrigger } from './import-trigger.ts';
import { PlatformKey } from './key.ts';
import { Landing } from './landing.ts';
import { Migrations } from './migrations.ts';
import { Monitoring } from './monitoring.ts';
import { Network } from './network.ts';
import { Portal, PortalSettings } from './portal.ts';
import { FORMER_ALERTS_TYPE, Notifications } from './notifications.ts';
import { PortalLoginRotation } from './rotation.ts';
import { platformTags, tagTransformation } from './tags.ts';
import { fieldsOf, InvalidArgumentsError } from './validation.ts';

export * from './args.ts';
export * from './backup.ts';
export * from './analytics.ts';
export * from './database.ts';
export * from './etl.ts';
export * from './import-trigger.ts';
export * from './key.ts';
export * from './lambda.ts';
export * from './landing.ts';
export * from './migrations.ts';
export * from './monitoring.ts';
export * from './network.ts';
export * from './notifications.ts';
export * from './portal.ts';
export * from './rotation.ts';
export { PLATFORM_TAG_KEYS } from './tags.ts';
export { hashDirectory } from './artifacts.ts';
export { InvalidArgumentsError } from './validation.ts';

/**
 * The component's type token: the package's name, module `index`, as Pulumi's multi-language
 * plugin packages (`pulumi package add`) require.
 */
export const COMPONENT_TYPE = 'quarantine-data-platform:index:QuarantineDataPlatform';
/**
 * The token of releases up to 0.1, kept as an alias so that their stacks update the component and
 * its children in place instead of replacing them.
 */
export const PREVIOUS_COMPONENT_TYPE = 'quarantine:index:QuarantineDataPlatform';

function hasAwsProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
  if (opts?.provider !== undefined && aws.Provider.isInstance(opts.provider)) return true;
  const providers = opts?.providers;
  if (providers === undefined) return false;
  if (Array.isArray(providers)) {
    return providers.some((p: pulumi.ProviderResource) => aws.Provider.isInstance(p));
  }
  return 'aws' in providers;
}

/** The sub-components of one platform (see the getters of `QuarantineDataPlatform`). */
interface Parts {
  network: Network;
  key: PlatformKey;
  landing: Landing;
  database: Database;
  notifications: Notifications;
  monitoring: Monitoring;
  analytics: Analytics | undefined;
  etl: Etl;
  trigger: ImportTrigger;
  migrations: Migrations;
  portal: Portal | undefined;
  portalLoginRotation: PortalLoginRotation | undefined;
}
const partsOf = new WeakMap<QuarantineDataPlatform, Parts>();

/** A platform's sub-components (a function, not a method: a class member would be in the schema). */
function partsOfPlatform(platform: QuarantineDataPlatform): Parts {
  const parts = partsOf.get(platform);
  if (parts === undefined)
    throw new Error('QuarantineDataPlatform: read before it was constructed');
  return parts;
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
  /** The SNS topic `ETL_Success`: a message for each import published. */
  readonly successTopicArn: pulumi.Output<string>;
  /** The SNS topic `ETL_Failure`: failed or held imports and every alarm. */
  readonly failureTopicArn: pulumi.Output<string>;
  /** The Aurora cluster's writer endpoint. */
  readonly databaseEndpoint: pulumi.Output<string>;
  /** The Secrets Manager secret with the database master credentials. */
  readonly databaseSecretArn: pulumi.Output<string>;
  /** The CloudWatch dashboard `<name>-quarantine` (imports, alarms, functions, database). */
  readonly dashboardName: pulumi.Output<string>;
  /** The Redshift Serverless workgroup; undefined when `enableAnalytics` is false. */
  readonly analyticsWorkgroupName: pulumi.Output<string | undefined>;
  /** The KMS key that encrypts everything (the caller's or the created one). */
  readonly kmsKeyArn: pulumi.Output<string>;
  /** The VPC the platform runs in (the caller's or the created one). */
  readonly vpcId: pulumi.Output<string>;
  /** The private subnets of the platform's functions, Glue connections and database. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The security group of the platform's Lambda functions and Glue connections. */
  readonly workloadSecurityGroupId: pulumi.Output<string>;

  /** The Glue workflow that on-upload starts for each file. */
  readonly glueWorkflowName: pulumi.Output<string>;
  /** The portal's address (`https://…`); undefined when `enablePortal` is false. */
  readonly portalUrl: pulumi.Output<string | undefined>;
  /**
   * The secret the portal reads its secret settings from (written by the migrate function on
   * deploy: the database login and the cookie secret); undefined when `enablePortal` is false.
   */
  readonly portalSettingsSecretArn: pulumi.Output<string | undefined>;

  // The sub-components, for TypeScript programs. Getters, not fields: every field of the class
  // becomes an output of the schema other languages read, and that schema cannot reference this
  // package's own components.
  get network(): Network {
    return partsOfPlatform(this).network;
  }
  get key(): PlatformKey {
    return partsOfPlatform(this).key;
  }
  get landing(): Landing {
    return partsOfPlatform(this).landing;
  }
  get database(): Database {
    return partsOfPlatform(this).database;
  }
  get notifications(): Notifications {
    return partsOfPlatform(this).notifications;
  }
  get monitoring(): Monitoring {
    return partsOfPlatform(this).monitoring;
  }
  /** Undefined when `enableAnalytics` is false. */
  get analytics(): Analytics | undefined {
    return partsOfPlatform(this).analytics;
  }
  get etl(): Etl {
    return partsOfPlatform(this).etl;
  }
  get trigger(): ImportTrigger {
    return partsOfPlatform(this).trigger;
  }
  get migrations(): Migrations {
    return partsOfPlatform(this).migrations;
  }
  /** Undefined when `enablePortal` is false. */
  get portal(): Portal | undefined {
    return partsOfPlatform(this).portal;
  }
  /** The rotation of the portal's database password; undefined when `enablePortal` is false. */
  get portalLoginRotation(): PortalLoginRotation | undefined {
    return partsOfPlatform(this).portalLoginRotation;
  }

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

    // The tags reach every taggable descendant through one transformation on this component.
    const tags = tagTransformation(
      platformTags(name, args.authorityName, args.tags ?? DEFAULTS.tags),
    );
    super(
      COMPONENT_TYPE,
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: PREVIOUS_COMPONENT_TYPE }],
        transformations: [...(opts?.transformations ?? []), tags],
      },
    );
    const a = withDefaults(args);

    // A region of its own: one provider, handed to every child through the parent chain.
    const childOpts: pulumi.ComponentResourceOptions = { parent: this };
    if (a.region !== undefined) {
      const provider = new aws.Provider(`${name}-aws`, { region: a.region }, { parent: this });
      childOpts.providers = { aws: provider };
    }
    // URNs a sub-component of type `type` had under this component's current and previous type.
    const formerChildUrns = (type: string) => [
      pulumi.createUrn(name, type, this),
      pulumi.createUrn(name, type, pulumi.createUrn(name, PREVIOUS_COMPONENT_TYPE, opts?.parent)),
    ];
    const base = createBase(name, a, childOpts);
    const importPath = createImportPath(name, a, base, childOpts);
    const portalParts = createPortalParts(
      name,
      a,
      base,
      formerChildUrns('quarantine:portal:Portal'),
      childOpts,
    );
    // Last, from the real resources. The alarms and the dashboard were children of `Alerts`
    // (the notifications' former type) under this component's current and previous type.
    const monitoring = createMonitoring(
      name,
      a,
      { ...base, ...importPath, ...portalParts },
      formerChildUrns(FORMER_ALERTS_TYPE),
      childOpts,
    );
    const parts: Parts = { ...base, ...importPath, ...portalParts, monitoring };
    partsOf.set(this, parts);
    const { network, key, landing, database, analytics, etl, notifications, portal } = parts;

    this.sftpEndpoint = landing.sftpEndpoint;
    this.landingBucketName = landing.bucketName;
    this.successTopicArn = notifications.successTopicArn;
    this.failureTopicArn = notifications.failureTopicArn;
    this.databaseEndpoint = database.endpoint;
    this.databaseSecretArn = database.secretArn;
    this.dashboardName = monitoring.dashboardName;
    this.analyticsWorkgroupName =
      analytics?.workgroupName ?? pulumi.output<string | undefined>(undefined);
    this.kmsKeyArn = key.keyArn;
    this.vpcId = network.vpcId;
    this.privateSubnetIds = network.privateSubnetIds;
    this.workloadSecurityGroupId = network.workloadSecurityGroupId;
    this.glueWorkflowName = etl.workflowName;
    this.portalUrl = portal?.url ?? pulumi.output<string | undefined>(undefined);
    this.portalSettingsSecretArn =
      portal?.settingsSecretArn ?? pulumi.output<string | undefined>(undefined);
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

/** @internal The parts every other part builds on. */
export interface BaseParts {
  key: PlatformKey;
  network: Network;
  landing: Landing;
  database: Database;
}

/**
 * @internal The key, the network, the landing bucket and SFTP server, the database and its
 * backups. `childOpts` carries the parent (the platform) and its region's provider.
 */
export function createBase(
  name: string,
  a: ResolvedArgs,
  childOpts: pulumi.ComponentResourceOptions,
): BaseParts {
  const key = new PlatformKey(
    name,
    { kmsKeyArn: a.kmsKeyArn, authorityName: a.authorityName },
    childOpts,
  );
  const network = new Network(
    name,
    a.vpcId !== undefined
      ? {
          vpcId: a.vpcId,
          privateSubnetIds: a.privateSubnetIds,
          publicSubnetIds: a.publicSubnetIds,
          portal: a.enablePortal,
          kmsKeyArn: key.keyArn,
        }
      : {
          cidrBlock: a.vpcCidrBlock,
          availabilityZoneCount: a.availabilityZoneCount,
          portal: a.enablePortal,
          kmsKeyArn: key.keyArn,
          logRetentionDays: a.logRetentionDays,
        },
    childOpts,
  );
  const landing = new Landing(
    name,
    {
      ...fieldsOf(a, LANDING_FIELDS),
      kmsKeyArn: key.keyArn,
      logRetentionDays: a.logRetentionDays,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      loadBalancerLogs: a.enablePortal,
    },
    childOpts,
  );
  const database = new Database(
    name,
    {
      kmsKeyArn: key.keyArn,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      ...fieldsOf(a, DATABASE_FIELDS),
      deletionProtection: a.databaseDeletionProtection,
      logRetentionDays: a.logRetentionDays,
      // The portal's group joins when the portal exists.
      clientSecurityGroups: { workloads: network.workloadSecurityGroupId },
    },
    childOpts,
  );
  new Backup(
    name,
    {
      kmsKeyArn: key.keyArn,
      resourceArns: [database.clusterArn, landing.bucket.arn],
      ...fieldsOf(a, BACKUP_FIELDS),
      vaultLock: a.backupVaultLock,
    },
    childOpts,
  );
  return { key, network, landing, database };
}

/** @internal The import path's parts. */
export interface ImportPathParts {
  analytics: Analytics | undefined;
  etl: Etl;
  notifications: Notifications;
  trigger: ImportTrigger;
}

/**
 * @internal Analytics (when on), the Glue side, the notifications (after Etl, whose job and
 * crawler names its rules match) and the trigger (which publishes to `ETL_Failure`).
 */
export function createImportPath(
  name: string,
  a: ResolvedArgs,
  { key, network, landing, database }: BaseParts,
  childOpts: pulumi.ComponentResourceOptions,
): ImportPathParts {
  const analytics = a.enableAnalytics
    ? new Analytics(
        name,
        {
          kmsKeyArn: key.keyArn,
          vpcId: network.vpcId,
          subnetIds: network.privateSubnetIds,
          clientSecurityGroups: { workloads: network.workloadSecurityGroupId },
          s3PrefixListId: network.s3PrefixListId,
        },
        childOpts,
      )
    : undefined;
  const etl = new Etl(
    name,
    {
      kmsKeyArn: key.keyArn,
      bucketName: landing.bucketName,
      bucketArn: landing.bucket.arn,
      subnetIds: network.privateSubnetIds,
      securityGroupId: network.workloadSecurityGroupId,
      databaseEndpoint: database.endpoint,
      databaseName: DATABASE_NAME,
      databaseSecretArn: database.secretArn,
      analytics:
        analytics === undefined
          ? undefined
          : {
              endpoint: analytics.endpoint,
              port: REDSHIFT_PORT,
              databaseName: ANALYTICS_DATABASE_NAME,
              secretArn: analytics.adminSecretArn,
            },
      logRetentionDays: a.logRetentionDays,
      manageDataCatalogEncryption: a.manageDataCatalogEncryption,
    },
    childOpts,
  );
  const notifications = new Notifications(
    name,
    {
      kmsKeyArn: key.keyArn,
      ...fieldsOf(a, NOTIFICATIONS_FIELDS),
      notify: {
        databaseClusterArn: database.clusterArn,
        databaseSecretArn: database.secretArn,
        databaseName: DATABASE_NAME,
        glueWorkflowName: etl.workflowName,
        glueJobNames: a.enableAnalytics
          ? [etl.importJobName, etl.analyticsJobName as pulumi.Output<string>]
          : [etl.importJobName],
        glueCrawlerName: etl.crawlerName,
      },
      logRetentionDays: a.logRetentionDays,
    },
    childOpts,
  );
  const trigger = new ImportTrigger(
    name,
    {
      kmsKeyArn: key.keyArn,
      bucketName: landing.bucketName,
      bucketArn: landing.bucket.arn,
      databaseClusterArn: database.clusterArn,
      databaseSecretArn: database.secretArn,
      databaseName: DATABASE_NAME,
      glueWorkflowName: etl.workflowName,
      glueWorkflowArn: etl.workflowArn,
      failureTopicArn: notifications.failureTopicArn,
      logRetentionDays: a.logRetentionDays,
      ...fieldsOf(a, IMPORT_TRIGGER_FIELDS),
    },
    childOpts,
  );
  return { analytics, etl, notifications, trigger };
}

/** @internal The migrations and, with the portal, the portal and its login's rotation. */
export interface PortalParts {
  migrations: Migrations;
  portal: Portal | undefined;
  portalLoginRotation: PortalLoginRotation | undefined;
}

/**
 * @internal The portal's settings secret first (the migrations write it, the instances read it,
 * launched after the migrations; its former URNs under `Portal`, `formerPortalUrns`, are
 * aliases), the migrations, the portal and the rotation of its database login.
 */
export function createPortalParts(
  name: string,
  a: ResolvedArgs,
  { key, network, landing, database }: BaseParts,
  formerPortalUrns: pulumi.Input<string>[],
  childOpts: pulumi.ComponentResourceOptions,
): PortalParts {
  // The portal's settings secret comes first: the migrations write it, the instances read it
  // (launched after the migrations). It was the Portal's child: its former URNs are aliases.
  const portalSettings = a.enablePortal
    ? new PortalSettings(
        name,
        {
          kmsKeyArn: key.keyArn,
          formerParentUrns: formerPortalUrns,
        },
        childOpts,
      )
    : undefined;
  const migrations = new Migrations(
    name,
    {
      kmsKeyArn: key.keyArn,
      subnetIds: network.privateSubnetIds,
      securityGroupId: network.workloadSecurityGroupId,
      databaseHost: database.endpoint,
      databaseName: DATABASE_NAME,
      databaseSecretArn: database.secretArn,
      territoryProvinces: a.territoryProvinces,
      portalSettingsSecretArn: portalSettings?.secretArn,
      // The cluster, its writer and its ingress rules; the endpoints the function reaches.
      databaseReady: [database, network],
      logRetentionDays: a.logRetentionDays,
    },
    childOpts,
  );
  const portal =
    portalSettings !== undefined
      ? new Portal(
          name,
          {
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            kmsKeyArn: key.keyArn,
            bucketName: landing.bucketName,
            bucketArn: landing.bucket.arn,
            databaseSecurityGroupId: database.securityGroupId,
            authorityName: a.authorityName,
            ...fieldsOf(a, PORTAL_FIELDS),
            // The scopes apply with an issuer only.
            oidcScopes: a.portalOidcIssuer === undefined ? undefined : a.portalOidcScopes,
            instanceType: a.portalInstanceType,
            logBucketName: landing.logBucketName,
            logBucketReady: [landing],
            deletionProtection: a.portalDeletionProtection,
            logRetentionDays: a.logRetentionDays,
            settingsSecretArn: portalSettings.secretArn,
            launchAfter: migrations,
          },
          childOpts,
        )
      : undefined;
  const portalLoginRotation =
    portal === undefined
      ? undefined
      : new PortalLoginRotation(
          name,
          {
            secretArn: portal.settingsSecretArn,
            kmsKeyArn: key.keyArn,
            subnetIds: network.privateSubnetIds,
            securityGroupId: network.workloadSecurityGroupId,
            ...fieldsOf(a, ROTATION_FIELDS),
            after: [migrations],
            logRetentionDays: a.logRetentionDays,
          },
          childOpts,
        );
  return { migrations, portal, portalLoginRotation };
}

/**
 * @internal Monitoring, from the real resources' outputs; the alarms and the dashboard keep their
 * URNs under `Alerts` (`formerMonitoringUrns`) as aliases.
 */
export function createMonitoring(
  name: string,
  a: ResolvedArgs,
  parts: BaseParts & ImportPathParts & PortalParts,
  formerMonitoringUrns: pulumi.Input<string>[],
  childOpts: pulumi.ComponentResourceOptions,
): Monitoring {
  const { database, notifications, trigger, migrations, portal, portalLoginRotation } = parts;
  const notify = notifications.notify!;
  return new Monitoring(
    name,
    {
      failureTopicArn: notifications.failureTopicArn,
      importDeadline: {
        authorityName: a.authorityName,
        deadline: a.importDeadline,
        timeZone: a.timeZone,
      },
      failedGlueRules: notify.failedGlueRules.map((r) => ({ key: r.key, name: r.ruleName })),
      functions: [
        { key: 'on-upload', name: trigger.functionName },
        { key: 'migrate', name: migrations.functionName },
        ...(portalLoginRotation === undefined
          ? []
          : [{ key: 'rotate-database-secret', name: portalLoginRotation.functionName }]),
        { key: 'notify', name: notify.functionName },
      ],
      deadLetterQueues: [
        { key: 'on-upload-dlq', name: trigger.deadLetterQueueName },
        { key: 'notify-dlq', name: notify.deadLetterQueueName },
      ],
      databaseClusterIdentifier: database.clusterIdentifier,
      databaseInstanceIdentifier: database.writerInstanceIdentifier,
      portal:
        portal === undefined
          ? undefined
          : {
              loadBalancerArnSuffix: portal.loadBalancerArnSuffix,
              targetGroupArnSuffix: portal.targetGroupArnSuffix,
            },
      formerParentUrns: formerMonitoringUrns,
    },
    childOpts,
  );
}
