// Alerts (DESIGN §8): the ETL_Success and ETL_Failure topics (KMS-encrypted, email subscriptions),
// the `notify` Lambda that EventBridge calls when this instance's Glue jobs and crawler finish
// and that Scheduler calls at the import deadline, the CloudWatch alarms into ETL_Failure and the
// region's dashboard.
//
// The import deadline ("no import published by HH:MM in the authority's time zone"): CloudWatch
// alarms have no clock, so the hour is kept by an EventBridge Scheduler schedule whose cron runs
// in `timeZone` (Scheduler resolves the local time every day, so summer time is followed). At
// HH:MM it calls notify, which puts the metric ImportDeadlineMissed: 1 when no import has been
// published since local midnight, else 0 (a later publication puts 0 again). The alarm watches
// the day's maximum: a 1 raises it at the deadline; a day without any data point (the schedule or
// notify broken) counts as breaching too, so a silent check cannot hide a missing file.
import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { functionBundle } from './artifacts.ts';
import { awsContext, policyDocument, serviceTrust } from './context.ts';
import { DEAD_LETTER_RETENTION_SECONDS } from './import-trigger.ts';
import { platformFunction } from './lambda.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { DEADLINE_METRIC, LAMBDA_ENV } from '../contracts/lambda.ts';
import { GLUE_CRAWLER_FAILED_STATES, GLUE_JOB_FAILED_STATES } from '../contracts/glue.ts';

/** The namespace of the platform's own CloudWatch metrics. */
export const METRIC_NAMESPACE = DEADLINE_METRIC.namespace;
/** 1 when the deadline check finds no import published today by the deadline, else 0. */
export const DEADLINE_METRIC_NAME = DEADLINE_METRIC.name;
/** Alarm when Aurora's free local storage falls to this many bytes (2 GiB). */
export const FREE_LOCAL_STORAGE_ALARM_BYTES = 2 * 1024 ** 3;
/** The portal's load balancer: alarm on this many HTTP 5xx answers in 5 minutes. */
export const PORTAL_5XX_ALARM_COUNT = 10;
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

/** `HH:MM` → the Scheduler cron expression that fires at that minute every day. */
export function deadlineCron(deadline: string): string {
  const [hours, minutes] = deadline.split(':').map(Number);
  return `cron(${minutes} ${hours} * * ? *)`;
}

export interface AlertsArgs {
  kmsKeyArn: pulumi.Input<string>;
  authorityName: pulumi.Input<string>;
  /** Subscribed to both topics. @default [] */
  alertEmails?: string[];
  /** `HH:MM`. @default "10:00" */
  importDeadline?: pulumi.Input<string>;
  /** IANA zone. @default "Europe/Rome" */
  timeZone?: pulumi.Input<string>;
  /** The Aurora cluster to watch (CPU). @default undefined (no database alarms) */
  databaseClusterIdentifier?: pulumi.Input<string>;
  /** The Aurora writer instance to watch (free local storage). @default undefined */
  databaseInstanceIdentifier?: pulumi.Input<string>;
  /**
   * The `notify` function and what it reads (the Data API); with it come the Glue rules, the
   * deadline schedule and alarm. @default undefined (no function, no deadline alarm)
   */
  notify?: {
    databaseClusterArn: pulumi.Input<string>;
    databaseSecretArn: pulumi.Input<string>;
    databaseName: pulumi.Input<string>;
    /** This instance's Glue workflow, jobs and crawler (physical names). */
    glueWorkflowName: string;
    glueJobNames: string[];
    glueCrawlerName: string;
    /** @default functions/notify bundled (or the package's bundle) */
    bundleDir?: Promise<string> | string;
  };
  /** Lambda functions (physical names) whose errors raise an alarm (notify's own is added). @default [] */
  functionNames?: string[];
  /** Dead-letter queues (physical names): a message in one raises an alarm. @default [] */
  deadLetterQueueNames?: string[];
  /** The portal's load balancer and target group (`arnSuffix`): unhealthy hosts, 5xx. */
  portal?: {
    loadBalancerArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
  };
  /** Days notify's logs are kept. @default 731 */
  logRetentionDays?: pulumi.Input<number>;
}

/** A stable, non-identifying suffix for a resource named after an email address. */
function emailKey(email: string): string {
  return createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 10);
}

export class Alerts extends pulumi.ComponentResource {
  readonly successTopicArn: pulumi.Output<string>;
  readonly failureTopicArn: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:alerts:Alerts', name, {}, opts);
    const { region } = awsContext(this);

