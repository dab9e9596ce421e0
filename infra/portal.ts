// Portal: EC2 instances (Amazon Linux 2023 x86_64, IMDSv2 only, encrypted volumes, no key pair and
// no port 22: Session Manager only) from a launch template, in an Auto Scaling group in the
// private subnets, behind an internet-facing Application Load Balancer: HTTPS with the caller's
// certificate, HTTP redirected to HTTPS (plain HTTP only when explicitly allowed). Security groups
// are chained load balancer → instances → database. Each instance fetches the portal bundle (built
// by portal/bundle.ts, uploaded here as a zip whose key carries its hash, so a new bundle rolls
// the instances) from the landing bucket's `portal/` prefix and runs it as the systemd service
// `qdp-portal`. Its secret settings (database URL of the portal's login role, cookie secret) come
// from the Secrets Manager secret `<name>-portal` (`PortalSettings`, declared before the
// migrations, or the Portal's own), which the migrate function writes on deploy
// (infra/migrations.ts); the instances are launched after it (`launchAfter`).
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { hashDirectory, portalBundle } from './artifacts.ts';
import { serviceTrust, policyDocument } from './context.ts';
import { allowDatabaseClient } from './database.ts';
import { DEFAULTS } from './defaults.ts';
import { ACCESS_LOG_PREFIXES } from './landing.ts';
import { physicalName } from './naming.ts';
import { portalFirewall } from './waf.ts';
import { BUCKET_LAYOUT } from '../contracts/bucket-layout.ts';
import {
  isCidr,
  isWholeInRange,
  known,
  ownNames,
  type FieldNames,
  refuseInvalid,
} from './validation.ts';
import {
  OIDC_CLAIM_NAME,
  OIDC_LABEL_MAX_CHARS,
  OIDC_REQUIRED_SCOPE,
  PORTAL_ENV,
  PORTAL_ENVIRONMENT_FILE,
  PORTAL_HEALTH_PATH,
  PORTAL_INSTALL_DIR,
  PORTAL_NODE,
  PORTAL_PORT,
  PORTAL_SECRET_SETTINGS,
  PORTAL_SERVICE,
  PORTAL_USER,
  PORTAL_WRITTEN_SECRET_SETTINGS,
} from '../contracts/portal-deployment.ts';

/** The portal's deployment contract (contracts/portal-deployment.ts), part of this package's API. */
export {
  PORTAL_ENVIRONMENT_FILE,
  PORTAL_HEALTH_PATH,
  PORTAL_INSTALL_DIR,
  PORTAL_NODE,
  PORTAL_PORT,
  PORTAL_SERVICE,
  PORTAL_USER,
};

/** Where the bundle objects live in the bucket. */
export const PORTAL_PREFIX = BUCKET_LAYOUT.portal;
/**
 * The latest Amazon Linux 2023 (x86_64: the bundle carries Argon2's linux-x64-gnu binding),
 * resolved by EC2 from the public SSM parameter at launch.
 */
export const PORTAL_AMI =
  'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
/** TLS 1.3 and 1.2 only. */
export const PORTAL_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** Root volume (GiB): the OS, Node.js and the bundle. */
export const PORTAL_VOLUME_GIB = 20;

