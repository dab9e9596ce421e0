// AWS Backup: the cluster and the landing bucket in a backup plan, the vault on the platform key.
import { isLogBucket } from './s3.ts';
import {
  dependsOn,
  forType,
  nonEmptyString,
  ofType,
  resourceRule,
  stackRule,
  TYPES,
} from './support.ts';

export const backupPlanCoverage = stackRule(
  {
    name: 'qdp-backup-plan-coverage',
    controls: ['CKV2_AWS_8'],
    severity: 'medium',
    description:
      'Every RDS cluster and every S3 bucket that holds data (not logs) is selected by an AWS Backup plan.',
    remediationSteps:
      'Add the resource ARN to an aws.backup.Selection of the platform backup plan.',
  },
  ({ resources }, report) => {
    const selections = ofType(resources, TYPES.backupSelection);
    const selected = (r: (typeof resources)[number]) =>
      selections.some((s) => dependsOn(s, 'resources', r));
    for (const cluster of ofType(resources, TYPES.rdsCluster)) {
      if (!selected(cluster)) {
        report(`RDS cluster ${cluster.name}: in no AWS Backup selection`, cluster.urn);
      }
    }
    for (const bucket of ofType(resources, TYPES.bucket)) {
      if (!isLogBucket(resources, bucket) && !selected(bucket)) {
        report(`bucket ${bucket.name}: in no AWS Backup selection`, bucket.urn);
      }
    }
  },
);

export const backupVaultKey = resourceRule(
  {
    name: 'qdp-backup-vault-key',
    controls: ['CKV2_AWS_8'],
    severity: 'medium',
    description: 'Every AWS Backup vault is encrypted with a customer-managed KMS key.',
    remediationSteps: 'Set kmsKeyArn on the vault to the platform key.',
  },
  forType(TYPES.backupVault, (props, args, report) => {
    if (!nonEmptyString(props['kmsKeyArn'])) {
      report(`backup vault ${args.name}: not encrypted with a customer-managed key (kmsKeyArn)`);
    }
  }),
);

export const backupRules = [backupPlanCoverage, backupVaultKey];
