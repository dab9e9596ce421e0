// Backups (CKV2_AWS_8): an AWS Backup vault encrypted with the platform key, a plan that backs up
// the Aurora cluster and the landing bucket every day and keeps each recovery point
// `retentionDays`, optionally copying it to a vault in a second Region (disaster recovery), and
// optionally a vault lock in compliance mode (nobody, the account's root included, can delete a
// recovery point before its retention ends, nor remove the lock once its grace period is over).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsContext, serviceTrust } from './context.ts';
import { physicalName } from './naming.ts';
import {
  isWholeInRange,
  known,
  ownNames,
  REGION,
  type FieldNames,
  refuseInvalid,
} from './validation.ts';

/** When the daily backup starts (UTC): after the nightly analytics run, before the working day. */
export const BACKUP_SCHEDULE = 'cron(0 2 * * ? *)';
/** Minutes within which a backup must start, and complete, once due. */
export const BACKUP_START_WINDOW_MINUTES = 60;
export const BACKUP_COMPLETION_WINDOW_MINUTES = 360;
/** Days during which a compliance-mode vault lock can still be removed. */
export const VAULT_LOCK_GRACE_DAYS = 3;
/** AWS's managed policies for the role AWS Backup assumes (Aurora, and S3 which has its own). */
export const BACKUP_ROLE_POLICIES = [
  'service-role/AWSBackupServiceRolePolicyForBackup',
  'service-role/AWSBackupServiceRolePolicyForRestores',
  'AWSBackupServiceRolePolicyForS3Backup',
  'AWSBackupServiceRolePolicyForS3Restore',
];

export interface BackupArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** What is backed up: the Aurora cluster's ARN and the landing bucket's ARN. */
  resourceArns: pulumi.Input<string>[];
  /** Days each recovery point is kept (and its copy). */
  retentionDays: pulumi.Input<number>;
  /** A compliance-mode vault lock with `retentionDays` as the minimum retention. */
  vaultLock: boolean;
  /**
   * A second Region for copies of every recovery point: the component makes a key (rotation on)
   * and a vault there. @default undefined (no copy)
   */
  copyRegion?: string;
}

/** The shortest and longest `retentionDays`. */
export const BACKUP_RETENTION_RANGE_DAYS = { min: 7, max: 3650 } as const;

/**
 * @internal Every problem with a Backup's arguments, each naming its field (`names`); pure,
 * Outputs unchecked.
 */
export function validateBackupArgs(
  args: Partial<Pick<BackupArgs, 'retentionDays' | 'copyRegion'>>,
  names: FieldNames<'retentionDays' | 'copyRegion'> = ownNames(['retentionDays', 'copyRegion']),
): string[] {
  const problems: string[] = [];
  const days = known(args.retentionDays);
  const { min, max } = BACKUP_RETENTION_RANGE_DAYS;
  if (days !== undefined && !isWholeInRange(days, min, max)) {
    problems.push(
      `${names.retentionDays}: ${days} must be a whole number of days from ${min} to ${max}`,
    );
  }
  if (args.copyRegion !== undefined && !REGION.test(args.copyRegion)) {
    problems.push(
      `${names.copyRegion}: "${args.copyRegion}" must be an AWS region code such as eu-central-1`,
    );
  }
  return problems;
}

export class Backup extends pulumi.ComponentResource {
  readonly vaultName: pulumi.Output<string>;
  readonly planId: pulumi.Output<string>;
  /** The vault in `copyRegion`, or undefined without one. */
  readonly copyVaultArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('Backup', name, validateBackupArgs(args));
    super('quarantine:backup:Backup', name, {}, opts);
    const vault = new aws.backup.Vault(
      `${name}-backup`,
      { name: physicalName('backupVault', name, 'backup'), kmsKeyArn: args.kmsKeyArn },
      { parent: this },
    );
    if (args.vaultLock) {
      new aws.backup.VaultLockConfiguration(
        `${name}-backup`,
        {
          backupVaultName: vault.name,
          minRetentionDays: args.retentionDays,
          changeableForDays: VAULT_LOCK_GRACE_DAYS,
        },
        { parent: this },
      );
    }
    const copyVault =
      args.copyRegion === undefined ? undefined : copyVaultIn(name, args.copyRegion, this);
    const plan = new aws.backup.Plan(
      `${name}-backup`,
      {
        name: physicalName('backupPlan', name, 'daily'),
        rules: [
          {
            ruleName: 'daily',
            targetVaultName: vault.name,
            schedule: BACKUP_SCHEDULE,
            startWindow: BACKUP_START_WINDOW_MINUTES,
            completionWindow: BACKUP_COMPLETION_WINDOW_MINUTES,
            lifecycle: { deleteAfter: args.retentionDays },
            ...(copyVault === undefined
              ? {}
              : {
                  copyActions: [
                    {
                      destinationVaultArn: copyVault.arn,
                      lifecycle: { deleteAfter: args.retentionDays },
                    },
                  ],
                }),
          },
        ],
      },
      { parent: this },
    );
    const { partition } = awsContext(this);
    const role = new aws.iam.Role(
      `${name}-backup`,
      { assumeRolePolicy: serviceTrust('backup.amazonaws.com') },
      { parent: this },
    );
    const attachments = BACKUP_ROLE_POLICIES.map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-backup-${policy.split('/').pop()!.replace('AWSBackupServiceRolePolicy', '').toLowerCase()}`,
          {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`,
          },
          { parent: this },
        ),
    );
    new aws.backup.Selection(
      `${name}-backup`,
      {
        name: physicalName('backupPlan', name, 'platform'),
        planId: plan.id,
        iamRoleArn: role.arn,
        resources: args.resourceArns,
      },
      { parent: this, dependsOn: attachments },
    );
    this.vaultName = vault.name;
    this.planId = plan.id;
    this.copyVaultArn = copyVault?.arn;
    this.registerOutputs({ vaultName: this.vaultName, planId: this.planId });
  }
}

/** @internal The copy Region's provider, key and vault. */
function copyVaultIn(name: string, region: string, parent: pulumi.Resource): aws.backup.Vault {
  const provider = new aws.Provider(`${name}-backup-copy`, { region }, { parent });
  const key = new aws.kms.Key(
    `${name}-backup-copy`,
    {
      description: `Quarantine data platform ${name}: copies of its backups`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    },
    { parent, provider },
  );
  return new aws.backup.Vault(
    `${name}-backup-copy`,
    { name: physicalName('backupVault', name, 'backup-copy'), kmsKeyArn: key.arn },
    { parent, provider },
  );
}
