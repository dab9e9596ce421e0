// One way to declare an S3 bucket of the platform, with every S3 control of the security baseline
// (SECURITY-BASELINE.md: S3.2/3/8 public access blocked, S3.5 TLS-only policy, S3.9 access logs,
// S3.12 ACLs disabled, S3.13 lifecycle with incomplete uploads aborted, S3.14 versioning, S3.17
// SSE-KMS with a bucket key). The landing bucket and the log bucket are both configured here.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyDocument, type Statement } from './context.ts';
import { ABORT_INCOMPLETE_UPLOAD_DAYS } from './defaults.ts';

/** A lifecycle rule: which objects, when they expire, when their older versions do. */
export interface BucketExpiry {
  id: string;
  /** Key prefix; `''` for every object. */
  prefix: string;
  /** Days after which the current version expires. */
  days: pulumi.Input<number>;
  /** Days after which a noncurrent version is deleted. */
  noncurrentDays: pulumi.Input<number>;
}

export interface HardenedBucketArgs {
  /**
   * SSE-KMS with this key and a bucket key. Without it, SSE-S3: only for a bucket that receives
   * S3 server access logs or load balancer access logs, the one encryption their delivery supports.
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Where this bucket's server access logs go (S3.9). Only the log bucket itself has none. */
  accessLogs?: { bucket: pulumi.Input<string>; prefix: string };
  /** Expiry rules; each also aborts incomplete multipart uploads (S3.13). */
  expiry: BucketExpiry[];
  /** Statements added to the bucket policy after the TLS-only deny. */
  statements?: (bucketArn: pulumi.Output<string>) => Statement[];
}

/** A bucket policy statement refusing every request not made over TLS (S3.5). */
export function tlsOnly(bucketArn: pulumi.Input<string>): Statement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * @internal The configuration resources of a bucket declared by the caller (when two buckets
 * refer to each other: the log bucket's policy names the bucket it logs), named `resourceName`.
 */
export function hardenBucket(
  resourceName: string,
  bucket: aws.s3.Bucket,
  args: HardenedBucketArgs,
  parent: pulumi.Resource,
): void {
  const opts = { parent };
  new aws.s3.BucketOwnershipControls(
    resourceName,
    { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    resourceName,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    resourceName,
    {
      bucket: bucket.id,
      rules: [
        args.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: 'aws:kms',
                kmsMasterKeyId: args.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            },
      ],
    },
    opts,
  );
  new aws.s3.BucketVersioning(
    resourceName,
    { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
    opts,
  );
  if (args.accessLogs !== undefined) {
    new aws.s3.BucketLogging(
      resourceName,
      {
        bucket: bucket.id,
        targetBucket: args.accessLogs.bucket,
        targetPrefix: args.accessLogs.prefix,
      },
      opts,
    );
  }
  new aws.s3.BucketLifecycleConfiguration(
    resourceName,
    {
      bucket: bucket.id,
      rules: args.expiry.map((rule) => ({
        id: rule.id,
        status: 'Enabled',
        filter: rule.prefix === '' ? {} : { prefix: rule.prefix },
        expiration: { days: rule.days },
        noncurrentVersionExpiration: { noncurrentDays: rule.noncurrentDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
      })),
    },
    opts,
  );
  new aws.s3.BucketPolicy(
    resourceName,
    {
      bucket: bucket.id,
      policy: policyDocument([tlsOnly(bucket.arn), ...(args.statements?.(bucket.arn) ?? [])]),
    },
    // S3 refuses a policy with a public statement while the block is being set; order them.
    { parent, dependsOn: [publicAccess] },
  );
}
