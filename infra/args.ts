// The arguments of QuarantineDataPlatform and their validation (DESIGN §10): flat, documented with
// their defaults, checked by a pure function before any resource is made, every problem reported
// at once with the field named and the allowed values.
import type * as pulumi from '@pulumi/pulumi';
import { validateBackupArgs } from './backup.ts';
import { validateDatabaseArgs } from './database.ts';
import { DEFAULTS } from './defaults.ts';
import { validateImportTriggerArgs } from './import-trigger.ts';
import { validatePlatformKeyArgs } from './key.ts';
import {
  isSftpEndpointType,
  validateLandingArgs,
  type SftpEndpointType,
  type SftpUser,
} from './landing.ts';
import { validateMigrationsArgs } from './migrations.ts';
import { validateNetworkArgs } from './network.ts';
import { validateNotificationsArgs } from './notifications.ts';
import { PORTAL_SIGN_IN_FIELDS, validatePortalArgs } from './portal.ts';
import { validatePortalLoginRotationArgs } from './rotation.ts';
import { validateTags } from './tags.ts';
import { fieldsOf, known, REGION } from './validation.ts';

/**
 * The arguments of `QuarantineDataPlatform`.
 *
 * Values whose number decides how many resources exist (`sftpUsers`, `alertEmails`,
 * `availabilityZoneCount`, `privateSubnetIds`, `sftpAllowedCidrs`) are plain values: Pulumi cannot
 * declare resources from values that are only known after a deployment. The other values are
 * `Input<>`s; `validateArgs` checks those that are plain values and passes Outputs through
 * unchecked (their value is not known when the program runs).
 */
