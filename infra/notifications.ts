// Notifications (DESIGN §8): the ETL_Success and ETL_Failure topics (KMS-encrypted, email
// subscriptions, delivery-status logging), the `notify` Lambda that EventBridge calls when this
// instance's Glue jobs and crawler finish and that Scheduler calls at the import deadline. Declared
// early: the import trigger publishes to ETL_Failure. The alarms that watch all of this, and the
// dashboard, are Monitoring's (monitoring.ts), declared last from the real resources.
//
// The import deadline ("no import published by HH:MM in the authority's time zone"): CloudWatch
// alarms have no clock, so the hour is kept by an EventBridge Scheduler schedule whose cron runs
// in `timeZone` (Scheduler resolves the local time every day, so summer time is followed). At
// HH:MM it calls notify, which puts the metric ImportDeadlineMissed: 1 when no import has been
// published since local midnight, else 0 (a later publication puts 0 again). Monitoring's alarm
// watches the day's maximum.
import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { functionBundle } from './artifacts.ts';
import { awsContext, policyDocument, serviceTrust } from './context.ts';
import { deadLetterQueue, platformFunction } from './lambda.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { known, ownNames, type FieldNames, refuseInvalid } from './validation.ts';
import { DEADLINE_METRIC, LAMBDA_ENV } from '../contracts/lambda.ts';
import { GLUE_CRAWLER_FAILED_STATES, GLUE_JOB_FAILED_STATES } from '../contracts/glue.ts';

/** The namespace of the platform's own CloudWatch metrics. */
export const METRIC_NAMESPACE = DEADLINE_METRIC.namespace;
/** 1 when the deadline check finds no import published today by the deadline, else 0. */
export const DEADLINE_METRIC_NAME = DEADLINE_METRIC.name;
export const NOTIFY_TIMEOUT_SECONDS = 60;
export const NOTIFY_MEMORY_MB = 256;
/** What the deadline schedule sends notify (notify dispatches on `detail-type`). */
export const DEADLINE_CHECK_EVENT = {
  source: 'quarantine.deadline',
  'detail-type': 'Scheduled Event',
  detail: { check: 'import-deadline' },
};
/** Glue states that end a job run badly, and those of a crawler. */
export { GLUE_CRAWLER_FAILED_STATES, GLUE_JOB_FAILED_STATES };
/** Share of successful deliveries whose status SNS logs (failures are always logged). */
export const SNS_SUCCESS_SAMPLE_PERCENT = 100;
/** The subscription protocols whose delivery status SNS can log (email is not one of them). */
export const SNS_LOGGED_PROTOCOLS = ['lambda', 'sqs', 'http', 'firehose', 'application'] as const;
/** The former type token of Notifications (when it also held the alarms): existing stacks keep their resources. */
export const FORMER_ALERTS_TYPE = 'quarantine:alerts:Alerts';

/** `HH:MM` → the Scheduler cron expression that fires at that minute every day. */
export function deadlineCron(deadline: string): string {
  const [hours, minutes] = deadline.split(':').map(Number);
  return `cron(${minutes} ${hours} * * ? *)`;
}

export interface NotificationsArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** Subscribed to both topics. @default [] */
  alertEmails?: string[];
  /** `HH:MM`. @default "10:00" */
  importDeadline?: pulumi.Input<string>;
  /** IANA zone. @default "Europe/Rome" */
  timeZone?: pulumi.Input<string>;
  /**
   * The `notify` function and what it reads (the Data API); with it come the Glue rules and the
   * deadline schedule. @default undefined (topics only)
   */
  notify?: {
    databaseClusterArn: pulumi.Input<string>;
    databaseSecretArn: pulumi.Input<string>;
    databaseName: pulumi.Input<string>;
    /** This instance's Glue workflow, jobs and crawler (the Etl component's outputs). */
    glueWorkflowName: pulumi.Input<string>;
    glueJobNames: pulumi.Input<string>[];
    glueCrawlerName: pulumi.Input<string>;
    /** @default functions/notify bundled (or the package's bundle) */
    bundleDir?: Promise<string> | string;
  };
  /** Days notify's logs (and the topics' delivery logs) are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HH_MM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** The fields of `NotificationsArgs` that `validateNotificationsArgs` checks. */
const NOTIFICATIONS_VALIDATED = ['alertEmails', 'importDeadline', 'timeZone'] as const;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

/**
 * @internal Every problem with a Notifications' arguments, each naming its field (`names`); pure,
 * Outputs unchecked.
 */