export interface PortalArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Public subnets for the internet-facing load balancer. */
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  kmsKeyArn: pulumi.Input<string>;
  /** The bucket the bundle is uploaded to (under `portal/`). */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** The database's security group: the instances become its clients. */
  databaseSecurityGroupId: pulumi.Input<string>;
  authorityName: pulumi.Input<string>;
  /** ACM certificate of the HTTPS listener; without it `allowPlainHttp` must be true. */
  certificateArn?: pulumi.Input<string>;
  /** @default false */
  allowPlainHttp?: boolean;
  /** @default "t3.small" */
  instanceType?: pulumi.Input<string>;
  /** @default 2 */
  minInstances?: number;
  /** @default 4 */
  maxInstances?: number;
  /** Who may reach the load balancer. @default ["0.0.0.0/0"] */
  allowedCidrs?: string[];
  /** @default the portal bundle (portal/bundle.ts, or the package's) */
  bundleDir?: Promise<string> | string;
  /** The log bucket (SSE-S3, retention-limited) that receives the load balancer's access logs. */
  logBucketName: pulumi.Input<string>;
  /**
   * What must exist before the load balancer (which checks that it may write its logs): the log
   * bucket's policy, or the component that declares it.
   */
  logBucketReady: pulumi.Resource[];
  /** @default true */
  deletionProtection?: pulumi.Input<boolean>;
  /** Requests a client address may make in 5 minutes before WAF blocks it. @default 2000 */
  rateLimitPerAddress?: pulumi.Input<number>;
  /** Days the firewall's logs are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * The settings secret, declared before (`PortalSettings`); without it the Portal declares its
   * own. @default undefined
   */
  settingsSecretArn?: pulumi.Input<string>;
  /**
   * What writes the settings secret (the platform's migrations): the Auto Scaling group is
   * created after it, so that the first instances find their settings. @default undefined
   */
  launchAfter?: pulumi.Input<pulumi.Resource>;
  /**
   * Single sign-on: the OpenID Connect provider's issuer URL. With it `oidcClientId`,
   * `oidcClaim` and `publicUrl` are required, and the settings secret must hold the client
   * secret (`PORTAL_SECRET_SETTINGS.oidcClientSecret`). @default undefined (passwords only)
   */
  oidcIssuer?: pulumi.Input<string>;
  /** The portal's client id at the provider. @default undefined */
  oidcClientId?: pulumi.Input<string>;
  /** The ID token claim that identifies a person. @default undefined */
  oidcClaim?: pulumi.Input<string>;
  /** Scopes separated by spaces, including `openid`. @default "openid" */
  oidcScopes?: pulumi.Input<string>;
  /** The provider's name on the log-in button. @default undefined (the portal's wording) */
  oidcLabel?: pulumi.Input<string>;
  /** The portal's address as browsers reach it (`https://<host>`). @default undefined */
  publicUrl?: pulumi.Input<string>;
}

/** The single sign-on fields of `PortalArgs` (the issuer decides whether the others apply). */
export const PORTAL_SIGN_IN_FIELDS = [
  'oidcIssuer',
  'oidcClientId',
  'oidcClaim',
  'oidcScopes',
  'oidcLabel',
  'publicUrl',
] as const;

/** The fields of `PortalArgs` that `validatePortalArgs` checks. */
const PORTAL_VALIDATED = [
  'certificateArn',
  'allowPlainHttp',
  'minInstances',
  'maxInstances',
  'rateLimitPerAddress',
  'allowedCidrs',
  ...PORTAL_SIGN_IN_FIELDS,
] as const;

/** The portal's instances: at least and at most (two zones; the database's connections). */
export const PORTAL_INSTANCE_RANGE = { min: 2, max: 10 } as const;
/** Requests per address in 5 minutes that the firewall's rate-based rule accepts (AWS WAF's range). */
export const PORTAL_RATE_LIMIT_RANGE = { min: 100, max: 2_000_000_000 } as const;

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/;
/** A value written into the instances' environment file: no control characters (one line). */
const ONE_LINE = /^\P{Cc}+$/u;

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

type PortalValidated = Pick<PortalArgs, (typeof PORTAL_VALIDATED)[number]>;
type PortalFieldNames = FieldNames<(typeof PORTAL_VALIDATED)[number]>;

/**
 * @internal Every problem with a Portal's arguments, each naming its field (`names`); pure,
 * Outputs unchecked. That a certificate is required unless `allowPlainHttp` is the constructor's
 * check (the platform words it with `enablePortal`).
 */
