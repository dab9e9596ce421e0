// One way to declare the platform's Lambda functions: the bundle as an archive (never a serialized
// closure), Node.js 22, its own log group (retention, platform key, JSON logs), its own role with
// exactly the statements the function needs, environment variables encrypted with the platform key,
// X-Ray tracing active.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsContext, policyDocument, serviceTrust, type Statement } from './context.ts';
import { LAMBDA_RUNTIME } from '../contracts/lambda.ts';

/** The runtime of every function (contracts/lambda.ts: the bundler builds for the same). */
export { LAMBDA_RUNTIME };
/** The handler of every bundle: index.mjs exports `handler`. */
export const LAMBDA_HANDLER = 'index.handler';
/** Graviton: cheaper per GB-second; the bundles are plain JavaScript. */
export const LAMBDA_ARCHITECTURE = 'arm64';

/**
 * The statement a function in a VPC needs for its network interfaces. AWS requires `*` as the
 * resource for these actions (they act on interfaces that do not exist yet).
 */
export const VPC_NETWORK_INTERFACE_STATEMENT: Statement = {
  Sid: 'VpcNetworkInterfaces',
  Effect: 'Allow',
  Action: [
    'ec2:CreateNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSubnets',
    'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses',
    'ec2:UnassignPrivateIpAddresses',
  ],
  Resource: '*',
};

/** Days a dead-letter queue keeps an event (SQS's maximum). */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The dead-letter queue of a function invoked asynchronously (its failed events, kept
 * DEAD_LETTER_RETENTION_SECONDS, on the platform key), a child of `parent` named `<resourceName>`.
 */
export function deadLetterQueue(
  resourceName: string,
  queueName: string,
  kmsKeyArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.sqs.Queue {
  return new aws.sqs.Queue(
    resourceName,
    {
      name: queueName,
      kmsMasterKeyId: kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
    },
    { parent },
  );
}

export interface PlatformFunctionArgs {
  /** The function's physical name (`<name>-<function>`). */
  functionName: string;
  description: string;
  /** The bundle directory (a Promise while it is being built). */
  bundleDir: Promise<string> | string;
  environment: Record<string, pulumi.Input<string>>;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: pulumi.Input<number>;
  /** What the function may do besides writing its logs. */
  statements: Statement[];
  timeoutSeconds: number;
  memoryMb: number;
  /** Size of /tmp (512–10240 MB). @default undefined (Lambda's 512 MB) */
  ephemeralStorageMb?: number;
  /** Private subnets and security groups: the function then runs in the VPC. */
  vpc?: {
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<string>[];
  };
  /** An SQS queue for the events of failed asynchronous invocations. */
  deadLetterQueueArn?: pulumi.Input<string>;
  /** Concurrent executions reserved (and allowed). @default undefined (unreserved) */
  reservedConcurrency?: number;
}

export interface PlatformFunction {
  fn: aws.lambda.Function;
  role: aws.iam.Role;
  logGroup: aws.cloudwatch.LogGroup;
}

/** Declares a function, its role and its log group as children of `parent`, named `<resourceName>`. */
export function platformFunction(
  resourceName: string,
  args: PlatformFunctionArgs,
  parent: pulumi.Resource,
): PlatformFunction {
  const logGroup = new aws.cloudwatch.LogGroup(
    resourceName,
    {
      name: `/aws/lambda/${args.functionName}`,
      retentionInDays: args.logRetentionDays,
      kmsKeyId: args.kmsKeyArn,
    },
    { parent },
  );
  const role = new aws.iam.Role(
    resourceName,
    { assumeRolePolicy: serviceTrust('lambda.amazonaws.com') },
    { parent },
  );
  const statements: Statement[] = [
    {
      Sid: 'OwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: pulumi.interpolate`${logGroup.arn}:*`,
    },
    {
      Sid: 'EnvironmentKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: args.kmsKeyArn,
    },
    ...args.statements,
    ...(args.deadLetterQueueArn === undefined
      ? []
      : [
          {
            Sid: 'DeadLetterQueue',
            Effect: 'Allow' as const,
            Action: ['sqs:SendMessage'],
            Resource: args.deadLetterQueueArn,
          },
        ]),
    ...(args.vpc === undefined ? [] : [VPC_NETWORK_INTERFACE_STATEMENT]),
  ];
  const policy = new aws.iam.RolePolicy(
    resourceName,
    { role: role.id, policy: policyDocument(statements) },
    { parent },
  );
  // X-Ray (CKV_AWS_50): AWS's managed write-only policy, as its actions take no resource.
  const { partition } = awsContext(parent);
  const tracing = new aws.iam.RolePolicyAttachment(
    `${resourceName}-xray`,
    {
      role: role.name,
      policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AWSXRayDaemonWriteAccess`,
    },
    { parent },
  );
  const fn = new aws.lambda.Function(
    resourceName,
    {
      name: args.functionName,
      description: args.description,
      role: role.arn,
      runtime: LAMBDA_RUNTIME,
      handler: LAMBDA_HANDLER,
      architectures: [LAMBDA_ARCHITECTURE],
      code: new pulumi.asset.FileArchive(args.bundleDir),
      timeout: args.timeoutSeconds,
      memorySize: args.memoryMb,
      ...(args.ephemeralStorageMb === undefined
        ? {}
        : { ephemeralStorage: { size: args.ephemeralStorageMb } }),
      kmsKeyArn: args.kmsKeyArn,
      environment: { variables: args.environment },
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
      tracingConfig: { mode: 'Active' },
      ...(args.vpc === undefined
        ? {}
        : {
            vpcConfig: {
              subnetIds: args.vpc.subnetIds,
              securityGroupIds: args.vpc.securityGroupIds,
            },
          }),
      ...(args.deadLetterQueueArn === undefined
        ? {}
        : { deadLetterConfig: { targetArn: args.deadLetterQueueArn } }),
      ...(args.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: args.reservedConcurrency }),
    },
    // The role must carry its permissions before the function first runs.
    { parent, dependsOn: [policy, tracing] },
  );
  return { fn, role, logGroup };
}
