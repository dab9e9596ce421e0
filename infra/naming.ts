// Physical names: what AWS shows and what other resources (alarms, rules, IAM statements) refer to,
// built from the instance name in one way. Each kind of resource has its own length limit; a name
// that would exceed it is cut and given a short hash of the whole name, so it stays unique and
// stable.
import { createHash } from 'node:crypto';

/** AWS's length limits for the names the component sets (characters). */
export const NAME_LIMITS = {
  /** Lambda function names. */
  lambda: 64,
  /** SNS topic names. */
  topic: 256,
  /** SQS queue names. */
  queue: 80,
  /** Glue job, crawler, workflow, trigger, connection, security configuration, classifier. */
  glue: 255,
  /** CloudWatch log group names. */
  logGroup: 512,
  /** EventBridge rule names. */
  eventRule: 64,
  /** EventBridge Scheduler schedule names. */
  schedule: 64,
  /** CloudWatch dashboard names. */
  dashboard: 255,
  /** Secrets Manager secret names. */
  secret: 512,
  /** Aurora cluster and instance identifiers. */
  rds: 63,
  /** Redshift Serverless namespace and workgroup names. */
  redshift: 64,
  /** AWS WAF web ACL names. */
  webAcl: 128,
  /** AWS Backup vault names. */
  backupVault: 50,
  /** AWS Backup plan and selection names. */
  backupPlan: 50,
} as const;

export type NameKind = keyof typeof NAME_LIMITS;

/** Characters of the hash that replaces the end of a name that is too long. */
const HASH_LENGTH = 8;

/**
 * `<instance>-<suffix>` (or `<prefix><instance>-<suffix>`), within the limit of `kind`: a name
 * that would be longer keeps its beginning and ends in `-` and 8 hex characters of its SHA-256.
 */
export function physicalName(
  kind: NameKind,
  instance: string,
  suffix: string,
  prefix = '',
): string {
  const full = `${prefix}${instance}-${suffix}`;
  const limit = NAME_LIMITS[kind];
  if (full.length <= limit) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_LENGTH);
  return `${full.slice(0, limit - HASH_LENGTH - 1)}-${hash}`;
}