export function validatePortalArgs(
  args: PortalValidated,
  names: PortalFieldNames = ownNames(PORTAL_VALIDATED),
): string[] {
  const problems: string[] = [];
  const certificate = known(args.certificateArn);
  if (certificate !== undefined && !ACM_ARN.test(certificate)) {
    problems.push(
      `${names.certificateArn}: "${certificate}" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`,
    );
  }
  if (args.certificateArn !== undefined && args.allowPlainHttp === true) {
    problems.push(
      `${names.allowPlainHttp}: must not be true when ${names.certificateArn} is given`,
    );
  }
  const { min, max } = PORTAL_INSTANCE_RANGE;
  for (const field of ['minInstances', 'maxInstances'] as const) {
    const count = args[field];
    if (count !== undefined && !isWholeInRange(count, min, max)) {
      problems.push(`${names[field]}: ${count} must be a whole number from ${min} to ${max}`);
    }
  }
  const effectiveMin = args.minInstances ?? DEFAULTS.portalMinInstances;
  const effectiveMax = args.maxInstances ?? DEFAULTS.portalMaxInstances;
  if (effectiveMin > effectiveMax) {
    problems.push(
      `${names.maxInstances}: ${effectiveMax} must be at least ${names.minInstances} (${effectiveMin})`,
    );
  }
  const rateLimit = known(args.rateLimitPerAddress);
  const rates = PORTAL_RATE_LIMIT_RANGE;
  if (rateLimit !== undefined && !isWholeInRange(rateLimit, rates.min, rates.max)) {
    problems.push(
      `${names.rateLimitPerAddress}: ${rateLimit} must be a whole number of requests from ${rates.min} to ${rates.max}`,
    );
  }
  const cidrs = args.allowedCidrs ?? DEFAULTS.portalAllowedCidrs;
  if (args.allowedCidrs !== undefined && cidrs.length === 0) {
    problems.push(
      `${names.allowedCidrs}: must list at least one IPv4 CIDR block (or use enablePortal: false)`,
    );
  }
  cidrs.forEach((cidr, i) => {
    if (!isCidr(cidr, 0, 32)) {
      problems.push(
        `${names.allowedCidrs}[${i}]: "${cidr}" must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24`,
      );
    }
  });
  problems.push(...signInProblems(args, names));
  return problems;
}

/** Problems with the single sign-on fields (DESIGN §14). */
function signInProblems(args: PortalValidated, names: PortalFieldNames): string[] {
  const given = PORTAL_SIGN_IN_FIELDS.filter((field) => args[field] !== undefined);
  if (given.length === 0) return [];
  if (args.oidcIssuer === undefined) {
    return [
      `${names.oidcIssuer}: required with ${given.map((f) => names[f]).join(', ')} (the identity provider's issuer URL; leave them all out for passwords only)`,
    ];
  }
  const problems: string[] = [];
  const required = {
    oidcClientId: "the portal's client id at the identity provider",
    oidcClaim: 'the ID token claim that identifies a person, such as fiscalNumber or email',
    publicUrl: "the portal's address as browsers reach it, https://…",
  } as const;
  for (const [field, what] of Object.entries(required)) {
    if (args[field as keyof typeof required] === undefined) {
      problems.push(
        `${names[field as keyof typeof required]}: required with ${names.oidcIssuer} (${what})`,
      );
    }
  }
  const issuer = known(args.oidcIssuer);
  if (issuer !== undefined && !isHttpsUrl(issuer)) {
    problems.push(
      `${names.oidcIssuer}: "${issuer}" must be the identity provider's issuer URL, https:// without query or fragment`,
    );
  }
  const clientId = known(args.oidcClientId);
  if (clientId !== undefined && !/^[\x21-\x7e]{1,255}$/.test(clientId)) {
    problems.push(
      `${names.oidcClientId}: must be 1 to 255 printable characters without spaces (the client id the provider gave the portal)`,
    );
  }
  const claim = known(args.oidcClaim);
  if (claim !== undefined && !OIDC_CLAIM_NAME.test(claim)) {
    problems.push(
      `${names.oidcClaim}: "${claim}" must be a claim name such as fiscalNumber, email or preferred_username`,
    );
  }
  const scopes = known(args.oidcScopes);
  if (scopes !== undefined) {
    const list = scopes.trim().split(/\s+/);
    if (!ONE_LINE.test(scopes) || !list.includes(OIDC_REQUIRED_SCOPE)) {
      problems.push(
        `${names.oidcScopes}: "${scopes}" must be scopes separated by spaces, including "${OIDC_REQUIRED_SCOPE}"`,
      );
    }
  }
  const label = known(args.oidcLabel);
  if (
    label !== undefined &&
    !(label.trim().length > 0 && label.length <= OIDC_LABEL_MAX_CHARS && ONE_LINE.test(label))
  ) {
    problems.push(
      `${names.oidcLabel}: must be 1 to ${OIDC_LABEL_MAX_CHARS} characters on one line (the provider's name on the log-in button)`,
    );
  }
  const publicUrl = known(args.publicUrl);
  if (
    publicUrl !== undefined &&
    !(isHttpsUrl(publicUrl) && ['', '/'].includes(new URL(publicUrl).pathname))
  ) {
    problems.push(
      `${names.publicUrl}: "${publicUrl}" must be the portal's address as browsers reach it: https://<host> without a path`,
    );
  }
  return problems;
}

