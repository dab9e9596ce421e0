// Landing: where the daily file arrives. An S3 bucket (versioned, public access blocked, SSE-KMS
// with the platform key, TLS-only, access logs to a log bucket, raw files expired after the
// retention period) and an AWS Transfer Family SFTP server whose users log in with SSH keys only
// and each see one folder, `inbox/<user>/`, as their whole file system.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { hardenBucket } from './bucket.ts';
import { awsContext, policyDocument, serviceTrust } from './context.ts';
import { DEFAULTS } from './defaults.ts';
import { BUCKET_LAYOUT } from '../contracts/bucket-layout.ts';
import { isCidr, known, ownNames, type FieldNames, refuseInvalid } from './validation.ts';

/** The Transfer Family security policy: the newest general-purpose one of the provider's list. */
export const TRANSFER_SECURITY_POLICY = 'TransferSecurityPolicy-2025-03';

/** Where the uploads land (contracts/bucket-layout.ts), part of this package's API. */
export const INBOX_PREFIX = BUCKET_LAYOUT.inbox;

/** Where the log bucket keeps each kind of access log. */
export const ACCESS_LOG_PREFIXES = { landing: 'landing/', loadBalancer: 'portal-alb/' } as const;

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

/** The values `sftpEndpointType` accepts. */
export const SFTP_ENDPOINT_TYPES = ['PUBLIC', 'VPC'] as const;
export type SftpEndpointType = (typeof SFTP_ENDPOINT_TYPES)[number];

/** @internal Whether `value` is one of `SFTP_ENDPOINT_TYPES`. */
export function isSftpEndpointType(value: string): value is SftpEndpointType {
  return (SFTP_ENDPOINT_TYPES as readonly string[]).includes(value);
}

export interface LandingArgs {
  /** The platform key: encrypts the bucket, the SFTP log group. */
  kmsKeyArn: pulumi.Input<string>;
  /** The SFTP accounts. */
  sftpUsers: SftpUser[];
  /** Days a raw file under `inbox/` is kept (older versions too). @default 90 */
  rawFileRetentionDays?: pulumi.Input<number>;
  /** Days the access logs and the SFTP server's logs are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /** `PUBLIC` or `VPC`. @default "PUBLIC" */
  sftpEndpointType?: 'PUBLIC' | 'VPC';
  /** CIDR blocks allowed on port 22 of a `VPC` endpoint. @default [] */
  sftpAllowedCidrs?: string[];
  /** Required with a `VPC` endpoint. */
  vpcId?: pulumi.Input<string>;
  /** Required with a `VPC` endpoint: the endpoint's subnets. */
  subnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Whether the log bucket also receives the portal load balancer's access logs (under
   * `portal-alb/`). @default false
   */
  loadBalancerLogs?: boolean;
}

const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_@.-]{2,23}$/;
const SSH_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

/** The fields of `LandingArgs` that `validateLandingArgs` checks. */
const LANDING_VALIDATED = [
  'sftpUsers',
  'rawFileRetentionDays',
  'sftpEndpointType',
  'sftpAllowedCidrs',
] as const;

/**
 * @internal Every problem with a Landing's arguments, each naming its field (`names`); pure,
 * Outputs unchecked. `sftpEndpointType` is any string here: this is where it is checked.
 */
