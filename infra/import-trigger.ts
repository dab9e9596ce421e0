// Import trigger: the `on-upload` Lambda, called by S3 for every object that lands under `inbox/`
// (a file that is not a daily file gets an ETL_Failure message). It registers the import through the RDS Data API, stages the file as CSV under
// `staging/` and starts the Glue workflow. Failed asynchronous invocations (after Lambda's
// retries) go to a dead-letter queue (the S3 event, to replay) and to ETL_Failure (the
// invocation record with the error, to tell the administrators at once).
//
// Not in the VPC: it calls only AWS APIs (S3, RDS Data API, Secrets Manager, Glue, SNS) over
// HTTPS with its role; the Data API is an HTTPS endpoint, not a database connection. In the VPC
// it would need interface endpoints for rds-data, sns and glue (about USD 7 per endpoint and zone
// a month, with no NAT) and gain nothing: it opens no connection to anything inside.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { functionBundle } from './artifacts.ts';
import { awsContext } from './context.ts';
import { deadLetterQueue, platformFunction } from './lambda.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { isWholeInRange, ownNames, type FieldNames, refuseInvalid } from './validation.ts';
import { BUCKET_LAYOUT } from '../contracts/bucket-layout.ts';
import { DEFAULT_LIMITS } from '../contracts/daily-file.ts';
import { LAMBDA_ENV } from '../contracts/lambda.ts';

/** Long enough to hash and convert the largest accepted file (the contract's max_file_bytes). */
export const ON_UPLOAD_TIMEOUT_SECONDS = 900;
/** The streaming xlsx reader peaks at about 640 MB at 500k rows (DESIGN §11). */
export const ON_UPLOAD_MEMORY_MB = 2048;
/** What Lambda gives /tmp by default and what it allows at most (MB). */
export const LAMBDA_EPHEMERAL_STORAGE_RANGE_MB = { min: 512, max: 10_240 } as const;
/**
 * /tmp of on-upload: the landed file is kept there while it is read (up to the contract's
 * max_file_bytes, core/contract/daily-file.json), plus Lambda's default 512 MB for the rest (the
 * staged CSV is streamed to S3, not written there).
 */
export const ON_UPLOAD_EPHEMERAL_STORAGE_MB = ephemeralStorageFor(DEFAULT_LIMITS.maxFileBytes);

/** The /tmp size (MB) for files up to `maxFileBytes`; fails beyond what Lambda allows. */
export function ephemeralStorageFor(maxFileBytes: number): number {
  const mb = Math.ceil(maxFileBytes / 2 ** 20) + LAMBDA_EPHEMERAL_STORAGE_RANGE_MB.min;
  if (mb > LAMBDA_EPHEMERAL_STORAGE_RANGE_MB.max) {
    throw new Error(
      `on-upload: max_file_bytes ${maxFileBytes} needs ${mb} MB of /tmp; Lambda allows at most ${LAMBDA_EPHEMERAL_STORAGE_RANGE_MB.max} MB`,
    );
  }
  return mb;
}
/** Lambda retries a failed asynchronous invocation this many times. */
export const ON_UPLOAD_RETRY_ATTEMPTS = 2;

/** @internal The trigger's physical names. */
export function importTriggerNames(name: string): { functionName: string; queueName: string } {
  return {
    functionName: physicalName('lambda', name, 'on-upload'),
    queueName: physicalName('queue', name, 'on-upload-dlq'),
  };
}

export interface ImportTriggerArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** The landing bucket: its name (id) and ARN. */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  databaseClusterArn: pulumi.Input<string>;
  databaseSecretArn: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  glueWorkflowName: pulumi.Input<string>;
  glueWorkflowArn: pulumi.Input<string>;
  failureTopicArn: pulumi.Input<string>;
  /** @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Concurrent executions reserved for (and allowed to) on-upload: a flood of uploads cannot take
   * the account's whole concurrency, nor open more Data API sessions than this. @default 5
   */
  reservedConcurrency?: number;
  /**
   * The bundle directory. @default functions/on-upload bundled (or the package's bundle)
   */
  bundleDir?: Promise<string> | string;
}

/** The most concurrent executions `reservedConcurrency` may reserve. */
export const MAX_ON_UPLOAD_RESERVED_CONCURRENCY = 100;

/** @internal Every problem with an ImportTrigger's arguments, each naming its field (`names`); pure. */
export function validateImportTriggerArgs(
  args: Pick<ImportTriggerArgs, 'reservedConcurrency'>,
  names: FieldNames<'reservedConcurrency'> = ownNames(['reservedConcurrency']),
): string[] {
  const concurrency = args.reservedConcurrency;
  return concurrency !== undefined &&
    !isWholeInRange(concurrency, 1, MAX_ON_UPLOAD_RESERVED_CONCURRENCY)
    ? [
        `${names.reservedConcurrency}: ${concurrency} must be a whole number from 1 to ${MAX_ON_UPLOAD_RESERVED_CONCURRENCY}`,
      ]
    : [];
}