/** The portal's single sign-on settings, as the boot script writes them. */
export interface PortalSignIn {
  issuer: string;
  clientId: string;
  claim: string;
  scopes: string;
  label: string | undefined;
  publicUrl: string;
}

/** The keys the boot script copies from the settings secret (each must be there). */
export function portalSecretKeys(signIn: boolean): string[] {
  return [
    ...PORTAL_WRITTEN_SECRET_SETTINGS,
    ...(signIn ? [PORTAL_SECRET_SETTINGS.oidcClientSecret] : []),
  ];
}

/** The instance's boot script: Node.js 22, the bundle, the settings, the service. */
export function portalUserData(settings: {
  bucket: string;
  bundleKey: string;
  secretArn: string;
  region: string;
  secureCookies: boolean;
  authorityName: string;
  /** Single sign-on; undefined: passwords only. */
  signIn?: PortalSignIn;
}): string {
  const signIn = settings.signIn;
  const env = [
    `${PORTAL_ENV.host}=0.0.0.0`,
    `${PORTAL_ENV.port}=${PORTAL_PORT}`,
    `${PORTAL_ENV.trustProxy}=true`,
    `${PORTAL_ENV.secureCookies}=${settings.secureCookies}`,
    `${PORTAL_ENV.authorityName}=${JSON.stringify(settings.authorityName)}`,
    // Where the portal reads its database password again after a rotation (infra/rotation.ts);
    // the AWS SDK for JavaScript takes its Region from the environment, not from the instance.
    `${PORTAL_ENV.settingsSecretArn}=${settings.secretArn}`,
    `AWS_REGION=${settings.region}`,
    ...(signIn === undefined
      ? []
      : [
          `${PORTAL_ENV.oidcIssuer}=${JSON.stringify(signIn.issuer)}`,
          `${PORTAL_ENV.oidcClientId}=${JSON.stringify(signIn.clientId)}`,
          `${PORTAL_ENV.oidcScopes}=${JSON.stringify(signIn.scopes)}`,
          `${PORTAL_ENV.oidcClaim}=${JSON.stringify(signIn.claim)}`,
          ...(signIn.label === undefined
            ? []
            : [`${PORTAL_ENV.oidcLabel}=${JSON.stringify(signIn.label)}`]),
          `${PORTAL_ENV.publicUrl}=${JSON.stringify(signIn.publicUrl)}`,
        ]),
  ];
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'dnf install -y nodejs22 unzip',
    // The unit runs /usr/bin/node; Amazon Linux names the Node.js 22 binary node-22.
    `[ -e ${PORTAL_NODE} ] || ln -s "$(command -v node-22)" ${PORTAL_NODE}`,
    `id ${PORTAL_USER} >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin ${PORTAL_USER}`,
    `install -d -m 0755 ${PORTAL_INSTALL_DIR}`,
    `aws s3 cp --region ${settings.region} s3://${settings.bucket}/${settings.bundleKey} /tmp/qdp-portal.zip`,
    `unzip -o -q /tmp/qdp-portal.zip -d ${PORTAL_INSTALL_DIR}`,
    'rm /tmp/qdp-portal.zip',
    'umask 077',
    `install -d -m 0700 ${path.posix.dirname(PORTAL_ENVIRONMENT_FILE)}`,
    `cat > ${PORTAL_ENVIRONMENT_FILE} <<'SETTINGS'`,
    ...env,
    'SETTINGS',
    // The secret settings (JSON: the migrate function's, and the client secret the authority put
    // there for single sign-on): read at boot, never in the launch template or the state.
    `aws secretsmanager get-secret-value --region ${settings.region} --secret-id ${settings.secretArn} --query SecretString --output text \\`,
    `  | ${PORTAL_NODE} -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const k of ${JSON.stringify(portalSecretKeys(signIn !== undefined))}) { if (!s[k]) throw new Error(k + " missing from the portal secret"); console.log(k + "=" + JSON.stringify(s[k])); }' >> ${PORTAL_ENVIRONMENT_FILE}`,
    `install -m 0644 ${PORTAL_INSTALL_DIR}/${PORTAL_SERVICE} /etc/systemd/system/${PORTAL_SERVICE}`,
    'systemctl daemon-reload',
    `systemctl enable --now ${PORTAL_SERVICE}`,
    '',
  ].join('\n');
}

