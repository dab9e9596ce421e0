// S3 buckets (landing, logs): each bucket's settings are resources of their own in @pulumi/aws 7,
// so these are stack rules that find a bucket's settings through the Output they were given.
import type { PolicyResource } from '@pulumi/policy';
import {
  attached,
  dependsOn,
  list,
  nonEmptyString,
  object,
  objects,
  ofType,
  stackRule,
  statements,
  TYPES,
  type Props,
} from './support.ts';

/**
 * Whether a bucket receives logs (S3 server access logs, load balancer access logs, WAF logs):
 * log delivery supports only SSE-S3, and a log bucket does not log to itself.
 */
export function isLogBucket(resources: PolicyResource[], bucket: PolicyResource): boolean {
  return (
    attached(resources, TYPES.bucketLogging, 'targetBucket', bucket).length > 0 ||
    attached(resources, TYPES.loadBalancer, 'accessLogs', bucket).length > 0 ||
    attached(resources, TYPES.webAclLogging, 'logDestinationConfigs', bucket).length > 0
  );
}

/** Each bucket with the one settings resource of `type` attached to it, or a report. */
function withOne(
  resources: PolicyResource[],
  type: string,
  what: string,
  report: (message: string, urn: string) => void,
): [PolicyResource, PolicyResource][] {
  const found: [PolicyResource, PolicyResource][] = [];
  for (const bucket of ofType(resources, TYPES.bucket)) {
    const settings = attached(resources, type, 'bucket', bucket);
    if (settings.length === 1) found.push([bucket, settings[0]!]);
    else report(`bucket ${bucket.name}: ${settings.length} ${what} (expected 1)`, bucket.urn);
  }
  return found;
}

