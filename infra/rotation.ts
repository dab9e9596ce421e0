// Rotation of the portal's database password by Secrets Manager (SecretsManager.1, .4,
// CKV2_AWS_57, CKV_AWS_304): the `rotate-database-secret` function (functions/, the four steps of
// the single-user strategy: the portal's login role changes its own password) in the VPC, in the
// workloads' security group, which reaches the database on its port and Secrets Manager through
// the VPC's interface endpoint; Secrets Manager may invoke it for this secret only; the
// rotation every `rotationDays` days. The first rotation waits for its schedule: at deploy the
// secret is written by the migrate function (`after`), which keeps the password the secret
// holds, so a rotation and a later deploy agree. The portal reads the secret again when the
// database refuses its password (portal/database-login.ts): open connections stay, new ones get
// the new password.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { functionBundle } from './artifacts.ts';
import { secretsManagerKeyStatement } from './context.ts';
import { DEFAULTS, MAX_SECRET_ROTATION_DAYS } from './defaults.ts';
import { platformFunction } from './lambda.ts';
import { physicalName } from './naming.ts';
import { isWholeInRange, ownNames, type FieldNames, refuseInvalid } from './validation.ts';
import { LAMBDA_ENV } from '../contracts/lambda.ts';

/** A step opens at most two sessions and makes a few Secrets Manager calls. */
export const ROTATE_TIMEOUT_SECONDS = 60;
export const ROTATE_MEMORY_MB = 256;
/** Secrets Manager runs one step at a time: one execution at most, never a flood. */
export const ROTATE_RESERVED_CONCURRENCY = 1;

export interface PortalLoginRotationArgs {
  /** The portal's settings secret (QDP_PORTAL_DATABASE_URL holds the login and its password). */
  secretArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** A security group allowed to reach the database on its port and the AWS endpoints on 443. */
  securityGroupId: pulumi.Input<string>;
  /** Days between rotations (1 to 90). @default 30 */
  rotationDays?: number;
  /** What writes the secret's first value (the migrations). */
  after: pulumi.Resource[];
  /** @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /** @default functions/rotate-database-secret bundled (or the package's bundle) */
  bundleDir?: Promise<string> | string;
}

/** @internal Every problem with a PortalLoginRotation's arguments, each naming its field (`names`); pure. */
export function validatePortalLoginRotationArgs(
  args: Pick<PortalLoginRotationArgs, 'rotationDays'>,
  names: FieldNames<'rotationDays'> = ownNames(['rotationDays']),
): string[] {
  const days = args.rotationDays;
  return days !== undefined && !isWholeInRange(days, 1, MAX_SECRET_ROTATION_DAYS)
    ? [
        `${names.rotationDays}: ${days} must be a whole number of days from 1 to ${MAX_SECRET_ROTATION_DAYS}`,
      ]
    : [];
}

export class PortalLoginRotation extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  /** Days between rotations. */
  readonly rotationDays: number;

  constructor(name: string, args: PortalLoginRotationArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('PortalLoginRotation', name, validatePortalLoginRotationArgs(args));
    super('quarantine:rotation:PortalLoginRotation', name, {}, opts);
    const rotationDays = args.rotationDays ?? DEFAULTS.portalDatabasePasswordRotationDays;
    const { fn } = platformFunction(
      `${name}-rotate-database-secret`,
      {
        functionName: physicalName('lambda', name, 'rotate-database-secret'),
        description: "Rotates the portal's database password (Secrets Manager rotation)",
        bundleDir: args.bundleDir ?? functionBundle('rotate-database-secret'),
        environment: { [LAMBDA_ENV.portalSettingsSecretArn]: args.secretArn },
        kmsKeyArn: args.kmsKeyArn,
        logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
        timeoutSeconds: ROTATE_TIMEOUT_SECONDS,
        memoryMb: ROTATE_MEMORY_MB,
        reservedConcurrency: ROTATE_RESERVED_CONCURRENCY,
        vpc: { subnetIds: args.subnetIds, securityGroupIds: [args.securityGroupId] },
        statements: [
          {
            Sid: 'RotateSettings',
            Effect: 'Allow',
            Action: [
              'secretsmanager:DescribeSecret',
              'secretsmanager:GetSecretValue',
              'secretsmanager:PutSecretValue',
              'secretsmanager:UpdateSecretVersionStage',
            ],
            Resource: args.secretArn,
          },
          secretsManagerKeyStatement('SettingsKey', args.kmsKeyArn, this),
        ],
      },
      this,
    );
    const permission = new aws.lambda.Permission(
      `${name}-rotate-database-secret`,
      {
        function: fn.name,
        action: 'lambda:InvokeFunction',
        principal: 'secretsmanager.amazonaws.com',
        sourceArn: args.secretArn,
      },
      { parent: this },
    );
    new aws.secretsmanager.SecretRotation(
      `${name}-portal-login`,
      {
        secretId: args.secretArn,
        rotationLambdaArn: fn.arn,
        rotationRules: { automaticallyAfterDays: rotationDays },
        rotateImmediately: false,
      },
      { parent: this, dependsOn: [permission, ...args.after] },
    );
    this.functionName = fn.name;
    this.rotationDays = rotationDays;
    this.registerOutputs({ functionName: this.functionName });
  }
}