/** The portal's settings secret (`<name>-portal`, on the platform key). */
function portalSettingsSecret(
  name: string,
  kmsKeyArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): aws.secretsmanager.Secret {
  return new aws.secretsmanager.Secret(
    `${name}-portal`,
    {
      name: physicalName('secret', name, 'portal'),
      description: `Portal secret settings (JSON): ${PORTAL_WRITTEN_SECRET_SETTINGS.join(', ')} written by the migrate function; ${PORTAL_SECRET_SETTINGS.oidcClientSecret} put by the authority for single sign-on`,
      kmsKeyId: kmsKeyArn,
    },
    opts,
  );
}

export interface PortalSettingsArgs {
  kmsKeyArn: pulumi.Input<string>;
  /**
   * URNs of the component the secret was a child of before (the platform passes its `Portal`'s):
   * each becomes an alias, so existing stacks keep the secret and what it holds. @default []
   */
  formerParentUrns?: pulumi.Input<string>[];
}

/**
 * The portal's settings secret on its own, declared before the migrations that write it and the
 * Portal that reads it (so the instances wait for the migrations without a deferred Promise).
 */
export class PortalSettings extends pulumi.ComponentResource {
  readonly secretArn: pulumi.Output<string>;

  constructor(name: string, args: PortalSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:portal:PortalSettings', name, {}, opts);
    const secret = portalSettingsSecret(name, args.kmsKeyArn, {
      parent: this,
      aliases: (args.formerParentUrns ?? []).map((parent) =>
        pulumi.createUrn(`${name}-portal`, 'aws:secretsmanager/secret:Secret', parent),
      ),
    });
    this.secretArn = secret.arn;
    this.registerOutputs({ secretArn: this.secretArn });
  }
}

/** A bundle does not change while the program runs: hash each directory once. */
const bundleHashes = new Map<string, string>();
function bundleHash(dir: string): string {
  let hash = bundleHashes.get(dir);
  if (hash === undefined) {
    hash = hashDirectory(dir);
    bundleHashes.set(dir, hash);
  }
  return hash;
}

export class Portal extends pulumi.ComponentResource {
  /** `https://<load balancer>` (or `http://` with plain HTTP). */
  readonly url: pulumi.Output<string>;
  readonly loadBalancerArnSuffix: pulumi.Output<string>;
  readonly targetGroupArnSuffix: pulumi.Output<string>;
  /** The instances' security group (a client of the database). */
  readonly instanceSecurityGroupId: pulumi.Output<string>;
  /** The secret holding the portal's secret settings (the migrate function writes it). */
  readonly settingsSecretArn: pulumi.Output<string>;

  constructor(name: string, args: PortalArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.certificateArn === undefined && args.allowPlainHttp !== true) {
      throw new Error('Portal: certificateArn is required unless allowPlainHttp is true');
    }
    if (
      args.oidcIssuer !== undefined &&
      (args.oidcClientId === undefined ||
        args.oidcClaim === undefined ||
        args.publicUrl === undefined)
    ) {
      throw new Error('Portal: oidcClientId, oidcClaim and publicUrl are required with oidcIssuer');
    }
    refuseInvalid('Portal', name, validatePortalArgs(args));
    super('quarantine:portal:Portal', name, {}, opts);
    const https = args.certificateArn !== undefined;
    const groups = createPortalSecurityGroups(name, args, https, this);
    const bundle = uploadPortalBundle(name, args, this);
    const settingsSecretArn =
      args.settingsSecretArn ?? portalSettingsSecret(name, args.kmsKeyArn, { parent: this }).arn;
    const role = createInstanceRole(name, args, settingsSecretArn, this);
    const template = createLaunchTemplate(
      name,
      args,
      { https, instanceGroup: groups.instances, bundle, settingsSecretArn, role },
      this,
    );
    const { loadBalancer, targetGroup } = createLoadBalancer(name, args, groups, https, this);
    createInstances(name, args, template, targetGroup, this);