export const s3PublicAccessBlocked = stackRule(
  {
    name: 'qdp-s3-public-access-blocked',
    controls: ['S3.2', 'S3.3', 'S3.8', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
    severity: 'critical',
    description: 'Every S3 bucket has a public access block with all four settings on.',
    remediationSteps:
      'Give the bucket an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true.',
  },
  ({ resources }, report) => {
    const settings = [
      'blockPublicAcls',
      'blockPublicPolicy',
      'ignorePublicAcls',
      'restrictPublicBuckets',
    ];
    for (const [bucket, block] of withOne(
      resources,
      TYPES.bucketPublicAccessBlock,
      'public access blocks',
      report,
    )) {
      const off = settings.filter((s) => block.props[s] !== true);
      if (off.length > 0) {
        report(`bucket ${bucket.name}: public access block with ${off.join(', ')} off`, bucket.urn);
      }
    }
  },
);

/** Whether a statement denies every S3 action on the bucket and its objects without TLS. */
function deniesInsecureTransport(s: Props): boolean {
  const condition = object(object(s['Condition'])['Bool']);
  const resources = list(s['Resource']).filter((r): r is string => typeof r === 'string');
  return (
    s['Effect'] === 'Deny' &&
    s['Principal'] === '*' &&
    list(s['Action']).length === 1 &&
    list(s['Action'])[0] === 's3:*' &&
    String(condition['aws:SecureTransport']) === 'false' &&
    resources.length === 2 &&
    resources[1] === `${resources[0]}/*`
  );
}

export const s3TlsOnly = stackRule(
  {
    name: 'qdp-s3-tls-only',
    controls: ['S3.5'],
    severity: 'high',
    description:
      'Every S3 bucket has a bucket policy that denies all S3 actions on the bucket and its objects over plain HTTP (aws:SecureTransport false).',
    remediationSteps:
      'Add to the bucket policy a statement: Effect Deny, Principal *, Action s3:*, Resource the bucket ARN and <ARN>/*, Condition Bool aws:SecureTransport false.',
  },
  ({ resources }, report) => {
    for (const [bucket, policy] of withOne(
      resources,
      TYPES.bucketPolicy,
      'bucket policies',
      report,
    )) {
      if (!statements(policy.props['policy']).some(deniesInsecureTransport)) {
        report(
          `bucket ${bucket.name}: the bucket policy does not deny requests without TLS`,
          bucket.urn,
        );
      }
    }
  },
);

export const s3AccessLogging = stackRule(
  {
    name: 'qdp-s3-access-logging',
    controls: ['S3.9', 'CKV_AWS_18'],
    severity: 'medium',
    description:
      'Every S3 bucket that does not itself receive logs writes server access logs to a log bucket.',
    remediationSteps:
      'Give the bucket an aws.s3.BucketLogging whose targetBucket is the platform log bucket.',
  },
  ({ resources }, report) => {
    for (const bucket of ofType(resources, TYPES.bucket)) {
      if (isLogBucket(resources, bucket)) continue;
      const logging = attached(resources, TYPES.bucketLogging, 'bucket', bucket).filter((l) =>
        ofType(resources, TYPES.bucket).some((b) => dependsOn(l, 'targetBucket', b)),
      );
      if (logging.length !== 1) {
        report(
          `bucket ${bucket.name}: ${logging.length} server access log configurations to a bucket of the stack (expected 1)`,
          bucket.urn,
        );
      }
    }
  },
);

export const s3AclsDisabled = stackRule(
  {
    name: 'qdp-s3-acls-disabled',
    controls: ['S3.12', 'CKV2_AWS_65'],
    severity: 'medium',
    description: 'Every S3 bucket has ACLs disabled (object ownership BucketOwnerEnforced).',
    remediationSteps:
      'Give the bucket an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
  },
  ({ resources }, report) => {
    for (const [bucket, controls] of withOne(
      resources,
      TYPES.bucketOwnership,
      'ownership controls',
      report,
    )) {
      const ownership = object(controls.props['rule'])['objectOwnership'];
      if (ownership !== 'BucketOwnerEnforced') {
        report(
          `bucket ${bucket.name}: object ownership ${String(ownership)} (expected BucketOwnerEnforced)`,
          bucket.urn,
        );
      }
    }
  },
);

export const s3Lifecycle = stackRule(
  {
    name: 'qdp-s3-lifecycle',
    controls: ['S3.13', 'CKV2_AWS_61', 'CKV_AWS_300'],
    severity: 'low',
    description:
      'Every S3 bucket has a lifecycle configuration with an enabled rule that aborts incomplete multipart uploads.',
    remediationSteps:
      'Give the bucket an aws.s3.BucketLifecycleConfiguration with an Enabled rule setting abortIncompleteMultipartUpload.daysAfterInitiation.',
  },
  ({ resources }, report) => {
    for (const [bucket, lifecycle] of withOne(
      resources,
      TYPES.bucketLifecycle,
      'lifecycle configurations',
      report,
    )) {
      const aborts = objects(lifecycle.props['rules']).some(
        (r) =>
          r['status'] === 'Enabled' &&
          Number(object(r['abortIncompleteMultipartUpload'])['daysAfterInitiation']) > 0,
      );
      if (!aborts) {
        report(
          `bucket ${bucket.name}: no enabled lifecycle rule aborts incomplete multipart uploads`,
          bucket.urn,
        );
      }
    }
  },
);

export const s3Versioning = stackRule(
  {
    name: 'qdp-s3-versioning',
    controls: ['S3.14', 'CKV_AWS_21'],
    severity: 'medium',
    description: 'Every S3 bucket has versioning enabled.',
    remediationSteps:
      'Give the bucket an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".',
  },
  ({ resources }, report) => {
    for (const [bucket, versioning] of withOne(
      resources,
      TYPES.bucketVersioning,
      'versioning configurations',
      report,
    )) {
      const status = object(versioning.props['versioningConfiguration'])['status'];
      if (status !== 'Enabled') {
        report(
          `bucket ${bucket.name}: versioning ${String(status)} (expected Enabled)`,
          bucket.urn,
        );
      }
    }
  },
);

export const s3KmsEncryption = stackRule(
  {
    name: 'qdp-s3-kms-encryption',
    controls: ['S3.17', 'CKV_AWS_145'],
    severity: 'high',
    description:
      'Every S3 bucket is encrypted by default with a KMS key (SSE-KMS) and an S3 bucket key; a bucket that receives logs uses SSE-S3, the one encryption log delivery supports.',
    remediationSteps:
      'Give the bucket an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms", kmsMasterKeyId the platform key and bucketKeyEnabled true.',
  },
  ({ resources }, report) => {
    for (const [bucket, config] of withOne(
      resources,
      TYPES.bucketEncryption,
      'server-side encryption configurations',
      report,
    )) {
      const logBucket = isLogBucket(resources, bucket);
      for (const rule of objects(config.props['rules'])) {
        const byDefault = object(rule['applyServerSideEncryptionByDefault']);
        const algorithm = byDefault['sseAlgorithm'];
        if (algorithm === 'AES256' && logBucket) continue;
        if (algorithm !== 'aws:kms' || !nonEmptyString(byDefault['kmsMasterKeyId'])) {
          report(
            `bucket ${bucket.name}: default encryption ${String(algorithm)}${algorithm === 'aws:kms' ? ' without a key' : ''} (expected aws:kms with the platform key)`,
            bucket.urn,
          );
        } else if (rule['bucketKeyEnabled'] !== true) {
          report(`bucket ${bucket.name}: SSE-KMS without an S3 bucket key`, bucket.urn);
        }
      }
    }
  },
);

export const s3Rules = [
  s3PublicAccessBlocked,
  s3TlsOnly,
  s3AccessLogging,
  s3AclsDisabled,
  s3Lifecycle,
  s3Versioning,
  s3KmsEncryption,
];
