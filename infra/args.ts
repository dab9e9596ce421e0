// The arguments of QuarantineDataPlatform and their validation (DESIGN §10): flat, documented with
// their defaults, checked by a pure function before any resource is made, every problem reported
// at once with the field named and the allowed values.
import type * as pulumi from '@pulumi/pulumi';
import { provinceProblems } from '../contracts/territory.ts';
import {
  OIDC_CLAIM_NAME,
  OIDC_LABEL_MAX_CHARS,
  OIDC_REQUIRED_SCOPE,
} from '../contracts/portal-deployment.ts';
import { DEFAULTS, MAX_DATABASE_INSTANCES, MAX_SECRET_ROTATION_DAYS } from './defaults.ts';
import { MAX_CALLER_TAGS, PLATFORM_TAG_KEYS } from './tags.ts';

/** One SFTP account of the Region (or whoever sends the daily file). */
export interface SftpUser {
  /**
   * The login name: 3 to 24 characters, letters, digits, `_`, `-`, `.`, `@`; not starting with
   * `-`, `.` or `@` (Transfer Family allows 100; the resource names made from it must stay under
   * IAM's 64-character limit).
   */
  userName: string;
  /**
   * The SSH public keys allowed to log in, in OpenSSH format (`ssh-ed25519 AAAA… comment`,
   * `ecdsa-sha2-nistp256|384|521 …` or `ssh-rsa …`). At least one: passwords are never accepted.
   */
  sshPublicKeys: string[];
}

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

/** The values `sftpEndpointType` accepts. */
export const SFTP_ENDPOINT_TYPES = ['PUBLIC', 'VPC'] as const;
export type SftpEndpointType = (typeof SFTP_ENDPOINT_TYPES)[number];

function isSftpEndpointType(value: string): value is SftpEndpointType {
  return (SFTP_ENDPOINT_TYPES as readonly string[]).includes(value);
}

export { DEFAULTS };

/** CloudWatch Logs retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** The component's name: it prefixes every physical name (buckets, topics, log groups, dashboard). */
const NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;
const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_@.-]{2,23}$/;
const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HH_MM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const ENGINE_VERSION = /^(1[4-7])\.[0-9]+$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/;

/** A plain value of an Input, or undefined when it is an Output or a promise (not known yet). */
function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && value !== null) {
    if ('then' in value && typeof (value as { then: unknown }).then === 'function')
      return undefined;
    if ('apply' in value && typeof (value as { apply: unknown }).apply === 'function')
      return undefined;
  }
  return value as T;
}

function isCidr(text: string, minPrefix: number, maxPrefix: number): boolean {
  const m = CIDR.exec(text);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  return octets.every((o) => o <= 255) && prefix >= minPrefix && prefix <= maxPrefix;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

function isHalfStep(n: number): boolean {
  return Number.isFinite(n) && Math.round(n * 2) === n * 2;
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Problems with the caller's tags (AWS's rules for tag keys and values). */
export function validateTags(tags: Record<string, string>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_CALLER_TAGS) {
    problems.push(`tags: ${entries.length} given, at most ${MAX_CALLER_TAGS}`);
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128 || !TAG_TEXT.test(key)) {
      problems.push(
        `tags: key "${key}" must be 1 to 128 characters: letters, digits, spaces and _ . : / = + - @`,
      );
    } else if (key.toLowerCase().startsWith('aws:')) {
      problems.push(`tags: key "${key}" must not start with "aws:" (reserved by AWS)`);
    } else if (Object.values(PLATFORM_TAG_KEYS).includes(key as never)) {
      problems.push(`tags: key "${key}" is set by the component (the instance and the authority)`);
    }
    if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
      problems.push(
        `tags: value of "${key}" must be up to 256 characters: letters, digits, spaces and _ . : / = + - @`,
      );
    }
  }
  return problems;
}

/** The single sign-on arguments, by name (the issuer decides whether the others apply). */
const SIGN_IN_ARGUMENTS = [
  'portalOidcIssuer',
  'portalOidcClientId',
  'portalOidcClaim',
  'portalOidcScopes',
  'portalOidcLabel',
  'portalPublicUrl',
] as const;

/** An `https://` URL without credentials, query or fragment. */
function isHttpsUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (
    url.protocol === 'https:' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === ''
  );
}

/** A value written into the instances' environment file: no control characters (one line). */
const ONE_LINE = /^\P{Cc}+$/u;