    this.url = pulumi.interpolate`${https ? 'https' : 'http'}://${loadBalancer.dnsName}`;
    this.loadBalancerArnSuffix = loadBalancer.arnSuffix;
    this.targetGroupArnSuffix = targetGroup.arnSuffix;
    this.instanceSecurityGroupId = groups.instances.id;
    this.settingsSecretArn = pulumi.output(settingsSecretArn);
    this.registerOutputs({
      url: this.url,
      settingsSecretArn: this.settingsSecretArn,
      instanceSecurityGroupId: this.instanceSecurityGroupId,
    });
  }
}

/** @internal The security groups of the chain load balancer → instances (→ database). */
export interface PortalSecurityGroups {
  loadBalancer: aws.ec2.SecurityGroup;
  instances: aws.ec2.SecurityGroup;
}

/**
 * @internal The groups chained load balancer (443 and 80, or 80 alone with plain HTTP, from
 * `allowedCidrs`) → instances (the portal's port from the load balancer only, no SSH; HTTPS out to
 * the endpoints) → database (the instances become its clients).
 */
export function createPortalSecurityGroups(
  name: string,
  args: PortalArgs,
  https: boolean,
  parent: pulumi.Resource,
): PortalSecurityGroups {
  const albGroup = new aws.ec2.SecurityGroup(
    `${name}-alb`,
    { vpcId: args.vpcId, description: 'Portal load balancer: HTTPS (and HTTP to redirect)' },
    { parent },
  );
  const instanceGroup = new aws.ec2.SecurityGroup(
    `${name}-portal`,
    { vpcId: args.vpcId, description: 'Portal instances: from the load balancer only; no SSH' },
    { parent },
  );
  const listenerPorts = https ? [443, 80] : [80];
  for (const cidr of args.allowedCidrs ?? DEFAULTS.portalAllowedCidrs) {
    for (const port of listenerPorts) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-alb-${port}-${cidr.replace(/[./]/g, '-')}`,
        {
          securityGroupId: albGroup.id,
          description: port === 443 ? 'HTTPS to the portal' : 'HTTP (redirected to HTTPS)',
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
        },
        { parent },
      );
    }
  }
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-alb-to-portal`,
    {
      securityGroupId: albGroup.id,
      description: 'To the portal instances',
      ipProtocol: 'tcp',
      fromPort: PORTAL_PORT,
      toPort: PORTAL_PORT,
      referencedSecurityGroupId: instanceGroup.id,
    },
    { parent },
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-portal-from-alb`,
    {
      securityGroupId: instanceGroup.id,
      description: 'From the portal load balancer',
      ipProtocol: 'tcp',
      fromPort: PORTAL_PORT,
      toPort: PORTAL_PORT,
      referencedSecurityGroupId: albGroup.id,
    },
    { parent },
  );
  // HTTPS to AWS (S3, Secrets Manager, KMS, Session Manager, the package repository on S3):
  // the private subnets have no route to the internet, only the VPC endpoints.
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-portal-https`,
    {
      securityGroupId: instanceGroup.id,
      description: 'HTTPS to AWS services through the VPC endpoints',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    },
    { parent },
  );
  allowDatabaseClient(name, 'portal', args.databaseSecurityGroupId, instanceGroup.id, parent);

  return { loadBalancer: albGroup, instances: instanceGroup };
}

/** @internal The bundle, uploaded under a key that changes with its content (`portal/bundle-<hash>.zip`). */
export function uploadPortalBundle(
  name: string,
  args: PortalArgs,
  parent: pulumi.Resource,
): aws.s3.BucketObjectv2 {
  const bundleDir = pulumi.output(args.bundleDir ?? portalBundle());
  const bundleKey = bundleDir.apply(
    (dir) => `${PORTAL_PREFIX}bundle-${bundleHash(dir).slice(0, 16)}.zip`,
  );
  return new aws.s3.BucketObjectv2(
    `${name}-portal-bundle`,
    {
      bucket: args.bucketName,
      key: bundleKey,
      source: bundleDir.apply((dir) => new pulumi.asset.FileArchive(dir)),
      serverSideEncryption: 'aws:kms',
      kmsKeyId: args.kmsKeyArn,
    },
    { parent },
  );
}

