// Database migrations on every `pulumi up`: the `migrate` Lambda (in the VPC, in the workloads'
// security group, which reaches the database on its port; it needs a real session for the migration
// runner's advisory lock and multi-statement files, which the Data API does not give) and an
// invocation of it that Pulumi repeats whenever the migrations (or the territory) change, after
// the database exists. A failing migration fails the deployment.
// With the portal, the same run keeps the portal's database login (a member of qdp_portal) and
// writes its settings into the portal's settings secret (functions/migrate/portal-login.ts): the
// function may read and write that one secret; the password is made inside the function and
// never passes through the program, its state or the function's result.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { functionBundle, hashMigrationSql } from './artifacts.ts';
import { secretsManagerKeyStatement, type Statement } from './context.ts';
import { platformFunction } from './lambda.ts';
import { DATABASE_PORT } from './database.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { known, ownNames, type FieldNames, refuseInvalid } from './validation.ts';
import { provinceProblems } from '../contracts/territory.ts';
import { LAMBDA_ENV } from '../contracts/lambda.ts';
import { PORTAL_LOGIN_ROLE } from '../contracts/roles.ts';

/** Applying every migration on an empty database takes well under this. */
export const MIGRATE_TIMEOUT_SECONDS = 600;
export const MIGRATE_MEMORY_MB = 512;

export interface MigrationsArgs {
  kmsKeyArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** A security group allowed to reach the database on its port and the AWS endpoints on 443. */
  securityGroupId: pulumi.Input<string>;
  databaseHost: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  databaseSecretArn: pulumi.Input<string>;
  /** Two-letter province codes: migrate marks them in qdp.municipalities. */
  territoryProvinces: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * What must exist before the first invocation: the database (a component: all its children,
   * the writer and the ingress rules) and the network's endpoints.
   */
  databaseReady: pulumi.Resource[];
  /**
   * The portal's settings secret (encrypted with `kmsKeyArn`): migrate keeps the portal's login
   * and writes its settings there. @default undefined (no portal: no login role, no secret access)
   */
  portalSettingsSecretArn?: pulumi.Input<string>;
  /** @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /** @default functions/migrate bundled (or the package's bundle) */
  bundleDir?: Promise<string> | string;
}

/**
 * @internal Every problem with a Migrations' arguments, each naming its field (`names`); pure,
 * province codes that are Outputs unchecked (an empty list is a problem).
 */
export function validateMigrationsArgs(
  args: Pick<MigrationsArgs, 'territoryProvinces'>,
  names: FieldNames<'territoryProvinces'> = ownNames(['territoryProvinces']),
): string[] {
  const provinces = known(args.territoryProvinces);
  if (provinces === undefined) return [];
  const codes = provinces.map((p) => known(p)).filter((p): p is string => p !== undefined);
  return provinces.length === 0 || codes.length > 0
    ? provinceProblems(codes).map((p) => `${names.territoryProvinces}: ${p}`)
    : [];
}

export class Migrations extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  /** SHA-256 of the migrations the last invocation applied (its trigger). */
  readonly migrationsHash: pulumi.Output<string>;
  /** What the function answered. */
  readonly result: pulumi.Output<string>;

  constructor(name: string, args: MigrationsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('Migrations', name, validateMigrationsArgs(args));
    super('quarantine:migrations:Migrations', name, {}, opts);
    const bundleDir = args.bundleDir ?? functionBundle('migrate');
    const portalSecret = args.portalSettingsSecretArn;
    const portalStatements: Statement[] =
      portalSecret === undefined
        ? []
        : [
            {
              Sid: 'PortalSettings',
              Effect: 'Allow',
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
              Resource: portalSecret,
            },
            // A new secret version is encrypted with the platform key, through Secrets Manager.
            secretsManagerKeyStatement('PortalSettingsKey', args.kmsKeyArn, this),
          ];
    const { fn } = platformFunction(
      `${name}-migrate`,
      {
        functionName: physicalName('lambda', name, 'migrate'),
        description: 'Applies the database migrations (invoked by every pulumi up)',
        bundleDir,
        environment: {
          [LAMBDA_ENV.databaseSecretArn]: args.databaseSecretArn,
          [LAMBDA_ENV.databaseName]: args.databaseName,
          [LAMBDA_ENV.databaseHost]: args.databaseHost,
          [LAMBDA_ENV.databasePort]: String(DATABASE_PORT),
          [LAMBDA_ENV.databaseTls]: 'verify-full',
          [LAMBDA_ENV.territoryProvinces]: pulumi
            .output(args.territoryProvinces)
            .apply((provinces) => provinces.join(',')),
          ...(portalSecret === undefined
            ? {}
            : {
                [LAMBDA_ENV.portalSettingsSecretArn]: portalSecret,
                [LAMBDA_ENV.portalLoginRole]: PORTAL_LOGIN_ROLE,
              }),
        },
        kmsKeyArn: args.kmsKeyArn,
        logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
        timeoutSeconds: MIGRATE_TIMEOUT_SECONDS,
        memoryMb: MIGRATE_MEMORY_MB,
        // One at a time (the runner also takes an advisory lock).
        reservedConcurrency: 1,
        vpc: { subnetIds: args.subnetIds, securityGroupIds: [args.securityGroupId] },
        statements: [
          {
            Sid: 'DatabaseSecret',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue'],
            Resource: args.databaseSecretArn,
          },
          ...portalStatements,
        ],
      },
      this,
    );
    this.migrationsHash = pulumi.output(bundleDir).apply(hashMigrationSql);
    const invocation = new aws.lambda.Invocation(
      `${name}-migrate`,
      {
        functionName: fn.name,
        input: JSON.stringify({ action: 'migrate' }),
        // A new value replaces the invocation, which invokes the function again.
        triggers: {
          migrations: this.migrationsHash,
          territory: pulumi.output(args.territoryProvinces).apply((p) => p.join(',')),
          // Enabling the portal (or a new settings secret) runs the function again.
          ...(portalSecret === undefined ? {} : { portalSettings: portalSecret }),
        },
      },
      { parent: this, dependsOn: [fn, ...args.databaseReady] },
    );
    this.functionName = fn.name;
    this.result = invocation.result;
    this.registerOutputs({
      functionName: this.functionName,
      migrationsHash: this.migrationsHash,
      result: this.result,
    });
  }
}