/** Problems with the portal's single sign-on arguments (DESIGN §14). */
export function validateSignIn(args: QuarantineDataPlatformArgs, portal: boolean): string[] {
  const problems: string[] = [];
  const given = SIGN_IN_ARGUMENTS.filter((field) => args[field] !== undefined);
  if (given.length === 0) return problems;
  if (!portal) {
    return [`enablePortal: is false, so ${given.join(', ')} must be left out`];
  }
  if (args.portalOidcIssuer === undefined) {
    return [
      `portalOidcIssuer: required with ${given.join(', ')} (the identity provider's issuer URL; leave them all out for passwords only)`,
    ];
  }
  const required = {
    portalOidcClientId: "the portal's client id at the identity provider",
    portalOidcClaim: 'the ID token claim that identifies a person, such as fiscalNumber or email',
    portalPublicUrl: "the portal's address as browsers reach it, https://…",
  } as const;
  for (const [field, what] of Object.entries(required)) {
    if (args[field as keyof typeof required] === undefined) {
      problems.push(`${field}: required with portalOidcIssuer (${what})`);
    }
  }
  const issuer = known(args.portalOidcIssuer);
  if (issuer !== undefined && !isHttpsUrl(issuer)) {
    problems.push(
      `portalOidcIssuer: "${issuer}" must be the identity provider's issuer URL, https:// without query or fragment`,
    );
  }
  const clientId = known(args.portalOidcClientId);
  if (clientId !== undefined && !/^[\x21-\x7e]{1,255}$/.test(clientId)) {
    problems.push(
      'portalOidcClientId: must be 1 to 255 printable characters without spaces (the client id the provider gave the portal)',
    );
  }
  const claim = known(args.portalOidcClaim);
  if (claim !== undefined && !OIDC_CLAIM_NAME.test(claim)) {
    problems.push(
      `portalOidcClaim: "${claim}" must be a claim name such as fiscalNumber, email or preferred_username`,
    );
  }
  const scopes = known(args.portalOidcScopes);
  if (scopes !== undefined) {
    const list = scopes.trim().split(/\s+/);
    if (!ONE_LINE.test(scopes) || !list.includes(OIDC_REQUIRED_SCOPE)) {
      problems.push(
        `portalOidcScopes: "${scopes}" must be scopes separated by spaces, including "${OIDC_REQUIRED_SCOPE}"`,
      );
    }
  }
  const label = known(args.portalOidcLabel);
  if (
    label !== undefined &&
    !(label.trim().length > 0 && label.length <= OIDC_LABEL_MAX_CHARS && ONE_LINE.test(label))
  ) {
    problems.push(
      `portalOidcLabel: must be 1 to ${OIDC_LABEL_MAX_CHARS} characters on one line (the provider's name on the log-in button)`,
    );
  }
  const publicUrl = known(args.portalPublicUrl);
  if (
    publicUrl !== undefined &&
    !(isHttpsUrl(publicUrl) && ['', '/'].includes(new URL(publicUrl).pathname))
  ) {
    problems.push(
      `portalPublicUrl: "${publicUrl}" must be the portal's address as browsers reach it: https://<host> without a path`,
    );
  }
  return problems;
}

/** Problems with the component's name (it prefixes physical names, so it must suit all of them). */
export function validateName(name: string): string[] {
  return NAME.test(name)
    ? []
    : [
        `name: "${name}" must be 2 to 24 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-"`,
      ];
}