/**
 * @internal The instances' role and profile: Session Manager, read `portal/*` and the settings
 * secret, decrypt with the key. The launch template waits for the policy.
 */
export interface PortalInstanceRole {
  profile: aws.iam.InstanceProfile;
  policy: aws.iam.RolePolicy;
}

/** @internal The instances' role, its policies and its instance profile. */
export function createInstanceRole(
  name: string,
  args: PortalArgs,
  settingsSecretArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): PortalInstanceRole {
  const role = new aws.iam.Role(
    `${name}-portal`,
    { assumeRolePolicy: serviceTrust('ec2.amazonaws.com') },
    { parent },
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-portal-ssm`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${aws.getPartitionOutput({}, { parent }).partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-portal`,
    {
      role: role.id,
      policy: policyDocument([
        {
          Sid: 'ReadBundle',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: pulumi.interpolate`${args.bucketArn}/${PORTAL_PREFIX}*`,
        },
        {
          Sid: 'ReadSettings',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: settingsSecretArn,
        },
        {
          Sid: 'PlatformKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: args.kmsKeyArn,
        },
      ]),
    },
    { parent },
  );
  const profile = new aws.iam.InstanceProfile(`${name}-portal`, { role: role.name }, { parent });

  return { profile, policy };
}

/** @internal The portal's single sign-on settings as the boot script writes them (none without an issuer). */
export function portalSignIn(args: PortalArgs): pulumi.Output<PortalSignIn | undefined> {
  return args.oidcIssuer === undefined
    ? pulumi.output(undefined)
    : pulumi
        .all([
          args.oidcIssuer,
          args.oidcClientId!,
          args.oidcClaim!,
          args.oidcScopes ?? DEFAULTS.portalOidcScopes,
          args.oidcLabel,
          args.publicUrl!,
        ])
        .apply(([issuer, clientId, claim, scopes, label, publicUrl]): PortalSignIn => ({
          issuer,
          clientId,
          claim,
          scopes: scopes.trim().split(/\s+/).join(' '),
          label,
          publicUrl,
        }));
}

/** @internal What the launch template is made from. */
export interface PortalLaunchParts {
  https: boolean;
  instanceGroup: aws.ec2.SecurityGroup;
  bundle: aws.s3.BucketObjectv2;
  settingsSecretArn: pulumi.Input<string>;
  role: PortalInstanceRole;
}

/**
 * @internal The launch template: Amazon Linux 2023, IMDSv2 only (hop limit 1), an encrypted gp3
 * root volume, no key pair, the instance profile, the boot script (`portalUserData`).
 */
export function createLaunchTemplate(
  name: string,
  args: PortalArgs,
  parts: PortalLaunchParts,
  parent: pulumi.Resource,
): aws.ec2.LaunchTemplate {
  const region = aws.getRegionOutput({}, { parent }).region;
  const userData = pulumi
    .all([
      args.bucketName,
      parts.bundle.key,
      parts.settingsSecretArn,
      region,
      args.authorityName,
      portalSignIn(args),
    ])
    .apply(([bucket, key, secretArn, r, authorityName, oidc]) =>
      Buffer.from(
        portalUserData({
          bucket,
          bundleKey: key,
          secretArn,
          region: r,
          secureCookies: parts.https,
          authorityName,
          ...(oidc === undefined ? {} : { signIn: oidc }),
        }),
      ).toString('base64'),
    );
  return new aws.ec2.LaunchTemplate(
    `${name}-portal`,
    {
      description: 'Quarantine data platform portal',
      imageId: PORTAL_AMI,
      instanceType: args.instanceType ?? DEFAULTS.portalInstanceType,
      iamInstanceProfile: { arn: parts.role.profile.arn },
      vpcSecurityGroupIds: [parts.instanceGroup.id],
      // IMDSv2 only, not reachable from containers or forwarded hops.
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'disabled',
      },
      // Encrypted with the account's EBS key: a customer key would need a grant for the Auto
      // Scaling service-linked role, which may not exist when the key policy is written.
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            encrypted: 'true',
            volumeSize: PORTAL_VOLUME_GIB,
            volumeType: 'gp3',
            deleteOnTermination: 'true',
          },
        },
      ],
      monitoring: { enabled: true },
      userData,
      updateDefaultVersion: true,
    },
    { parent, dependsOn: [parts.role.policy] },
  );
}