export class ImportTrigger extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  readonly deadLetterQueueName: pulumi.Output<string>;

  constructor(name: string, args: ImportTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('ImportTrigger', name, validateImportTriggerArgs(args));
    super('quarantine:trigger:ImportTrigger', name, {}, opts);
    const { accountId } = awsContext(this);
    const names = importTriggerNames(name);

    const queue = deadLetterQueue(`${name}-on-upload-dlq`, names.queueName, args.kmsKeyArn, this);
    const { fn } = platformFunction(
      `${name}-on-upload`,
      {
        functionName: names.functionName,
        description: 'Registers each daily file landed under inbox/ and starts its Glue workflow',
        bundleDir: args.bundleDir ?? functionBundle('on-upload'),
        environment: {
          [LAMBDA_ENV.databaseClusterArn]: args.databaseClusterArn,
          [LAMBDA_ENV.databaseSecretArn]: args.databaseSecretArn,
          [LAMBDA_ENV.databaseName]: args.databaseName,
          [LAMBDA_ENV.failureTopicArn]: args.failureTopicArn,
          [LAMBDA_ENV.glueWorkflowName]: args.glueWorkflowName,
        },
        kmsKeyArn: args.kmsKeyArn,
        logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
        timeoutSeconds: ON_UPLOAD_TIMEOUT_SECONDS,
        memoryMb: ON_UPLOAD_MEMORY_MB,
        ephemeralStorageMb: ON_UPLOAD_EPHEMERAL_STORAGE_MB,
        deadLetterQueueArn: queue.arn,
        reservedConcurrency: args.reservedConcurrency ?? DEFAULTS.onUploadReservedConcurrency,
        statements: [
          {
            Sid: 'ReadInbox',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: pulumi.interpolate`${args.bucketArn}/${BUCKET_LAYOUT.inbox}*`,
          },
          {
            Sid: 'WriteStaging',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
            Resource: pulumi.interpolate`${args.bucketArn}/${BUCKET_LAYOUT.staging}*`,
          },
          {
            Sid: 'PlatformKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: args.kmsKeyArn,
          },
          {
            Sid: 'DataApi',
            Effect: 'Allow',
            Action: [
              'rds-data:ExecuteStatement',
              'rds-data:BatchExecuteStatement',
              'rds-data:BeginTransaction',
              'rds-data:CommitTransaction',
              'rds-data:RollbackTransaction',
            ],
            Resource: args.databaseClusterArn,
          },
          {
            Sid: 'DatabaseSecret',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue'],
            Resource: args.databaseSecretArn,
          },
          {
            Sid: 'StartWorkflow',
            Effect: 'Allow',
            Action: ['glue:StartWorkflowRun', 'glue:PutWorkflowRunProperties'],
            Resource: args.glueWorkflowArn,
          },
          {
            Sid: 'FailureTopic',
            Effect: 'Allow',
            Action: ['sns:Publish'],
            Resource: args.failureTopicArn,
          },
        ],
      },
      this,
    );
    new aws.lambda.FunctionEventInvokeConfig(
      `${name}-on-upload`,
      {
        functionName: fn.name,
        maximumRetryAttempts: ON_UPLOAD_RETRY_ATTEMPTS,
        maximumEventAgeInSeconds: 6 * 3600,
        destinationConfig: { onFailure: { destination: args.failureTopicArn } },
      },
      { parent: this },
    );
    const permission = new aws.lambda.Permission(
      `${name}-on-upload-s3`,
      {
        function: fn.name,
        action: 'lambda:InvokeFunction',
        principal: 's3.amazonaws.com',
        sourceArn: args.bucketArn,
        sourceAccount: accountId,
      },
      { parent: this },
    );
    new aws.s3.BucketNotification(
      `${name}-landing`,
      {
        bucket: args.bucketName,
        // Every object under inbox/: which are daily files is decided once, by the function (any
        // letter case, which S3's case-sensitive suffix filters cannot say), and another file
        // ends in an ETL_Failure message naming it instead of silence.
        lambdaFunctions: [
          {
            lambdaFunctionArn: fn.arn,
            events: ['s3:ObjectCreated:*'],
            filterPrefix: BUCKET_LAYOUT.inbox,
          },
        ],
      },
      // S3 checks that it may invoke the function when the notification is saved.
      { parent: this, dependsOn: [permission] },
    );

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.deadLetterQueueArn = queue.arn;
    this.deadLetterQueueName = queue.name;
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      deadLetterQueueArn: this.deadLetterQueueArn,
    });
  }
}