/**
 * Every problem with `args`, as messages naming the field and the allowed values; empty when the
 * arguments are valid. Pure: makes no resource and reads nothing but its argument (and the
 * reference list of provinces). Values that are Outputs are not checked.
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

  const provinces = known(args.territoryProvinces);
  if (provinces !== undefined) {
    const codes = provinces.map((p) => known(p)).filter((p): p is string => p !== undefined);
    // Codes still unknown (Outputs) are not checked; an empty list is a problem.
    if (provinces.length === 0 || codes.length > 0) {
      problems.push(...provinceProblems(codes).map((p) => `territoryProvinces: ${p}`));
    }
  }

  if (args.sftpUsers.length === 0) {
    problems.push(
      'sftpUsers: must list at least one user (the account that uploads the daily file)',
    );
  }
  const userNames = args.sftpUsers.map((u) => u.userName);
  args.sftpUsers.forEach((user, i) => {
    if (!USER_NAME.test(user.userName)) {
      problems.push(
        `sftpUsers[${i}].userName: "${user.userName}" must be 3 to 24 characters: letters, digits, "_", "-", ".", "@", not starting with "-", "." or "@"`,
      );
    }
    if (userNames.indexOf(user.userName) !== i) {
      problems.push(`sftpUsers[${i}].userName: "${user.userName}" is listed more than once`);
    }
    if (user.sshPublicKeys.length === 0) {
      problems.push(
        `sftpUsers[${i}].sshPublicKeys: must list at least one SSH public key (passwords are not accepted)`,
      );
    }
    user.sshPublicKeys.forEach((key, k) => {
      if (!SSH_KEY.test(key.trim())) {
        problems.push(
          `sftpUsers[${i}].sshPublicKeys[${k}]: not an OpenSSH public key: expected "ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256|384|521 AAAA…" or "ssh-rsa AAAA…"`,
        );
      }
    });
  });

  const emails = args.alertEmails ?? DEFAULTS.alertEmails;
  emails.forEach((email, i) => {
    if (!EMAIL.test(email)) problems.push(`alertEmails[${i}]: "${email}" is not an email address`);
    else if (emails.indexOf(email) !== i)
      problems.push(`alertEmails[${i}]: "${email}" is listed more than once`);
  });

  const deadline = known(args.importDeadline);
  if (deadline !== undefined && !HH_MM.test(deadline)) {
    problems.push(
      `importDeadline: "${deadline}" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59`,
    );
  }
  const zone = known(args.timeZone);
  if (zone !== undefined && !isTimeZone(zone)) {
    problems.push(`timeZone: "${zone}" is not an IANA time zone such as Europe/Rome or UTC`);
  }

  const rawDays = known(args.rawFileRetentionDays);
  if (rawDays !== undefined && !(Number.isInteger(rawDays) && rawDays >= 1 && rawDays <= 3650)) {
    problems.push(`rawFileRetentionDays: ${rawDays} must be a whole number of days from 1 to 3650`);
  }
  const logDays = known(args.logRetentionDays);
  if (logDays !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(logDays)) {
    problems.push(`logRetentionDays: ${logDays} must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const engine = known(args.databaseEngineVersion);
  if (engine !== undefined && !ENGINE_VERSION.test(engine)) {
    problems.push(
      `databaseEngineVersion: "${engine}" must be an Aurora PostgreSQL version MAJOR.MINOR with major 14 to 17, such as 16.6`,
    );
  }
  const minAcu = known(args.databaseMinCapacity);
  const maxAcu = known(args.databaseMaxCapacity);
  if (minAcu !== undefined && !(isHalfStep(minAcu) && minAcu >= 0 && minAcu <= 256)) {
    problems.push(`databaseMinCapacity: ${minAcu} must be 0 to 256 ACUs in steps of 0.5`);
  }
  if (maxAcu !== undefined && !(isHalfStep(maxAcu) && maxAcu >= 1 && maxAcu <= 256)) {
    problems.push(`databaseMaxCapacity: ${maxAcu} must be 1 to 256 ACUs in steps of 0.5`);
  }
  const effectiveMin =
    minAcu ?? (args.databaseMinCapacity === undefined ? DEFAULTS.databaseMinCapacity : undefined);
  const effectiveMax =
    maxAcu ?? (args.databaseMaxCapacity === undefined ? DEFAULTS.databaseMaxCapacity : undefined);
  if (effectiveMin !== undefined && effectiveMax !== undefined && effectiveMin > effectiveMax) {
    problems.push(
      `databaseMaxCapacity: ${effectiveMax} must be at least databaseMinCapacity (${effectiveMin})`,
    );
  }
  const backups = known(args.databaseBackupRetentionDays);
  if (backups !== undefined && !(Number.isInteger(backups) && backups >= 1 && backups <= 35)) {
    problems.push(
      `databaseBackupRetentionDays: ${backups} must be a whole number of days from 1 to 35`,
    );
  }

  const instances = args.databaseInstances;
  if (
    instances !== undefined &&
    !(Number.isInteger(instances) && instances >= 1 && instances <= MAX_DATABASE_INSTANCES)
  ) {
    problems.push(
      `databaseInstances: ${instances} must be a whole number from 1 to ${MAX_DATABASE_INSTANCES} (a writer and its readers)`,
    );
  }

  const concurrency = args.onUploadReservedConcurrency;
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 100)
  ) {
    problems.push(
      `onUploadReservedConcurrency: ${concurrency} must be a whole number from 1 to 100`,
    );
  }

  const backupDays = args.backupRetentionDays;
  if (
    backupDays !== undefined &&
    !(Number.isInteger(backupDays) && backupDays >= 7 && backupDays <= 3650)
  ) {
    problems.push(
      `backupRetentionDays: ${backupDays} must be a whole number of days from 7 to 3650`,
    );
  }
  if (args.backupCopyRegion !== undefined) {
    if (!REGION.test(args.backupCopyRegion)) {
      problems.push(
        `backupCopyRegion: "${args.backupCopyRegion}" must be an AWS region code such as eu-central-1`,
      );
    } else if (args.backupCopyRegion === args.region) {
      problems.push('backupCopyRegion: must be another Region than region');
    }
  }

  const hasVpc = args.vpcId !== undefined;
  const hasSubnets = args.privateSubnetIds !== undefined;
  if (hasVpc && !hasSubnets) {
    problems.push(
      'privateSubnetIds: required with vpcId (private subnets in at least two availability zones)',
    );
  }
  if (!hasVpc && hasSubnets) {
    problems.push('vpcId: required with privateSubnetIds (the VPC the subnets belong to)');
  }
  if (hasSubnets && args.privateSubnetIds!.length < 2) {
    problems.push(
      `privateSubnetIds: ${args.privateSubnetIds!.length} given, at least 2 needed (in different availability zones)`,
    );
  }
  if (hasVpc && args.vpcCidrBlock !== undefined) {
    problems.push(
      'vpcCidrBlock: only applies when the component creates the VPC; leave it out with vpcId',
    );
  }
  if (hasVpc && args.availabilityZoneCount !== undefined) {
    problems.push(
      'availabilityZoneCount: only applies when the component creates the VPC; leave it out with vpcId',
    );
  }
  if (args.vpcCidrBlock !== undefined && !isCidr(args.vpcCidrBlock, 16, 24)) {
    problems.push(
      `vpcCidrBlock: "${args.vpcCidrBlock}" must be an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16`,
    );
  }
  const azs = args.availabilityZoneCount;
  if (azs !== undefined && !(Number.isInteger(azs) && azs >= 2 && azs <= 4)) {
    problems.push(`availabilityZoneCount: ${azs} must be 2, 3 or 4`);
  }

  const kmsKeyArn = known(args.kmsKeyArn);
  if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
    problems.push(
      `kmsKeyArn: "${kmsKeyArn}" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias or key id`,
    );
  }

  const portal = args.enablePortal ?? DEFAULTS.enablePortal;
  const certificate = known(args.portalCertificateArn);
  const plainHttp = args.portalAllowPlainHttp ?? DEFAULTS.portalAllowPlainHttp;
  if (portal && args.portalCertificateArn === undefined && !plainHttp) {
    problems.push(
      'portalCertificateArn: required when enablePortal is true (an ACM certificate for HTTPS); set portalAllowPlainHttp: true only for a test stack, or enablePortal: false',
    );
  }
  if (certificate !== undefined && !ACM_ARN.test(certificate)) {
    problems.push(
      `portalCertificateArn: "${certificate}" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
    );
  }
  if (args.portalCertificateArn !== undefined && plainHttp) {
    problems.push('portalAllowPlainHttp: must not be true when portalCertificateArn is given');
  }
  if (
    !portal &&
    (args.portalCertificateArn !== undefined || args.portalAllowPlainHttp !== undefined)
  ) {
    problems.push(
      'enablePortal: is false, so portalCertificateArn and portalAllowPlainHttp must be left out',
    );
  }

  const minPortal = args.portalMinInstances;
  const maxPortal = args.portalMaxInstances;
  if (
    minPortal !== undefined &&
    !(Number.isInteger(minPortal) && minPortal >= 2 && minPortal <= 10)
  ) {
    problems.push(`portalMinInstances: ${minPortal} must be a whole number from 2 to 10`);
  }
  if (
    maxPortal !== undefined &&
    !(Number.isInteger(maxPortal) && maxPortal >= 2 && maxPortal <= 10)
  ) {
    problems.push(`portalMaxInstances: ${maxPortal} must be a whole number from 2 to 10`);
  }
  const effectiveMinPortal = minPortal ?? DEFAULTS.portalMinInstances;
  const effectiveMaxPortal = maxPortal ?? DEFAULTS.portalMaxInstances;
  if (effectiveMinPortal > effectiveMaxPortal) {
    problems.push(
      `portalMaxInstances: ${effectiveMaxPortal} must be at least portalMinInstances (${effectiveMinPortal})`,
    );
  }
  const rateLimit = known(args.portalRateLimitPerAddress);
  if (
    rateLimit !== undefined &&
    !(Number.isInteger(rateLimit) && rateLimit >= 100 && rateLimit <= 2_000_000_000)
  ) {
    problems.push(
      `portalRateLimitPerAddress: ${rateLimit} must be a whole number of requests from 100 to 2000000000`,
    );
  }
  const rotationDays = args.portalDatabasePasswordRotationDays;
  if (
    rotationDays !== undefined &&
    !(
      Number.isInteger(rotationDays) &&
      rotationDays >= 1 &&
      rotationDays <= MAX_SECRET_ROTATION_DAYS
    )
  ) {
    problems.push(
      `portalDatabasePasswordRotationDays: ${rotationDays} must be a whole number of days from 1 to ${MAX_SECRET_ROTATION_DAYS}`,
    );
  }
  const portalCidrs = args.portalAllowedCidrs ?? DEFAULTS.portalAllowedCidrs;
  if (args.portalAllowedCidrs !== undefined && portalCidrs.length === 0) {
    problems.push(
      'portalAllowedCidrs: must list at least one IPv4 CIDR block (or use enablePortal: false)',
    );
  }
  portalCidrs.forEach((cidr, i) => {
    if (!isCidr(cidr, 0, 32)) {
      problems.push(
        `portalAllowedCidrs[${i}]: "${cidr}" must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24`,
      );
    }
  });
  if (portal && hasVpc && args.publicSubnetIds === undefined) {
    problems.push(
      'publicSubnetIds: required with vpcId when enablePortal is true (public subnets in at least two availability zones for the load balancer)',
    );
  }
  if (args.publicSubnetIds !== undefined && !hasVpc) {
    problems.push('publicSubnetIds: only applies with vpcId (the created VPC makes its own)');
  }
  if (args.publicSubnetIds !== undefined && args.publicSubnetIds.length < 2) {
    problems.push(
      `publicSubnetIds: ${args.publicSubnetIds.length} given, at least 2 needed (in different availability zones)`,
    );
  }
  if (
    !portal &&
    (args.portalInstanceType !== undefined ||
      args.portalMinInstances !== undefined ||
      args.portalMaxInstances !== undefined ||
      args.portalAllowedCidrs !== undefined ||
      args.portalDeletionProtection !== undefined ||
      args.portalRateLimitPerAddress !== undefined ||
      args.portalDatabasePasswordRotationDays !== undefined ||
      args.publicSubnetIds !== undefined)
  ) {
    problems.push(
      'enablePortal: is false, so portalInstanceType, portalMinInstances, portalMaxInstances, portalAllowedCidrs, portalDeletionProtection, portalRateLimitPerAddress, portalDatabasePasswordRotationDays and publicSubnetIds must be left out',
    );
  }

  problems.push(...validateSignIn(args, portal));

  const endpoint = args.sftpEndpointType ?? DEFAULTS.sftpEndpointType;
  if (!isSftpEndpointType(endpoint)) {
    problems.push(`sftpEndpointType: "${endpoint}" must be "PUBLIC" or "VPC"`);
  }
  const cidrs = args.sftpAllowedCidrs ?? DEFAULTS.sftpAllowedCidrs;
  if (endpoint === 'PUBLIC' && cidrs.length > 0) {
    problems.push(
      'sftpAllowedCidrs: only applies when sftpEndpointType is "VPC" (a PUBLIC endpoint cannot be restricted by address)',
    );
  }
  if (endpoint === 'VPC' && cidrs.length === 0) {
    problems.push(
      'sftpAllowedCidrs: required when sftpEndpointType is "VPC": at least one IPv4 CIDR block',
    );
  }
  cidrs.forEach((cidr, i) => {
    if (!isCidr(cidr, 8, 32)) {
      problems.push(
        `sftpAllowedCidrs[${i}]: "${cidr}" must be an IPv4 CIDR block from /8 to /32, such as 203.0.113.0/24`,
      );
    }
  });

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