/** @internal The load balancer and the target group of the instances. */
export interface PortalLoadBalancer {
  loadBalancer: aws.lb.LoadBalancer;
  targetGroup: aws.lb.TargetGroup;
}

/**
 * @internal The internet-facing load balancer in the public subnets (invalid headers dropped,
 * access logs, deletion protection), its firewall, the target group on the portal's port and the
 * listeners: HTTPS with the certificate and HTTP redirected, or plain HTTP forwarding.
 */
export function createLoadBalancer(
  name: string,
  args: PortalArgs,
  groups: PortalSecurityGroups,
  https: boolean,
  parent: pulumi.Resource,
): PortalLoadBalancer {
  const loadBalancer = new aws.lb.LoadBalancer(
    `${name}-portal`,
    {
      loadBalancerType: 'application',
      internal: false,
      subnets: args.publicSubnetIds,
      securityGroups: [groups.loadBalancer.id],
      dropInvalidHeaderFields: true,
      enableHttp2: true,
      enableDeletionProtection: args.deletionProtection ?? DEFAULTS.portalDeletionProtection,
      accessLogs: {
        enabled: true,
        bucket: args.logBucketName,
        prefix: ACCESS_LOG_PREFIXES.loadBalancer.replace(/\/$/, ''),
      },
    },
    { parent, dependsOn: args.logBucketReady },
  );
  portalFirewall(
    name,
    {
      loadBalancerArn: loadBalancer.arn,
      kmsKeyArn: args.kmsKeyArn,
      logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
      rateLimitPerAddress: args.rateLimitPerAddress ?? DEFAULTS.portalRateLimitPerAddress,
    },
    parent,
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-portal`,
    {
      vpcId: args.vpcId,
      port: PORTAL_PORT,
      protocol: 'HTTP',
      targetType: 'instance',
      deregistrationDelay: 30,
      healthCheck: {
        path: PORTAL_HEALTH_PATH,
        matcher: '200',
        interval: 15,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    },
    { parent },
  );
  if (https) {
    new aws.lb.Listener(
      `${name}-portal-https`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: PORTAL_TLS_POLICY,
        certificateArn: args.certificateArn,
        defaultActions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
      },
      { parent },
    );
    new aws.lb.Listener(
      `${name}-portal-http`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [
          {
            type: 'redirect',
            redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
          },
        ],
      },
      { parent },
    );
  } else {
    new aws.lb.Listener(
      `${name}-portal-http`,
      {
        loadBalancerArn: loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
      },
      { parent },
    );
  }
  return { loadBalancer, targetGroup };
}

/**
 * @internal The Auto Scaling group in the private subnets (ELB health checks, a rolling refresh
 * when the template changes), created after `launchAfter`.
 */
export function createInstances(
  name: string,
  args: PortalArgs,
  template: aws.ec2.LaunchTemplate,
  targetGroup: aws.lb.TargetGroup,
  parent: pulumi.Resource,
): aws.autoscaling.Group {
  const minInstances = args.minInstances ?? DEFAULTS.portalMinInstances;
  return new aws.autoscaling.Group(
    `${name}-portal`,
    {
      vpcZoneIdentifiers: args.privateSubnetIds,
      minSize: minInstances,
      maxSize: args.maxInstances ?? DEFAULTS.portalMaxInstances,
      desiredCapacity: minInstances,
      launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
      targetGroupArns: [targetGroup.arn],
      healthCheckType: 'ELB',
      healthCheckGracePeriod: 300,
      // A new launch template version (a new bundle) replaces the instances a few at a time.
      instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 50 } },
    },
    { parent, ...(args.launchAfter === undefined ? {} : { dependsOn: args.launchAfter }) },
  );
}
