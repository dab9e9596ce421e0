// SNS topics and SQS queues: keys, delivery status, who may use them.
import {
  dependsOn,
  forType,
  kind,
  list,
  nonEmptyString,
  object,
  ofType,
  resourceRule,
  sid,
  stackRule,
  statements,
  TYPES,
  type Props,
} from './support.ts';

export const snsEncrypted = resourceRule(
  {
    name: 'qdp-sns-encrypted',
    controls: ['SNS.1', 'CKV_AWS_26'],
    severity: 'medium',
    description:
      'Every SNS topic is encrypted with a customer-managed KMS key (CloudWatch alarms cannot publish with the AWS-managed alias/aws/sns).',
    remediationSteps: 'Set kmsMasterKeyId to the platform key.',
  },
  forType(TYPES.topic, (props, args, report) => {
    const key = props['kmsMasterKeyId'];
    if (!nonEmptyString(key)) report(`topic ${args.name}: not encrypted (kmsMasterKeyId missing)`);
    else if (key === 'alias/aws/sns') {
      report(
        `topic ${args.name}: the AWS-managed key alias/aws/sns (CloudWatch alarms cannot publish with it)`,
      );
    }
  }),
);

export const sqsEncrypted = resourceRule(
  {
    name: 'qdp-sqs-encrypted',
    controls: ['SQS.1', 'CKV_AWS_27'],
    severity: 'medium',
    description: 'Every SQS queue is encrypted with a customer-managed KMS key.',
    remediationSteps: 'Set kmsMasterKeyId to the platform key.',
  },
  forType(TYPES.queue, (props, args, report) => {
    const key = props['kmsMasterKeyId'];
    if (!nonEmptyString(key) || key === 'alias/aws/sqs') {
      report(`SQS queue ${args.name}: not encrypted with a customer-managed key (kmsMasterKeyId)`);
    }
  }),
);

/** Subscription protocols whose delivery status SNS can log, and the topic input for each. */
export const DELIVERY_STATUS_PROTOCOLS: Record<string, string> = {
  http: 'httpFailureFeedbackRoleArn',
  https: 'httpFailureFeedbackRoleArn',
  sqs: 'sqsFailureFeedbackRoleArn',
  lambda: 'lambdaFailureFeedbackRoleArn',
  firehose: 'firehoseFailureFeedbackRoleArn',
  application: 'applicationFailureFeedbackRoleArn',
};

export const snsDeliveryStatusLogging = stackRule(
  {
    name: 'qdp-sns-delivery-status-logging',
    controls: ['SNS.2'],
    severity: 'low',
    description:
      'Every SNS topic logs the delivery status of its subscriptions whose protocol supports it (HTTP/S, SQS, Lambda, Firehose, applications; not email).',
    remediationSteps:
      'Set <protocol>SuccessFeedbackRoleArn, <protocol>FailureFeedbackRoleArn (a role that may write to CloudWatch Logs) and <protocol>SuccessFeedbackSampleRate on the topic.',
  },
  ({ resources }, report) => {
    for (const topic of ofType(resources, TYPES.topic)) {
      const subscriptions = ofType(resources, TYPES.subscription).filter(
        (s) => dependsOn(s, 'topic', topic) || s.props['topic'] === topic.props['arn'],
      );
      const protocols = [...new Set(subscriptions.map((s) => String(s.props['protocol'])))];
      for (const protocol of protocols) {
        const input = DELIVERY_STATUS_PROTOCOLS[protocol];
        if (input !== undefined && !nonEmptyString(topic.props[input])) {
          report(
            `topic ${topic.name}: delivery status of ${protocol} subscriptions not logged (${input})`,
            topic.urn,
          );
        }
      }
    }
  },
);

/** Conditions that tie an Allow for everyone to one source (an account, a resource, an org). */
const SOURCE_CONDITION_KEYS = [
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:SourceOwner',
  'aws:PrincipalAccount',
  'aws:PrincipalOrgID',
  'aws:SourceVpc',
  'aws:SourceVpce',
];

function conditionKeys(statement: Props): string[] {
  return Object.values(object(statement['Condition'])).flatMap((c) => Object.keys(object(c)));
}

/** The account of an ARN (`arn:aws:sns:eu-south-1:123456789012:topic`), or undefined. */
function accountOf(arn: unknown): string | undefined {
  return typeof arn === 'string' ? /^arn:[^:]+:[^:]*:[^:]*:([0-9]{12})/.exec(arn)?.[1] : undefined;
}

/** Why a statement opens the topic or queue to the public or another account, or undefined. */
export function openStatement(s: Props): string | undefined {
  if (s['Effect'] !== 'Allow') return undefined;
  const principal = s['Principal'];
  const aws = list(object(principal)['AWS']);
  const everyone = principal === '*' || aws.includes('*');
  if (everyone && !conditionKeys(s).some((k) => SOURCE_CONDITION_KEYS.includes(k))) {
    return 'allows everyone without a source condition';
  }
  const own = list(s['Resource'])
    .map(accountOf)
    .find((a) => a !== undefined);
  const other = aws.map(accountOf).find((a) => a !== undefined && own !== undefined && a !== own);
  return other === undefined ? undefined : `allows account ${other}`;
}

export const snsSqsNoPublicPolicy = resourceRule(
  {
    name: 'qdp-sns-sqs-no-public-policy',
    controls: ['SNS.4', 'SQS.3', 'CKV_AWS_169'],
    severity: 'critical',
    description:
      'No SNS topic or SQS queue policy allows everyone (without a condition naming the source) or another account.',
    remediationSteps:
      'Grant the AWS service principal that publishes (cloudwatch.amazonaws.com, events.amazonaws.com…) with an aws:SourceAccount or aws:SourceArn condition.',
  },
  (args, report) => {
    const types: string[] = [TYPES.topicPolicy, TYPES.queuePolicy, TYPES.topic, TYPES.queue];
    if (!types.includes(args.type)) return;
    for (const s of statements(args.props['policy'])) {
      const why = openStatement(s);
      if (why !== undefined) report(`${kind(args.type)} ${args.name}${sid(s)}: ${why}`);
    }
  },
);

export const messagingRules = [
  snsEncrypted,
  sqsEncrypted,
  snsDeliveryStatusLogging,
  snsSqsNoPublicPolicy,
];
