// CloudWatch log groups.
import { forType, nonEmptyString, resourceRule, TYPES } from './support.ts';

/** The shortest log retention we accept, in days (a year). */
export const MINIMUM_LOG_RETENTION_DAYS = 365;

export const logGroupsEncryptedAndKept = resourceRule(
  {
    name: 'qdp-log-groups-encrypted-and-kept',
    controls: ['CloudWatch.16', 'CKV_AWS_338', 'CKV_AWS_158'],
    severity: 'medium',
    description: `Every CloudWatch log group is encrypted with a customer-managed KMS key and keeps its logs at least ${MINIMUM_LOG_RETENTION_DAYS} days (not forever).`,
    remediationSteps:
      'Set kmsKeyId to the platform key and retentionInDays to the logRetentionDays argument (default 731).',
  },
  forType(TYPES.logGroup, (props, args, report) => {
    if (!nonEmptyString(props['kmsKeyId'])) {
      report(`log group ${args.name}: not encrypted with a customer-managed key (kmsKeyId)`);
    }
    const days = Number(props['retentionInDays'] ?? 0);
    if (!(days >= MINIMUM_LOG_RETENTION_DAYS)) {
      report(
        `log group ${args.name}: ${days === 0 ? 'kept forever (retentionInDays missing)' : `kept ${days} days (expected at least ${MINIMUM_LOG_RETENTION_DAYS})`}`,
      );
    }
  }),
);

export const logRules = [logGroupsEncryptedAndKept];