export function validateLandingArgs(
  args: Pick<LandingArgs, 'sftpUsers' | 'rawFileRetentionDays' | 'sftpAllowedCidrs'> & {
    sftpEndpointType?: string | undefined;
  },
  names: FieldNames<(typeof LANDING_VALIDATED)[number]> = ownNames(LANDING_VALIDATED),
): string[] {
  const problems: string[] = [];
  if (args.sftpUsers.length === 0) {
    problems.push(
      `${names.sftpUsers}: must list at least one user (the account that uploads the daily file)`,
    );
  }
  const userNames = args.sftpUsers.map((u) => u.userName);
  args.sftpUsers.forEach((user, i) => {
    const field = `${names.sftpUsers}[${i}]`;
    if (!USER_NAME.test(user.userName)) {
      problems.push(
        `${field}.userName: "${user.userName}" must be 3 to 24 characters: letters, digits, "_", "-", ".", "@", not starting with "-", "." or "@"`,
      );
    }
    if (userNames.indexOf(user.userName) !== i) {
      problems.push(`${field}.userName: "${user.userName}" is listed more than once`);
    }
    if (user.sshPublicKeys.length === 0) {
      problems.push(
        `${field}.sshPublicKeys: must list at least one SSH public key (passwords are not accepted)`,
      );
    }
    user.sshPublicKeys.forEach((key, k) => {
      if (!SSH_KEY.test(key.trim())) {
        problems.push(
          `${field}.sshPublicKeys[${k}]: not an OpenSSH public key: expected "ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256|384|521 AAAA…" or "ssh-rsa AAAA…"`,
        );
      }
    });
  });

  const rawDays = known(args.rawFileRetentionDays);
  if (rawDays !== undefined && !(Number.isInteger(rawDays) && rawDays >= 1 && rawDays <= 3650)) {
    problems.push(
      `${names.rawFileRetentionDays}: ${rawDays} must be a whole number of days from 1 to 3650`,
    );
  }

  const endpoint = args.sftpEndpointType ?? DEFAULTS.sftpEndpointType;
  if (!isSftpEndpointType(endpoint)) {
    problems.push(`${names.sftpEndpointType}: "${endpoint}" must be "PUBLIC" or "VPC"`);
  }
  const cidrs = args.sftpAllowedCidrs ?? DEFAULTS.sftpAllowedCidrs;
  if (endpoint === 'PUBLIC' && cidrs.length > 0) {
    problems.push(
      `${names.sftpAllowedCidrs}: only applies when ${names.sftpEndpointType} is "VPC" (a PUBLIC endpoint cannot be restricted by address)`,
    );
  }
  if (endpoint === 'VPC' && cidrs.length === 0) {
    problems.push(
      `${names.sftpAllowedCidrs}: required when ${names.sftpEndpointType} is "VPC": at least one IPv4 CIDR block`,
    );
  }
  cidrs.forEach((cidr, i) => {
    if (!isCidr(cidr, 8, 32)) {
      problems.push(
        `${names.sftpAllowedCidrs}[${i}]: "${cidr}" must be an IPv4 CIDR block from /8 to /32, such as 203.0.113.0/24`,
      );
    }
  });
  return problems;
}