export interface QuarantineDataPlatformArgs {
  /** The health authority's name, as it appears in messages and on the dashboard (1 to 100 characters). */
  authorityName: pulumi.Input<string>;
  /** The authority's territory: two-letter province codes (`VR`, `RM`…), at least one. */
  territoryProvinces: pulumi.Input<pulumi.Input<string>[]>;
  /** The SFTP accounts that upload the daily file; at least one. Each lands in `inbox/<userName>/`. */
  sftpUsers: SftpUser[];
  /**
   * Email addresses subscribed to `ETL_Success` and `ETL_Failure` (each must confirm the
   * subscription from the email AWS sends).
   * @default []
   */
  alertEmails?: string[];
  /**
   * The hour (`HH:MM`, 24-hour clock, in `timeZone`) by which an import must have been published;
   * after it the "no import published" alarm goes to `ETL_Failure`.
   * @default "10:00"
   */
  importDeadline?: pulumi.Input<string>;
  /**
   * The authority's IANA time zone, for the import deadline.
   * @default "Europe/Rome"
   */
  timeZone?: pulumi.Input<string>;
  /**
   * Days a raw daily file (and its earlier versions) is kept in the landing bucket under `inbox/`
   * before S3 deletes it (1 to 3650).
   * @default 90
   */
  rawFileRetentionDays?: pulumi.Input<number>;
  /**
   * Days CloudWatch keeps the component's logs and the landing bucket's access logs are kept; one
   * of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
   * 1827, 2192, 2557, 2922, 3288, 3653). Access logs must be kept at least 24 months.
   * @default 731
   */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Aurora PostgreSQL engine version (`MAJOR.MINOR`, major 14 to 17); the cluster parameter group
   * family follows the major version.
   * @default "16.6"
   */
  databaseEngineVersion?: pulumi.Input<string>;
  /**
   * Aurora Serverless v2 minimum capacity in ACUs (0 to 256, steps of 0.5; 0 lets the cluster pause).
   * @default 0.5
   */
  databaseMinCapacity?: pulumi.Input<number>;
  /**
   * Aurora Serverless v2 maximum capacity in ACUs (1 to 256, steps of 0.5, at least the minimum).
   * @default 4
   */
  databaseMaxCapacity?: pulumi.Input<number>;
  /**
   * Days of automated database backups (1 to 35).
   * @default 14
   */
  databaseBackupRetentionDays?: pulumi.Input<number>;
  /**
   * Whether the database cluster refuses to be deleted. Turn off only to tear down a test stack.
   * @default true
   */
  databaseDeletionProtection?: pulumi.Input<boolean>;
  /**
   * Instances of the database cluster: a writer and `databaseInstances - 1` readers, spread over
   * the private subnets' zones (1 to 16). With 1 (a development stack), a failure of the writer's
   * zone stops the platform until Aurora recreates the instance (about 10 minutes or more) and
   * RDS.15 is not met; each reader costs as much as the writer at the same capacity.
   * @default 2
   */
  databaseInstances?: number;
  /**
   * Days AWS Backup keeps each daily recovery point of the database cluster and the landing
   * bucket (and its copy in `backupCopyRegion`), 7 to 3650.
   * @default 35
   */
  backupRetentionDays?: number;
  /**
   * Lock the backup vault in compliance mode: after a 3-day grace period nobody (the account's
   * root included) can delete a recovery point before `backupRetentionDays`, shorten it, or remove
   * the lock. Protects the backups against ransomware and a compromised administrator; costs the
   * storage of every recovery point for its whole retention, and the vault can never be deleted
   * while it holds one.
   * @default false
   */
  backupVaultLock?: boolean;
  /**
   * A second AWS Region (such as `eu-central-1`) to which every recovery point is copied, for
   * disaster recovery; the component makes a key and a vault there. Health data then also rests
   * in that Region: choose one the data-sharing agreement allows. Costs the copies' storage and
   * the cross-Region transfer.
   * @default undefined (no copy)
   */
  backupCopyRegion?: string;
  /**
   * An existing VPC to deploy into (with `privateSubnetIds`). When absent the component creates a
   * VPC with private subnets and the VPC endpoints the platform needs; with an existing VPC the
   * caller provides the S3 gateway endpoint and the interface endpoints (or a NAT gateway).
   * @default undefined (a VPC is created)
   */
  vpcId?: pulumi.Input<string>;
  /**
   * Private subnets of `vpcId`, in at least two availability zones.
   * @default undefined (the created VPC's subnets)
   */
  privateSubnetIds?: pulumi.Input<string>[];
  /**
   * The CIDR block of the created VPC (`a.b.c.d/16` to `/24`); ignored with `vpcId`.
   * @default "10.40.0.0/16"
   */
  vpcCidrBlock?: string;
  /**
   * Availability zones of the created VPC (2 to 4); ignored with `vpcId`.
   * @default 2
   */
  availabilityZoneCount?: number;
  /**
   * An existing KMS key (key ARN) for every encrypted resource. Its key policy must let CloudWatch
   * Logs (`logs.<region>.amazonaws.com`) and CloudWatch alarms (`cloudwatch.amazonaws.com`) use it.
   * @default undefined (the component creates a key with rotation on)
   */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Concurrent executions reserved for the `on-upload` function (1 to 100): uploads beyond it
   * wait and are retried by S3's asynchronous invocation. Reserved concurrency is taken from the
   * account's pool (AWS keeps at least 100 unreserved), so a high value starves the account's
   * other functions; a low one delays a burst of uploads.
   * @default 5
   */
  onUploadReservedConcurrency?: number;
  /**
   * Whether this platform owns the account's Glue Data Catalog encryption settings (an
   * account-wide singleton per Region): when true the component sets them to SSE-KMS with the
   * platform key (metadata and connection passwords). Turn it on only when no other stack in the
   * account and Region declares them (two owners overwrite each other), and know that every Glue
   * or Athena user of the account then needs `kms:Decrypt` on the platform key.
   * @default false
   */
  manageDataCatalogEncryption?: boolean;
  /**
   * Whether the Redshift Serverless analytics part (namespace, workgroup, its security group) is
   * deployed.
   * @default true
   */
  enableAnalytics?: boolean;
  /**
   * Whether the web portal (EC2 instances in an Auto Scaling group behind an Application Load
   * Balancer) is deployed.
   * @default true
   */
  enablePortal?: boolean;
  /**
   * ACM certificate ARN for the portal's HTTPS listener; required when `enablePortal` is true
   * unless `portalAllowPlainHttp` is true.
   * @default undefined
   */
  portalCertificateArn?: pulumi.Input<string>;
  /**
   * Serve the portal over plain HTTP when no certificate is given (a test stack only).
   * @default false
   */
  portalAllowPlainHttp?: boolean;
  /**
   * EC2 instance type of the portal, an x86_64 type (the instances run the x86_64 Amazon Linux
   * 2023: the portal bundle carries a linux-x64 native binding).
   * @default "t3.small"
   */
  portalInstanceType?: pulumi.Input<string>;
  /**
   * Portal instances: the Auto Scaling group keeps at least this many (2 to 10; two zones).
   * @default 2
   */
  portalMinInstances?: number;
  /**
   * Portal instances at most (at least `portalMinInstances`, up to 10).
   * @default 4
   */
  portalMaxInstances?: number;
  /**
   * IPv4 CIDR blocks allowed to reach the portal's load balancer (HTTPS, and HTTP only to be
   * redirected). The portal serves GPs and municipalities across the territory: open by default.
   * @default ["0.0.0.0/0"]
   */
  portalAllowedCidrs?: string[];
  /**
   * Whether the portal's load balancer refuses to be deleted (ELB.6). Turn off only to tear down a
   * test stack: with it off, one mistaken `pulumi destroy` or replacement takes the portal offline.
   * @default true
   */
  portalDeletionProtection?: pulumi.Input<boolean>;
  /**
   * Requests one client address may make to the portal in 5 minutes before the web application
   * firewall blocks it for a while (100 to 2,000,000,000). Lower stops scraping and brute force
   * sooner but may block an office whose many users share one public address; higher lets a
   * single address load the portal harder.
   * @default 2000
   */
  portalRateLimitPerAddress?: pulumi.Input<number>;
  /**
   * Days between rotations of the portal's database password by Secrets Manager (1 to 90: the
   * baseline's SecretsManager.4 asks for 90 or less). Each rotation gives the portal's login role a
   * new password (the portal reads it again from its settings secret when the database refuses
   * the old one, so it keeps serving); shorter limits how long a leaked password is good for and
   * costs a Lambda run and a few Secrets Manager calls each time.
   * @default 30
   */
  portalDatabasePasswordRotationDays?: number;
  /**
   * Single sign-on: the issuer URL of the authority's OpenID Connect provider (`https://`), such
   * as `https://login.microsoftonline.com/<tenant id>/v2.0` (Entra ID),
   * `https://sso.example.it/realms/<realm>` (Keycloak) or a regional SPID/CIE gateway's. With it,
   * `portalOidcClientId`, `portalOidcClaim` and `portalPublicUrl` are required, and the client
   * secret the provider gave the portal must be in the portal's settings secret
   * (`portalSettingsSecretArn`) under the key `QDP_PORTAL_OIDC_CLIENT_SECRET` before the
   * instances start: it is never an argument, so it is never in the program, the launch template
   * or the state. Without it the portal signs in with passwords (and a second factor) only.
   * @default undefined (passwords only)
   */
  portalOidcIssuer?: pulumi.Input<string>;
  /**
   * The portal's client id at the identity provider (a confidential client using
   * `client_secret_basic`); required with `portalOidcIssuer`.
   * @default undefined
   */
  portalOidcClientId?: pulumi.Input<string>;
  /**
   * The ID token claim whose value identifies a person and that an administrator registers on a
   * platform user: `fiscalNumber` (SPID/CIE gateways), `email`, `preferred_username`, `oid`,
   * `sub`; required with `portalOidcIssuer`.
   * @default undefined
   */
  portalOidcClaim?: pulumi.Input<string>;
  /**
   * The scopes the portal asks for, separated by spaces; must include `openid` (for example
   * `openid email profile`, or the scope under which a gateway gives the fiscal number).
   * @default "openid"
   */
  portalOidcScopes?: pulumi.Input<string>;
  /**
   * The provider's name on the log-in button ("Accedi con …"), 1 to 80 characters.
   * @default undefined (the portal's own wording)
   */
  portalOidcLabel?: pulumi.Input<string>;
  /**
   * The portal's address as browsers reach it (`https://`, the name the certificate is for, no
   * path); required with `portalOidcIssuer`. Register `<it>/login/oidc/callback` as the redirect
   * URI at the provider and `<it>/login` as the post-logout redirect URI.
   * @default undefined
   */
  portalPublicUrl?: pulumi.Input<string>;
  /**
   * Public subnets of `vpcId` (two or more zones) for the portal's internet-facing load balancer;
   * required with `vpcId` when the portal is on. The created VPC gets public subnets of its own
   * (an internet gateway, no NAT: only the load balancer lives there).
   * @default undefined
   */
  publicSubnetIds?: pulumi.Input<string>[];
  /**
   * Where the SFTP endpoint listens: `PUBLIC` (an AWS-managed internet endpoint; access by SSH key
   * only) or `VPC` (inside the private subnets, reachable from `sftpAllowedCidrs` through the VPC,
   * a VPN or Direct Connect). A `string` checked by `validateArgs` (not a union type, which
   * Pulumi's schema for other languages cannot express).
   * @default "PUBLIC"
   */
  sftpEndpointType?: string;
  /**
   * IPv4 CIDR blocks allowed to reach a `VPC` SFTP endpoint on port 22; required (at least one,
   * never `0.0.0.0/0`) with `VPC`, not allowed with `PUBLIC` (a public endpoint has no firewall).
   * @default []
   */
  sftpAllowedCidrs?: string[];
  /**
   * The AWS region to deploy into: the component then makes its own AWS provider for every child.
   * Leave it out to use the caller's provider (`opts.providers.aws`) or the stack's `aws:region`.
   * @default undefined
   */
  region?: string;
  /**
   * Tags for every taggable resource the component declares (keys 1 to 128 characters, values up
   * to 256, not starting with `aws:`; at most 40). The component adds `quarantine:instance` (its
   * name) and `quarantine:authority` (`authorityName`), which these may not set.
   * @default {}
   */
  tags?: Record<string, string>;
}