export function validateNotificationsArgs(
  args: Pick<NotificationsArgs, (typeof NOTIFICATIONS_VALIDATED)[number]>,
  names: FieldNames<(typeof NOTIFICATIONS_VALIDATED)[number]> = ownNames(NOTIFICATIONS_VALIDATED),
): string[] {
  const problems: string[] = [];
  const emails = args.alertEmails ?? DEFAULTS.alertEmails;
  emails.forEach((email, i) => {
    if (!EMAIL.test(email))
      problems.push(`${names.alertEmails}[${i}]: "${email}" is not an email address`);
    else if (emails.indexOf(email) !== i)
      problems.push(`${names.alertEmails}[${i}]: "${email}" is listed more than once`);
  });
  const deadline = known(args.importDeadline);
  if (deadline !== undefined && !HH_MM.test(deadline)) {
    problems.push(
      `${names.importDeadline}: "${deadline}" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59`,
    );
  }
  const zone = known(args.timeZone);
  if (zone !== undefined && !isTimeZone(zone)) {
    problems.push(
      `${names.timeZone}: "${zone}" is not an IANA time zone such as Europe/Rome or UTC`,
    );
  }
  return problems;
}

/** What Monitoring watches of the notify path. */
export interface NotifyParts {
  functionName: pulumi.Output<string>;
  deadLetterQueueName: pulumi.Output<string>;
  /** The rules whose TriggeredRules count failed Glue runs, by key (`glue-jobs-failed`, …). */
  failedGlueRules: { key: string; ruleName: pulumi.Output<string> }[];
}

/** A stable, non-identifying suffix for a resource named after an email address. */
function emailKey(email: string): string {
  return createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10);
}

export class Notifications extends pulumi.ComponentResource {
  readonly successTopicArn: pulumi.Output<string>;
  readonly failureTopicArn: pulumi.Output<string>;
  /** Undefined without `notify`. */
  readonly notify: NotifyParts | undefined;

  constructor(name: string, args: NotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalid('Notifications', name, validateNotificationsArgs(args));
    super(
      'quarantine:notifications:Notifications',
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: FORMER_ALERTS_TYPE }],
      },
    );
    const { success, failure } = createTopics(name, args, this);
    const deadline = args.importDeadline ?? DEFAULTS.importDeadline;
    const timeZone = args.timeZone ?? DEFAULTS.timeZone;
    this.successTopicArn = success.arn;
    this.failureTopicArn = failure.arn;
    this.notify =
      args.notify === undefined
        ? undefined
        : createNotify(name, args.notify, { ...args, deadline, timeZone, success, failure }, this);
    this.registerOutputs({
      successTopicArn: this.successTopicArn,
      failureTopicArn: this.failureTopicArn,
    });
  }
}

/** @internal The topics. */
export interface NotificationTopics {
  success: aws.sns.Topic;
  failure: aws.sns.Topic;
}

/**
 * @internal The topics `<name>-ETL_Success` and `<name>-ETL_Failure` (the platform key, delivery
 * status logged) and each address's email subscription to both.
 */
export function createTopics(
  name: string,
  args: NotificationsArgs,
  parent: pulumi.Resource,
): NotificationTopics {
  // Physical names: `<name>-ETL_Success`, `<name>-ETL_Failure`, so that the topics keep the
  // names the administrators know and two instances in one account and region coexist.
  const feedback = deliveryStatusLogging(
    name,
    ['ETL_Success', 'ETL_Failure'].map((topic) => physicalName('topic', name, topic)),
    args,
    parent,
  );
  const topic = (kind: string, topicName: string) =>
    new aws.sns.Topic(
      `${name}-${kind}`,
      { name: physicalName('topic', name, topicName), kmsMasterKeyId: args.kmsKeyArn, ...feedback },
      { parent },
    );
  const success = topic('success', 'ETL_Success');
  const failure = topic('failure', 'ETL_Failure');
  for (const email of args.alertEmails ?? DEFAULTS.alertEmails) {
    for (const [kind, topic] of [
      ['success', success],
      ['failure', failure],
    ] as const) {
      new aws.sns.TopicSubscription(
        `${name}-${kind}-${emailKey(email)}`,
        { topic: topic.arn, protocol: 'email', endpoint: email },
        { parent },
      );
    }
  }
  return { success, failure };
}

/** What notify is given besides its own part of the arguments. */
type NotifyContext = NotificationsArgs & {
  deadline: pulumi.Input<string>;
  timeZone: pulumi.Input<string>;
  success: aws.sns.Topic;
  failure: aws.sns.Topic;
};

/**
 * @internal The notify path: the function with its dead-letter queue, the EventBridge rules of
 * this instance's Glue jobs and crawler, the deadline schedule.
 */
