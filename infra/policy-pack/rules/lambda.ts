// Lambda functions and who may invoke them.
import type { PolicyResource } from '@pulumi/policy';
import {
  dependsOn,
  forType,
  list,
  nonEmptyString,
  object,
  ofType,
  resourceRule,
  stackRule,
  TYPES,
  unwrap,
} from './support.ts';

export const lambdaNoPublicInvoke = resourceRule(
  {
    name: 'qdp-lambda-no-public-invoke',
    controls: ['Lambda.1', 'CKV_AWS_301', 'CKV_AWS_258'],
    severity: 'critical',
    description:
      'No Lambda function may be invoked by anyone: no permission for the principal *, every permission for an AWS service names the source ARN, no function URL without IAM authentication.',
    remediationSteps:
      'Grant aws.lambda.Permission to the service principal with sourceArn (and sourceAccount); give function URLs authorizationType "AWS_IAM".',
  },
  forType(TYPES.permission, (props, args, report) => {
    const principal = String(props['principal']);
    if (principal === '*') report(`Lambda permission ${args.name}: anyone may invoke`);
    else if (principal.endsWith('.amazonaws.com') && !nonEmptyString(props['sourceArn'])) {
      report(
        `Lambda permission ${args.name}: ${principal} may invoke from any source (sourceArn missing)`,
      );
    }
  }),
  forType(TYPES.functionUrl, (props, args, report) => {
    if (props['authorizationType'] !== 'AWS_IAM') {
      report(
        `Lambda function URL ${args.name}: authorization ${String(props['authorizationType'])} (expected AWS_IAM)`,
      );
    }
  }),
);

/** Node.js runtimes we accept: 22 and later. */
const NODE_RUNTIME = /^nodejs(2[2-9]|[3-9][0-9])\.x$/;

export const lambdaRuntime = resourceRule(
  {
    name: 'qdp-lambda-runtime',
    controls: ['Lambda.2', 'CKV_AWS_363'],
    severity: 'medium',
    description: 'Every Lambda function runs a supported Node.js runtime (nodejs22.x or later).',
    remediationSteps: 'Set runtime "nodejs22.x" (or a later supported Node.js runtime).',
  },
  forType(TYPES.function, (props, args, report) => {
    if (typeof props['runtime'] !== 'string' || !NODE_RUNTIME.test(props['runtime'])) {
      report(
        `Lambda function ${args.name}: runtime ${String(props['runtime'])} (expected nodejs22.x or later)`,
      );
    }
  }),
);

export const lambdaMultiZone = resourceRule(
  {
    name: 'qdp-lambda-vpc-multi-zone',
    controls: ['Lambda.5'],
    severity: 'medium',
    description:
      'A Lambda function in a VPC runs in at least two subnets (two availability zones).',
    remediationSteps: 'Give vpcConfig.subnetIds private subnets in two or more availability zones.',
  },
  forType(TYPES.function, (props, args, report) => {
    const vpc = props['vpcConfig'];
    if (vpc === undefined || vpc === null) return;
    const subnets = list(object(vpc)['subnetIds']);
    if (subnets.length < 2) {
      report(
        `Lambda function ${args.name}: in ${subnets.length} subnet(s) of a VPC (expected 2 or more)`,
      );
    }
  }),
);

export const lambdaTracing = resourceRule(
  {
    name: 'qdp-lambda-tracing',
    controls: ['CKV_AWS_50'],
    severity: 'low',
    description: 'Every Lambda function has AWS X-Ray tracing active.',
    remediationSteps:
      'Set tracingConfig.mode "Active" (and allow xray:PutTraceSegments in its role).',
  },
  forType(TYPES.function, (props, args, report) => {
    const mode = object(props['tracingConfig'])['mode'];
    if (mode !== 'Active') {
      report(`Lambda function ${args.name}: tracing ${String(mode ?? 'off')} (expected Active)`);
    }
  }),
);

export const lambdaEnvironmentKey = resourceRule(
  {
    name: 'qdp-lambda-environment-key',
    controls: ['CKV_AWS_173'],
    severity: 'medium',
    description:
      "Every Lambda function's environment is encrypted with a customer-managed KMS key.",
    remediationSteps: 'Set kmsKeyArn to the platform key.',
  },
  forType(TYPES.function, (props, args, report) => {
    if (!nonEmptyString(props['kmsKeyArn'])) {
      report(
        `Lambda function ${args.name}: environment not encrypted with a customer-managed key (kmsKeyArn)`,
      );
    }
  }),
);