export { DEFAULTS };
export { SFTP_ENDPOINT_TYPES, type SftpEndpointType, type SftpUser } from './landing.ts';

/** CloudWatch Logs retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The component's name: it prefixes every physical name (buckets, topics, log groups, dashboard). */
const NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;

/** Problems with the component's name (it prefixes physical names, so it must suit all of them). */
export function validateName(name: string): string[] {
  return NAME.test(name)
    ? []
    : [
        `name: "${name}" must be 2 to 24 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-"`,
      ];
}

// Which platform argument each sub-component's field comes from, once: `validateArgs` gives a
// sub-component's validator that slice of the arguments and these names for its messages, and
// the platform's constructor (index.ts) gives the sub-component the same slice, defaults filled
// in. (Network's arguments depend on whether the VPC is the caller's: the constructor writes them.)
/** @internal */
export const LANDING_FIELDS = {
  sftpUsers: 'sftpUsers',
  rawFileRetentionDays: 'rawFileRetentionDays',
  sftpEndpointType: 'sftpEndpointType',
  sftpAllowedCidrs: 'sftpAllowedCidrs',
} as const;
/** @internal */
export const NOTIFICATIONS_FIELDS = {
  alertEmails: 'alertEmails',
  importDeadline: 'importDeadline',
  timeZone: 'timeZone',
} as const;
/** @internal */
export const DATABASE_FIELDS = {
  engineVersion: 'databaseEngineVersion',
  minCapacity: 'databaseMinCapacity',
  maxCapacity: 'databaseMaxCapacity',
  backupRetentionDays: 'databaseBackupRetentionDays',
  instances: 'databaseInstances',
} as const;
/** @internal */
export const IMPORT_TRIGGER_FIELDS = {
  reservedConcurrency: 'onUploadReservedConcurrency',
} as const;
/** @internal */
export const BACKUP_FIELDS = {
  retentionDays: 'backupRetentionDays',
  copyRegion: 'backupCopyRegion',
} as const;
/** @internal */
export const NETWORK_FIELDS = {
  vpcId: 'vpcId',
  privateSubnetIds: 'privateSubnetIds',
  publicSubnetIds: 'publicSubnetIds',
  cidrBlock: 'vpcCidrBlock',
  availabilityZoneCount: 'availabilityZoneCount',
  portal: 'enablePortal',
} as const;
/** @internal */
export const PORTAL_FIELDS = {
  certificateArn: 'portalCertificateArn',
  allowPlainHttp: 'portalAllowPlainHttp',
  minInstances: 'portalMinInstances',
  maxInstances: 'portalMaxInstances',
  rateLimitPerAddress: 'portalRateLimitPerAddress',
  allowedCidrs: 'portalAllowedCidrs',
  oidcIssuer: 'portalOidcIssuer',
  oidcClientId: 'portalOidcClientId',
  oidcClaim: 'portalOidcClaim',
  oidcScopes: 'portalOidcScopes',
  oidcLabel: 'portalOidcLabel',
  publicUrl: 'portalPublicUrl',
} as const;
/** @internal */
export const ROTATION_FIELDS = { rotationDays: 'portalDatabasePasswordRotationDays' } as const;