    // Physical names: `<name>-ETL_Success`, `<name>-ETL_Failure`, so that the topics keep the
    // names the administrators know and two instances in one account and region coexist.
    const feedback = deliveryStatusLogging(
      name,
      ['ETL_Success', 'ETL_Failure'].map((topic) => physicalName('topic', name, topic)),
      args,
      this,
    );
    const success = new aws.sns.Topic(
      `${name}-success`,
      {
        name: physicalName('topic', name, 'ETL_Success'),
        kmsMasterKeyId: args.kmsKeyArn,
        ...feedback,
      },
      { parent: this },
    );
    const failure = new aws.sns.Topic(
      `${name}-failure`,
      {
        name: physicalName('topic', name, 'ETL_Failure'),
        kmsMasterKeyId: args.kmsKeyArn,
        ...feedback,
      },
      { parent: this },
    );
    for (const email of args.alertEmails ?? DEFAULTS.alertEmails) {
      for (const [kind, topic] of [
        ['success', success],
        ['failure', failure],
      ] as const) {
        new aws.sns.TopicSubscription(
          `${name}-${kind}-${emailKey(email)}`,
          { topic: topic.arn, protocol: 'email', endpoint: email },
          { parent: this },
        );
      }
    }

    const deadline = args.importDeadline ?? DEFAULTS.importDeadline;
    const timeZone = args.timeZone ?? DEFAULTS.timeZone;
    const alarms: aws.cloudwatch.MetricAlarm[] = [];
    const alarm = (
      resourceName: string,
      inputs: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions'>,
    ): void => {
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          resourceName,
          { ...inputs, alarmActions: [failure.arn] },
          { parent: this },
        ),
      );
    };
    const functionNames = [...(args.functionNames ?? [])];
    const deadLetterQueueNames = [...(args.deadLetterQueueNames ?? [])];

    if (args.notify !== undefined) {
      const n = args.notify;
      const { accountId, partition } = awsContext(this);
      const glueArn = (resource: string) =>
        pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:${resource}`;
      const functionName = physicalName('lambda', name, 'notify');
      // EventBridge and Scheduler invoke notify asynchronously: events it could not handle after
      // Lambda's retries are kept here (and alarmed below).
      const notifyQueueName = physicalName('queue', name, 'notify-dlq');
      const notifyQueue = new aws.sqs.Queue(
        `${name}-notify-dlq`,
        {
          name: notifyQueueName,
          kmsMasterKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 300,
          messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        },
        { parent: this },
      );
      deadLetterQueueNames.push(notifyQueueName);
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
                glueArn(`workflow/${n.glueWorkflowName}`),
                ...n.glueJobNames.map((job) => glueArn(`job/${job}`)),
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
        this,
      );
      functionNames.push(functionName);

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
      for (const rule of rules) {
        const eventRule = new aws.cloudwatch.EventRule(
          `${name}-${rule.key}`,
          {
            name: physicalName('eventRule', name, rule.key),
            description: `Glue state changes of ${name} to the notify function`,
            eventPattern: JSON.stringify({
              source: [rule.source],
              'detail-type': [rule.detailType],
              detail: rule.detail,
            }),
          },
          { parent: this },
        );
        const permission = new aws.lambda.Permission(
          `${name}-${rule.key}`,
          {
            function: fn.name,
            action: 'lambda:InvokeFunction',
            principal: 'events.amazonaws.com',
            sourceArn: eventRule.arn,
          },
          { parent: this },
        );
        new aws.cloudwatch.EventTarget(
          `${name}-${rule.key}`,
          { rule: eventRule.name, arn: fn.arn },
          { parent: this, dependsOn: [permission] },
        );
        if (rule.key.endsWith('-failed')) {
          alarm(`${name}-${rule.key}`, {
            alarmDescription: `A Glue ${rule.key.includes('crawler') ? 'crawler' : 'job'} run of ${name} failed (see ETL_Failure for the import).`,
            namespace: 'AWS/Events',
            metricName: 'TriggeredRules',
            dimensions: { RuleName: eventRule.name },
            statistic: 'Sum',
            period: 300,
            evaluationPeriods: 1,
            threshold: 1,
            comparisonOperator: 'GreaterThanOrEqualToThreshold',
            treatMissingData: 'notBreaching',
          });
        }
      }

      // The deadline check, at HH:MM in the authority's time zone.
      const schedulerRole = new aws.iam.Role(
        `${name}-deadline`,
        { assumeRolePolicy: serviceTrust('scheduler.amazonaws.com', accountId) },
        { parent: this },
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
        { parent: this },
      );
      new aws.scheduler.Schedule(
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
        { parent: this },
      );
      alarm(`${name}-import-deadline`, {
        alarmDescription: pulumi.interpolate`No import of ${args.authorityName} published by ${deadline} (${timeZone}): the daily file did not come or did not import.`,
        namespace: METRIC_NAMESPACE,
        metricName: DEADLINE_METRIC_NAME,
        dimensions: { [DEADLINE_METRIC.dimension]: name },
        statistic: 'Maximum',
        period: 86400,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'breaching',
      });
    }

    for (const functionName of functionNames) {
      alarm(`${functionName}-errors`, {
        alarmDescription: `The Lambda function ${functionName} failed.`,
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: functionName },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      });
    }
    for (const queueName of deadLetterQueueNames) {
      alarm(`${queueName}-depth`, {
        alarmDescription: `Events in the dead-letter queue ${queueName}: an event was not handled (replay it from the queue).`,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queueName },
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      });
    }
    if (args.databaseClusterIdentifier !== undefined) {
      alarm(`${name}-db-cpu`, {
        alarmDescription: 'Database CPU at or above 80% for 15 minutes.',
        namespace: 'AWS/RDS',
        metricName: 'CPUUtilization',
        dimensions: { DBClusterIdentifier: args.databaseClusterIdentifier },
        statistic: 'Average',
        period: 300,
        evaluationPeriods: 3,
        threshold: 80,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'missing',
      });
    }
    if (args.databaseInstanceIdentifier !== undefined) {
      alarm(`${name}-db-storage`, {
        alarmDescription: 'Database free local storage at or below 2 GiB.',
        namespace: 'AWS/RDS',
        metricName: 'FreeLocalStorage',
        dimensions: { DBInstanceIdentifier: args.databaseInstanceIdentifier },
        statistic: 'Minimum',
        period: 300,
        evaluationPeriods: 1,
        threshold: FREE_LOCAL_STORAGE_ALARM_BYTES,
        comparisonOperator: 'LessThanOrEqualToThreshold',
        treatMissingData: 'missing',
      });
    }
    if (args.portal !== undefined) {
      alarm(`${name}-portal-unhealthy`, {
        alarmDescription: 'A portal instance fails the load balancer health check (GET /healthz).',
        namespace: 'AWS/ApplicationELB',
        metricName: 'UnHealthyHostCount',
        dimensions: {
          LoadBalancer: args.portal.loadBalancerArnSuffix,
          TargetGroup: args.portal.targetGroupArnSuffix,
        },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 5,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'breaching',
      });
      alarm(`${name}-portal-5xx`, {
        alarmDescription: `The portal answered ${PORTAL_5XX_ALARM_COUNT} or more server errors in 5 minutes.`,
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensions: { LoadBalancer: args.portal.loadBalancerArnSuffix },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: PORTAL_5XX_ALARM_COUNT,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      });
    }

    const widgets: unknown[] = [
      {
        type: 'alarm',
        x: 0,
        y: 0,
        width: 24,
        height: 3,
        properties: { title: 'Alarms', alarms: alarms.map((a) => a.arn) },
      },
      {
        type: 'metric',
        x: 0,
        y: 3,
        width: 12,
        height: 6,
        properties: {
          title: 'Import deadline missed',
          region,
          metrics: [[METRIC_NAMESPACE, DEADLINE_METRIC_NAME, DEADLINE_METRIC.dimension, name]],
          stat: 'Maximum',
          period: 86400,
        },
      },
    ];
    if (args.databaseClusterIdentifier !== undefined) {
      widgets.push({
        type: 'metric',
        x: 12,
        y: 3,
        width: 12,
        height: 6,
        properties: {
          title: 'Database CPU and capacity',
          region,
          metrics: [
            ['AWS/RDS', 'CPUUtilization', 'DBClusterIdentifier', args.databaseClusterIdentifier],
            [
              'AWS/RDS',
              'ServerlessDatabaseCapacity',
              'DBClusterIdentifier',
              args.databaseClusterIdentifier,
            ],
          ],
          stat: 'Average',
          period: 300,
        },
      });
    }
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: physicalName('dashboard', name, 'quarantine'),
        dashboardBody: pulumi.jsonStringify(pulumi.output({ widgets })),
      },
      { parent: this },
    );

    this.successTopicArn = success.arn;
    this.failureTopicArn = failure.arn;
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({
      successTopicArn: this.successTopicArn,
      failureTopicArn: this.failureTopicArn,
      dashboardName: this.dashboardName,
    });
  }
}

/** Share of successful deliveries whose status SNS logs (failures are always logged). */
export const SNS_SUCCESS_SAMPLE_PERCENT = 100;
/** The subscription protocols whose delivery status SNS can log (email is not one of them). */
export const SNS_LOGGED_PROTOCOLS = ['lambda', 'sqs', 'http', 'firehose', 'application'] as const;

/**
 * @internal Delivery-status logging of the topics (SNS.2) for every protocol that supports it: a
 * role SNS assumes to write `sns/<region>/<account>/<topic>[/Failure]`, those log groups made
 * first with the retention and the platform key, and the topic settings naming the role.
 */
function deliveryStatusLogging(
  name: string,
  topicNames: string[],
  args: AlertsArgs,
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