/** Variable names that announce a secret, and values that are credentials whatever their name. */
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const CREDENTIAL_VALUE = /(A3T[A-Z0-9]|AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Why a variable looks like it carries a secret, or undefined. */
export function secretInVariable(name: string, value: unknown): string | undefined {
  const text = String(unwrap(value));
  if (CREDENTIAL_VALUE.test(text)) return 'holds a credential';
  if (!SECRET_NAME.test(name)) return undefined;
  if (/_ARN$/i.test(name)) return text.startsWith('arn:') ? undefined : 'is not an ARN';
  if (/_(NAME|ID)$/i.test(name)) return undefined;
  return 'is named as a secret (pass its ARN in a variable ending in _ARN)';
}

export const lambdaNoSecretsInEnvironment = resourceRule(
  {
    name: 'qdp-lambda-no-secrets-in-environment',
    controls: ['CKV_AWS_45'],
    severity: 'high',
    description:
      'No Lambda environment variable holds a secret: only the ARN or name of the secret (variables ending in _ARN, _NAME or _ID), which the function reads from Secrets Manager.',
    remediationSteps:
      'Store the secret in Secrets Manager and pass its ARN (a variable ending in _ARN); the function reads it with its role.',
  },
  forType(TYPES.function, (props, args, report) => {
    const variables = object(object(props['environment'])['variables']);
    for (const [name, value] of Object.entries(variables)) {
      const why = secretInVariable(name, value);
      if (why !== undefined) report(`Lambda function ${args.name}: variable ${name} ${why}`);
    }
  }),
);

export const lambdaOwnLogGroup = resourceRule(
  {
    name: 'qdp-lambda-own-log-group',
    controls: [],
    severity: 'low',
    description:
      'Every Lambda function logs to a log group of its own (retention and key set by the platform).',
    remediationSteps: 'Set loggingConfig.logGroup to a log group declared with the function.',
  },
  forType(TYPES.function, (props, args, report) => {
    if (!nonEmptyString(object(props['loggingConfig'])['logGroup'])) {
      report(`Lambda function ${args.name}: no log group of its own (loggingConfig.logGroup)`);
    }
  }),
);

/** Services that invoke a function asynchronously (the event is queued, retried, then lost). */
const ASYNCHRONOUS_INVOKERS = ['s3.amazonaws.com', 'events.amazonaws.com', 'sns.amazonaws.com'];

/** The permissions that name `fn` (its name, or an Output of it). */
function permissionsOf(resources: PolicyResource[], fn: PolicyResource): PolicyResource[] {
  return ofType(resources, TYPES.permission).filter(
    (p) =>
      (nonEmptyString(fn.props['name']) && p.props['function'] === fn.props['name']) ||
      dependsOn(p, 'function', fn),
  );
}

/** The principals that may invoke `fn`. */
function invokers(resources: PolicyResource[], fn: PolicyResource): string[] {
  return permissionsOf(resources, fn).map((p) => String(p.props['principal']));
}

/** Whether an alarm watches the queue (by its name in the alarm's dimensions). */
function alarmed(resources: PolicyResource[], queue: PolicyResource): boolean {
  return ofType(resources, TYPES.metricAlarm).some(
    (alarm) =>
      dependsOn(alarm, 'dimensions', queue) ||
      (nonEmptyString(queue.props['name']) &&
        object(alarm.props['dimensions'])['QueueName'] === queue.props['name']),
  );
}

export const lambdaFailureDestination = stackRule(
  {
    name: 'qdp-lambda-failure-destination',
    controls: ['CKV_AWS_116'],
    severity: 'medium',
    description:
      'Every Lambda function invoked asynchronously (by S3, EventBridge or SNS) keeps the events it could not process in a dead-letter queue or an on-failure destination, and a dead-letter queue is watched by an alarm.',
    remediationSteps:
      'Set deadLetterConfig.targetArn to an SQS queue with a CloudWatch alarm on ApproximateNumberOfMessagesVisible, or an aws.lambda.FunctionEventInvokeConfig with destinationConfig.onFailure.',
  },
  ({ resources }, report) => {
    for (const fn of ofType(resources, TYPES.function)) {
      const asynchronous = invokers(resources, fn).filter((p) => ASYNCHRONOUS_INVOKERS.includes(p));
      if (asynchronous.length === 0) continue;
      const deadLetters = object(fn.props['deadLetterConfig'])['targetArn'];
      const onFailure = ofType(resources, TYPES.eventInvokeConfig).some(
        (c) =>
          (c.props['functionName'] === fn.props['name'] || dependsOn(c, 'functionName', fn)) &&
          nonEmptyString(object(object(c.props['destinationConfig'])['onFailure'])['destination']),
      );
      if (!nonEmptyString(deadLetters) && !onFailure) {
        report(
          `Lambda function ${fn.name}: invoked by ${[...new Set(asynchronous)].join(', ')} without a dead-letter queue or on-failure destination`,
          fn.urn,
        );
        continue;
      }
      const queues = ofType(resources, TYPES.queue).filter(
        (q) =>
          dependsOn(fn, 'deadLetterConfig', q) ||
          (nonEmptyString(deadLetters) && q.props['arn'] === deadLetters),
      );
      for (const queue of queues) {
        if (!alarmed(resources, queue)) {
          report(
            `Lambda function ${fn.name}: its dead-letter queue ${queue.name} has no alarm`,
            fn.urn,
          );
        }
      }
    }
  },
);

export const lambdaReservedConcurrency = stackRule(
  {
    name: 'qdp-lambda-reserved-concurrency',
    controls: ['CKV_AWS_115'],
    severity: 'low',
    description:
      'Every Lambda function that S3 invokes (a flood of uploads could starve the account) has reserved concurrency.',
    remediationSteps:
      'Set reservedConcurrentExecutions (the component argument for on-upload) to a positive number.',
  },
  ({ resources }, report) => {
    for (const fn of ofType(resources, TYPES.function)) {
      if (!invokers(resources, fn).includes('s3.amazonaws.com')) continue;
      const reserved = Number(fn.props['reservedConcurrentExecutions']);
      if (!(reserved > 0)) {
        report(
          `Lambda function ${fn.name}: invoked by S3 without reserved concurrency (reservedConcurrentExecutions ${String(fn.props['reservedConcurrentExecutions'])})`,
          fn.urn,
        );
      }
    }
  },
);

export const lambdaRules = [
  lambdaNoPublicInvoke,
  lambdaRuntime,
  lambdaMultiZone,
  lambdaTracing,
  lambdaEnvironmentKey,
  lambdaNoSecretsInEnvironment,
  lambdaOwnLogGroup,
  lambdaFailureDestination,
  lambdaReservedConcurrency,
];
