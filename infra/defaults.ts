// Every default of the component, in one place: the arguments' defaults (each also stated in the
// argument's TSDoc `@default`) and the fixed settings the sub-components share. Nothing else in
// infra/ writes one of these values as a literal.

import { OIDC_REQUIRED_SCOPE } from '../contracts/portal-deployment.ts';

/** The defaults of `QuarantineDataPlatformArgs`. */
export const DEFAULTS = {
  alertEmails: [] as string[],
  importDeadline: '10:00',
  timeZone: 'Europe/Rome',
  rawFileRetentionDays: 90,
  /** 24 months: access logs must be kept that long (DESIGN §6). */
  logRetentionDays: 731,
  databaseEngineVersion: '16.6',
  databaseMinCapacity: 0.5,
  databaseMaxCapacity: 4,
  databaseBackupRetentionDays: 14,
  databaseDeletionProtection: true,
  /** A writer and a reader in another availability zone (RDS.15). */
  databaseInstances: 2,
  backupRetentionDays: 35,
  backupVaultLock: false,
  vpcCidrBlock: '10.40.0.0/16',
  availabilityZoneCount: 2,
  enableAnalytics: true,
  enablePortal: true,
  portalAllowPlainHttp: false,
  portalInstanceType: 't3.small',
  portalMinInstances: 2,
  portalMaxInstances: 4,
  portalAllowedCidrs: ['0.0.0.0/0'] as string[],
  portalDeletionProtection: true,
  /** About 6.7 requests a second for 5 minutes: far above a person's use, even many behind one office address. */
  portalRateLimitPerAddress: 2000,
  /** Secrets Manager rotates the portal's database password this often (SecretsManager.4: ≤ 90). */
  portalDatabasePasswordRotationDays: 30,
  /** With `portalOidcIssuer` only. */
  portalOidcScopes: OIDC_REQUIRED_SCOPE,
  sftpEndpointType: 'PUBLIC',
  sftpAllowedCidrs: [] as string[],
  tags: {} as Record<string, string>,
  onUploadReservedConcurrency: 5,
  manageDataCatalogEncryption: false,
} as const;

/** Redshift Serverless base capacity (RPUs): 8 is the smallest. */
export const ANALYTICS_BASE_CAPACITY_RPU = 8;
/** Days S3 keeps an incomplete multipart upload before aborting it (S3.13). */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;
/** Aurora allows a writer and up to 15 readers. */
export const MAX_DATABASE_INSTANCES = 16;
/** The longest rotation period of a secret the baseline accepts (SecretsManager.4). */
export const MAX_SECRET_ROTATION_DAYS = 90;