export function createNotify(
  name: string,
  n: NonNullable<NotificationsArgs['notify']>,
  args: NotifyContext,
  parent: pulumi.Resource,
): NotifyParts {
  const { fn, queue } = createNotifyFunction(name, n, args, parent);
  const failedGlueRules = createGlueRules(name, n, fn, parent);
  createDeadlineSchedule(name, fn, args, parent);
  return { functionName: fn.name, deadLetterQueueName: queue.name, failedGlueRules };
}

/**
 * @internal The notify function (outside the VPC: Data API, SNS, CloudWatch), its role and log
 * group, and its dead-letter queue.
 */
export function createNotifyFunction(
  name: string,
  n: NonNullable<NotificationsArgs['notify']>,
  args: NotifyContext,
  parent: pulumi.Resource,
): { fn: aws.lambda.Function; queue: aws.sqs.Queue } {
  const { success, failure, timeZone } = args;
  const { accountId, partition, region } = awsContext(parent);
  const glueArn = (resource: pulumi.Input<string>) =>
    pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:${resource}`;
  const functionName = physicalName('lambda', name, 'notify');
  // EventBridge and Scheduler invoke notify asynchronously: events it could not handle after
  // Lambda's retries are kept here (and alarmed by Monitoring).
  const notifyQueue = deadLetterQueue(
    `${name}-notify-dlq`,
    physicalName('queue', name, 'notify-dlq'),
    args.kmsKeyArn,
    parent,
  );
  const { fn } = platformFunction(
    `${name}-notify`,
    {
      functionName,
      description: 'Tells ETL_Success / ETL_Failure how each import went; checks the deadline',
      bundleDir: n.bundleDir ?? functionBundle('notify'),
      environment: {
        [LAMBDA_ENV.databaseClusterArn]: n.databaseClusterArn,
        [LAMBDA_ENV.databaseSecretArn]: n.databaseSecretArn,
        [LAMBDA_ENV.databaseName]: n.databaseName,
        [LAMBDA_ENV.successTopicArn]: success.arn,
        [LAMBDA_ENV.failureTopicArn]: failure.arn,
        [LAMBDA_ENV.glueWorkflowName]: n.glueWorkflowName,
        [LAMBDA_ENV.platformName]: name,
        [LAMBDA_ENV.timeZone]: timeZone,
      },
      kmsKeyArn: args.kmsKeyArn,
      logRetentionDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
      timeoutSeconds: NOTIFY_TIMEOUT_SECONDS,
      memoryMb: NOTIFY_MEMORY_MB,
      deadLetterQueueArn: notifyQueue.arn,
      statements: [
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
          Resource: n.databaseClusterArn,
        },
        {
          Sid: 'DatabaseSecret',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: n.databaseSecretArn,
        },
        {
          Sid: 'PlatformKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: args.kmsKeyArn,
        },
        {
          Sid: 'Topics',
          Effect: 'Allow',
          Action: ['sns:Publish'],
          Resource: [success.arn, failure.arn],
        },
        {
          Sid: 'GlueRuns',
          Effect: 'Allow',
          Action: ['glue:GetJobRun', 'glue:GetWorkflowRuns'],
          Resource: [
            glueArn(pulumi.interpolate`workflow/${n.glueWorkflowName}`),
            ...n.glueJobNames.map((job) => glueArn(pulumi.interpolate`job/${job}`)),
          ],
        },
        {
          // PutMetricData has no resource; the condition keeps it to the platform's namespace.
          Sid: 'DeadlineMetric',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
        },
      ],
    },
    parent,
  );
  return { fn, queue: notifyQueue };
}

/**
 * @internal The EventBridge rules of this instance's Glue jobs and crawler to notify, with their
 * permissions and targets: the failed ones, for Monitoring's alarms.
 */
export function createGlueRules(
  name: string,
  n: NonNullable<NotificationsArgs['notify']>,
  fn: aws.lambda.Function,
  parent: pulumi.Resource,
): NotifyParts['failedGlueRules'] {
  // This instance's Glue jobs and crawler only; succeeded and failed runs in separate rules
  // so that the failed rule's TriggeredRules metric is the Glue failure alarm.
  const rules: { key: string; source: string; detailType: string; detail: object }[] = [
    {
      key: 'glue-jobs-succeeded',
      source: 'aws.glue',
      detailType: 'Glue Job State Change',
      detail: { jobName: n.glueJobNames, state: ['SUCCEEDED'] },
    },
    {
      key: 'glue-jobs-failed',
      source: 'aws.glue',
      detailType: 'Glue Job State Change',
      detail: { jobName: n.glueJobNames, state: GLUE_JOB_FAILED_STATES },
    },
    {
      key: 'glue-crawler-failed',
      source: 'aws.glue',
      detailType: 'Glue Crawler State Change',
      detail: { crawlerName: [n.glueCrawlerName], state: GLUE_CRAWLER_FAILED_STATES },
    },
  ];
  const failedGlueRules: NotifyParts['failedGlueRules'] = [];
  for (const rule of rules) {
    const eventRule = new aws.cloudwatch.EventRule(
      `${name}-${rule.key}`,
      {
        name: physicalName('eventRule', name, rule.key),
        description: `Glue state changes of ${name} to the notify function`,
        eventPattern: pulumi.jsonStringify({
          source: [rule.source],
          'detail-type': [rule.detailType],
          detail: rule.detail,
        }),
      },
      { parent },
    );
    const permission = new aws.lambda.Permission(
      `${name}-${rule.key}`,
      {
        function: fn.name,
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        sourceArn: eventRule.arn,
      },
      { parent },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-${rule.key}`,
      { rule: eventRule.name, arn: fn.arn },
      { parent, dependsOn: [permission] },
    );
    if (rule.key.endsWith('-failed')) {
      failedGlueRules.push({ key: rule.key, ruleName: eventRule.name });
    }
  }
  return failedGlueRules;
}