export class Landing extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly logBucketName: pulumi.Output<string>;
  readonly server: aws.transfer.Server;
  /** Host name of the SFTP server (`s-….server.transfer.<region>.amazonaws.com`). */
  readonly sftpEndpoint: pulumi.Output<string>;

  constructor(name: string, args: LandingArgs, opts?: pulumi.ComponentResourceOptions) {
    const endpointType = args.sftpEndpointType ?? DEFAULTS.sftpEndpointType;
    if (endpointType === 'VPC' && (args.vpcId === undefined || args.subnetIds === undefined)) {
      throw new Error('Landing: vpcId and subnetIds are required with sftpEndpointType "VPC"');
    }
    refuseInvalid('Landing', name, validateLandingArgs(args));
    super('quarantine:landing:Landing', name, {}, opts);
    const { accountId } = awsContext(this);
    const logDays = args.logRetentionDays ?? DEFAULTS.logRetentionDays;

    // The log bucket: S3 server access logs of the landing bucket and, with the portal, the load
    // balancer's access logs. SSE-S3: the one encryption both deliveries support.
    const logBucket = new aws.s3.Bucket(`${name}-access-logs`, {}, { parent: this });
    this.bucket = new aws.s3.Bucket(`${name}-landing`, {}, { parent: this });
    const bucket = this.bucket;
    hardenBucket(
      `${name}-access-logs`,
      logBucket,
      {
        expiry: [{ id: 'expire-access-logs', prefix: '', days: logDays, noncurrentDays: 1 }],
        statements: (logBucketArn) => [
          {
            Sid: 'S3ServerAccessLogsOfTheLandingBucket',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: pulumi.interpolate`${logBucketArn}/${ACCESS_LOG_PREFIXES.landing}*`,
            Condition: {
              ArnLike: { 'aws:SourceArn': bucket.arn },
              StringEquals: { 'aws:SourceAccount': accountId },
            },
          },
          ...(args.loadBalancerLogs === true
            ? [
                {
                  // The Region's Elastic Load Balancing account (Regions opened before August
                  // 2022) and the log delivery service (newer Regions) write the portal's logs.
                  Sid: 'LoadBalancerAccessLogs',
                  Effect: 'Allow' as const,
                  Principal: {
                    AWS: aws.elb.getServiceAccountOutput({}, { parent: this }).arn,
                    Service: 'logdelivery.elasticloadbalancing.amazonaws.com',
                  },
                  Action: 's3:PutObject',
                  Resource: pulumi.interpolate`${logBucketArn}/${ACCESS_LOG_PREFIXES.loadBalancer}AWSLogs/${accountId}/*`,
                },
              ]
            : []),
        ],
      },
      this,
    );

    // The landing bucket.
    const rawDays = args.rawFileRetentionDays ?? DEFAULTS.rawFileRetentionDays;
    hardenBucket(
      `${name}-landing`,
      bucket,
      {
        kmsKeyArn: args.kmsKeyArn,
        accessLogs: { bucket: logBucket.id, prefix: ACCESS_LOG_PREFIXES.landing },
        expiry: [
          { id: 'expire-raw-files', prefix: INBOX_PREFIX, days: rawDays, noncurrentDays: rawDays },
        ],
      },
      this,
    );

    // The SFTP server.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-sftp`,
      { retentionInDays: logDays, kmsKeyId: args.kmsKeyArn },
      { parent: this },
    );
    const loggingRole = new aws.iam.Role(
      `${name}-sftp-logging`,
      { assumeRolePolicy: serviceTrust('transfer.amazonaws.com', accountId) },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-sftp-logging`,
      {
        role: loggingRole.id,
        policy: policyDocument([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
          },
        ]),
      },
      { parent: this },
    );
    let endpointDetails: aws.types.input.transfer.ServerEndpointDetails | undefined;
    if (endpointType === 'VPC' && args.vpcId !== undefined && args.subnetIds !== undefined) {
      const sftpGroup = new aws.ec2.SecurityGroup(
        `${name}-sftp`,
        {
          vpcId: args.vpcId,
          description: 'SFTP from the allowed CIDR blocks',
          ingress: [
            {
              description: 'SFTP',
              protocol: 'tcp',
              fromPort: 22,
              toPort: 22,
              cidrBlocks: args.sftpAllowedCidrs ?? DEFAULTS.sftpAllowedCidrs,
            },
          ],
        },
        { parent: this },
      );
      endpointDetails = {
        vpcId: args.vpcId,
        subnetIds: args.subnetIds,
        securityGroupIds: [sftpGroup.id],
      };
    }
    this.server = new aws.transfer.Server(
      `${name}-sftp`,
      {
        identityProviderType: 'SERVICE_MANAGED',
        protocols: ['SFTP'],
        domain: 'S3',
        endpointType,
        endpointDetails,
        securityPolicyName: TRANSFER_SECURITY_POLICY,
        loggingRole: loggingRole.arn,
        structuredLogDestinations: [pulumi.interpolate`${logGroup.arn}:*`],
      },
      { parent: this },
    );
    const server = this.server;

    for (const user of args.sftpUsers) {
      const userPrefix = `${BUCKET_LAYOUT.inbox}${user.userName}/`;
      const role = new aws.iam.Role(
        `${name}-sftp-u-${user.userName}`,
        { assumeRolePolicy: serviceTrust('transfer.amazonaws.com', accountId) },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-sftp-u-${user.userName}`,
        {
          role: role.id,
          policy: policyDocument([
            {
              Sid: 'ListOwnFolder',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: bucket.arn,
              Condition: { StringLike: { 's3:prefix': [userPrefix, `${userPrefix}*`] } },
            },
            {
              // Delete too: SFTP clients upload to a temporary name and rename (copy + delete);
              // the bucket is versioned, so a deleted file is still recoverable by an administrator.
              Sid: 'ReadWriteOwnFolder',
              Effect: 'Allow',
              Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
              Resource: pulumi.interpolate`${bucket.arn}/${userPrefix}*`,
            },
            {
              Sid: 'UsePlatformKey',
              Effect: 'Allow',
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: args.kmsKeyArn,
            },
          ]),
        },
        { parent: this },
      );
      const transferUser = new aws.transfer.User(
        `${name}-sftp-u-${user.userName}`,
        {
          serverId: server.id,
          userName: user.userName,
          role: role.arn,
          homeDirectoryType: 'LOGICAL',
          homeDirectoryMappings: [
            {
              entry: '/',
              target: pulumi.interpolate`/${bucket.bucket}/${BUCKET_LAYOUT.inbox}${user.userName}`,
            },
          ],
        },
        { parent: this },
      );
      user.sshPublicKeys.forEach((key, k) => {
        new aws.transfer.SshKey(
          `${name}-sftp-u-${user.userName}-key-${k}`,
          { serverId: server.id, userName: user.userName, body: key.trim() },
          { parent: this, dependsOn: [transferUser] },
        );
      });
    }

    this.bucketName = bucket.bucket;
    this.logBucketName = logBucket.bucket;
    this.sftpEndpoint = server.endpoint;
    this.registerOutputs({
      bucketName: this.bucketName,
      logBucketName: this.logBucketName,
      sftpEndpoint: this.sftpEndpoint,
    });
  }
}