/** The portal's arguments besides the sign-in ones, which must be left out without the portal. */
const PORTAL_ONLY_ARGUMENTS = [
  'portalInstanceType',
  'portalMinInstances',
  'portalMaxInstances',
  'portalAllowedCidrs',
  'portalDeletionProtection',
  'portalRateLimitPerAddress',
  'portalDatabasePasswordRotationDays',
  'publicSubnetIds',
] as const;

/**
 * Every problem with `args`, as messages naming the field and the allowed values; empty when the
 * arguments are valid. Pure: makes no resource and reads nothing but its argument (and the
 * reference list of provinces). Values that are Outputs are not checked. Each sub-component's
 * validator (beside its constructor) checks its part, named as the platform names it; what
 * concerns the platform as a whole (the authority, log retention, `enablePortal`, tags, region)
 * is checked here.
 */
export function validateArgs(args: QuarantineDataPlatformArgs): string[] {
  const problems: string[] = [];

  const authorityName = known(args.authorityName);
  if (
    authorityName !== undefined &&
    (authorityName.trim().length === 0 || authorityName.length > 100)
  ) {
    problems.push('authorityName: must be 1 to 100 characters, not blank');
  }
  problems.push(
    ...validateMigrationsArgs({ territoryProvinces: args.territoryProvinces }),
    ...validateLandingArgs(fieldsOf(args, LANDING_FIELDS), LANDING_FIELDS),
    ...validateNotificationsArgs(fieldsOf(args, NOTIFICATIONS_FIELDS), NOTIFICATIONS_FIELDS),
  );
  const logDays = known(args.logRetentionDays);
  if (logDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(logDays)) {
    problems.push(`logRetentionDays: ${logDays} must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  problems.push(
    ...validateDatabaseArgs(fieldsOf(args, DATABASE_FIELDS), DATABASE_FIELDS),
    ...validateImportTriggerArgs(fieldsOf(args, IMPORT_TRIGGER_FIELDS), IMPORT_TRIGGER_FIELDS),
    ...validateBackupArgs(fieldsOf(args, BACKUP_FIELDS), BACKUP_FIELDS),
  );
  if (args.backupCopyRegion !== undefined && args.backupCopyRegion === args.region) {
    problems.push('backupCopyRegion: must be another Region than region');
  }

  const portal = args.enablePortal ?? DEFAULTS.enablePortal;
  problems.push(
    ...validateNetworkArgs({ ...fieldsOf(args, NETWORK_FIELDS), portal }, NETWORK_FIELDS),
    ...validatePlatformKeyArgs({ kmsKeyArn: args.kmsKeyArn }),
  );

  const plainHttp = args.portalAllowPlainHttp ?? DEFAULTS.portalAllowPlainHttp;
  if (portal && args.portalCertificateArn === undefined && !plainHttp) {
    problems.push(
      'portalCertificateArn: required when enablePortal is true (an ACM certificate for HTTPS); set portalAllowPlainHttp: true only for a test stack, or enablePortal: false',
    );
  }
  // Without the portal its sign-in arguments are only reported as given, below.
  const portalArgs = fieldsOf(args, PORTAL_FIELDS);
  if (!portal) for (const field of PORTAL_SIGN_IN_FIELDS) portalArgs[field] = undefined;
  problems.push(
    ...validatePortalArgs(portalArgs, PORTAL_FIELDS),
    ...validatePortalLoginRotationArgs(fieldsOf(args, ROTATION_FIELDS), ROTATION_FIELDS),
  );
  if (!portal) {
    if (args.portalCertificateArn !== undefined || args.portalAllowPlainHttp !== undefined) {
      problems.push(
        'enablePortal: is false, so portalCertificateArn and portalAllowPlainHttp must be left out',
      );
    }
    if (PORTAL_ONLY_ARGUMENTS.some((field) => args[field] !== undefined)) {
      problems.push(
        `enablePortal: is false, so ${PORTAL_ONLY_ARGUMENTS.slice(0, -1).join(', ')} and ${PORTAL_ONLY_ARGUMENTS.at(-1)!} must be left out`,
      );
    }
    const signIn = PORTAL_SIGN_IN_FIELDS.map((field) => PORTAL_FIELDS[field]).filter(
      (field) => args[field] !== undefined,
    );
    if (signIn.length > 0) {
      problems.push(`enablePortal: is false, so ${signIn.join(', ')} must be left out`);
    }
  }

  problems.push(...validateTags(args.tags ?? DEFAULTS.tags));
  if (args.region !== undefined && !REGION.test(args.region)) {
    problems.push(`region: "${args.region}" must be an AWS region code such as eu-south-1`);
  }
  return problems;
}

/** The arguments with every default filled in (after validation). */
export type ResolvedArgs = Required<
  Omit<
    QuarantineDataPlatformArgs,
    | 'sftpEndpointType'
    | 'vpcId'
    | 'privateSubnetIds'
    | 'publicSubnetIds'
    | 'kmsKeyArn'
    | 'portalCertificateArn'
    | 'region'
    | 'backupCopyRegion'
    | 'portalOidcIssuer'
    | 'portalOidcClientId'
    | 'portalOidcClaim'
    | 'portalOidcLabel'
    | 'portalPublicUrl'
  >
> &
  Pick<
    QuarantineDataPlatformArgs,
    | 'vpcId'
    | 'privateSubnetIds'
    | 'publicSubnetIds'
    | 'kmsKeyArn'
    | 'portalCertificateArn'
    | 'region'
    | 'backupCopyRegion'
    | 'portalOidcIssuer'
    | 'portalOidcClientId'
    | 'portalOidcClaim'
    | 'portalOidcLabel'
    | 'portalPublicUrl'
  > & { sftpEndpointType: SftpEndpointType };

export function withDefaults(args: QuarantineDataPlatformArgs): ResolvedArgs {
  const sftpEndpointType = args.sftpEndpointType ?? DEFAULTS.sftpEndpointType;
  if (!isSftpEndpointType(sftpEndpointType)) {
    throw new Error(`sftpEndpointType: "${sftpEndpointType}" must be "PUBLIC" or "VPC"`);
  }
  return {
    ...args,
    alertEmails: args.alertEmails ?? DEFAULTS.alertEmails,
    importDeadline: args.importDeadline ?? DEFAULTS.importDeadline,
    timeZone: args.timeZone ?? DEFAULTS.timeZone,
    rawFileRetentionDays: args.rawFileRetentionDays ?? DEFAULTS.rawFileRetentionDays,
    logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
    databaseEngineVersion: args.databaseEngineVersion ?? DEFAULTS.databaseEngineVersion,
    databaseMinCapacity: args.databaseMinCapacity ?? DEFAULTS.databaseMinCapacity,
    databaseMaxCapacity: args.databaseMaxCapacity ?? DEFAULTS.databaseMaxCapacity,
    databaseBackupRetentionDays:
      args.databaseBackupRetentionDays ?? DEFAULTS.databaseBackupRetentionDays,
    databaseDeletionProtection:
      args.databaseDeletionProtection ?? DEFAULTS.databaseDeletionProtection,
    databaseInstances: args.databaseInstances ?? DEFAULTS.databaseInstances,
    backupRetentionDays: args.backupRetentionDays ?? DEFAULTS.backupRetentionDays,
    backupVaultLock: args.backupVaultLock ?? DEFAULTS.backupVaultLock,
    onUploadReservedConcurrency:
      args.onUploadReservedConcurrency ?? DEFAULTS.onUploadReservedConcurrency,
    manageDataCatalogEncryption:
      args.manageDataCatalogEncryption ?? DEFAULTS.manageDataCatalogEncryption,
    vpcCidrBlock: args.vpcCidrBlock ?? DEFAULTS.vpcCidrBlock,
    availabilityZoneCount: args.availabilityZoneCount ?? DEFAULTS.availabilityZoneCount,
    enableAnalytics: args.enableAnalytics ?? DEFAULTS.enableAnalytics,
    enablePortal: args.enablePortal ?? DEFAULTS.enablePortal,
    portalAllowPlainHttp: args.portalAllowPlainHttp ?? DEFAULTS.portalAllowPlainHttp,
    portalInstanceType: args.portalInstanceType ?? DEFAULTS.portalInstanceType,
    portalMinInstances: args.portalMinInstances ?? DEFAULTS.portalMinInstances,
    portalMaxInstances: args.portalMaxInstances ?? DEFAULTS.portalMaxInstances,
    portalAllowedCidrs: args.portalAllowedCidrs ?? DEFAULTS.portalAllowedCidrs,
    portalDeletionProtection: args.portalDeletionProtection ?? DEFAULTS.portalDeletionProtection,
    portalRateLimitPerAddress: args.portalRateLimitPerAddress ?? DEFAULTS.portalRateLimitPerAddress,
    portalOidcScopes: args.portalOidcScopes ?? DEFAULTS.portalOidcScopes,
    portalDatabasePasswordRotationDays:
      args.portalDatabasePasswordRotationDays ?? DEFAULTS.portalDatabasePasswordRotationDays,
    sftpEndpointType,
    sftpAllowedCidrs: args.sftpAllowedCidrs ?? DEFAULTS.sftpAllowedCidrs,
    tags: args.tags ?? DEFAULTS.tags,
  };
}