/**
 * @internal The deadline check: a Scheduler schedule at HH:MM in the authority's time zone that
 * calls notify, with the role it assumes.
 */
export function createDeadlineSchedule(
  name: string,
  fn: aws.lambda.Function,
  args: NotifyContext,
  parent: pulumi.Resource,
): aws.scheduler.Schedule {
  const { deadline, timeZone } = args;
  const { accountId } = awsContext(parent);
  // The deadline check, at HH:MM in the authority's time zone.
  const schedulerRole = new aws.iam.Role(
    `${name}-deadline`,
    { assumeRolePolicy: serviceTrust('scheduler.amazonaws.com', accountId) },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-deadline`,
    {
      role: schedulerRole.id,
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: fn.arn,
        },
        {
          // The schedule is encrypted with the platform key.
          Effect: 'Allow',
          Action: ['kms:Decrypt'],
          Resource: args.kmsKeyArn,
        },
      ]),
    },
    { parent },
  );
  return new aws.scheduler.Schedule(
    `${name}-deadline`,
    {
      name: physicalName('schedule', name, 'import-deadline'),
      description: pulumi.interpolate`Checks at ${deadline} (${timeZone}) that an import was published today`,
      scheduleExpression: pulumi.output(deadline).apply(deadlineCron),
      scheduleExpressionTimezone: timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: args.kmsKeyArn,
      target: {
        arn: fn.arn,
        roleArn: schedulerRole.arn,
        input: JSON.stringify(DEADLINE_CHECK_EVENT),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    },
    { parent },
  );
}

/**
 * @internal Delivery-status logging of the topics (SNS.2) for every protocol that supports it: a
 * role SNS assumes to write `sns/<region>/<account>/<topic>[/Failure]`, those log groups made
 * first with the retention and the platform key, and the topic settings naming the role.
 */
export function deliveryStatusLogging(
  name: string,
  topicNames: string[],
  args: NotificationsArgs,
  parent: pulumi.Resource,
): Partial<aws.sns.TopicArgs> {
  const { accountId, region, partition } = awsContext(parent);
  const logGroups = topicNames.flatMap((topic) =>
    ['', '/Failure'].map(
      (suffix) =>
        new aws.cloudwatch.LogGroup(
          `${topic}-delivery${suffix === '' ? '' : '-failure'}`,
          {
            name: pulumi.interpolate`sns/${region}/${accountId}/${topic}${suffix}`,
            retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
            kmsKeyId: args.kmsKeyArn,
          },
          { parent },
        ),
    ),
  );
  const role = new aws.iam.Role(
    `${name}-sns-delivery`,
    { assumeRolePolicy: serviceTrust('sns.amazonaws.com', accountId) },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-sns-delivery`,
    {
      role: role.id,
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: logGroups.map((g) => pulumi.interpolate`${g.arn}:*`),
        },
        {
          // SNS checks the group exists before it writes (the groups above).
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup'],
          Resource: topicNames.flatMap((topic) => [
            pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:sns/${region}/${accountId}/${topic}`,
            pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:sns/${region}/${accountId}/${topic}/Failure`,
          ]),
        },
      ]),
    },
    { parent },
  );
  const settings: Partial<aws.sns.TopicArgs> = {};
  const fields = settings as Record<string, unknown>;
  for (const protocol of SNS_LOGGED_PROTOCOLS) {
    fields[`${protocol}SuccessFeedbackRoleArn`] = role.arn;
    fields[`${protocol}FailureFeedbackRoleArn`] = role.arn;
    fields[`${protocol}SuccessFeedbackSampleRate`] = SNS_SUCCESS_SAMPLE_PERCENT;
  }
  return settings;
}
