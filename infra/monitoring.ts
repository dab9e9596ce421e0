// Monitoring (DESIGN §8): the CloudWatch alarms into ETL_Failure and the region's dashboard,
// declared last from the real resources (the functions, queues, rules, database and load
// balancer the other components made): nothing is named before it exists.
//
// The import deadline alarm watches the day's maximum of the deadline metric (notifications.ts):
// a 1 raises it at the deadline; a day without any data point (the schedule or notify broken)
// counts as breaching too, so a silent check cannot hide a missing file.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsContext } from './context.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { DEADLINE_METRIC_NAME, METRIC_NAMESPACE } from './notifications.ts';
import { DEADLINE_METRIC } from '../contracts/lambda.ts';

/** Alarm when Aurora's free local storage falls to this many bytes (2 GiB). */
export const FREE_LOCAL_STORAGE_ALARM_BYTES = 2 * 1024 ** 3;
/** The portal's load balancer: alarm on this many HTTP 5xx answers in 5 minutes. */
export const PORTAL_5XX_ALARM_COUNT = 10;

/** Something watched, by a key that names its alarm (`<name>-<key>-errors`, …). */
export interface Watched {
  key: string;
  name: pulumi.Input<string>;
}

export interface MonitoringArgs {
  /** Where every alarm goes (the ETL_Failure topic). */
  failureTopicArn: pulumi.Input<string>;
  /** The import deadline alarm (with the notify function that puts its metric). */
  importDeadline?: {
    authorityName: pulumi.Input<string>;
    /** `HH:MM`. @default "10:00" */
    deadline?: pulumi.Input<string>;
    /** @default "Europe/Rome" */
    timeZone?: pulumi.Input<string>;
  };
  /** EventBridge rules whose every match is a failed Glue run (`glue-jobs-failed`, …). */
  failedGlueRules?: Watched[];
  /** Lambda functions whose errors raise an alarm (`<name>-<key>-errors`). @default [] */
  functions?: Watched[];
  /** Dead-letter queues: a message in one raises an alarm (`<name>-<key>-depth`). @default [] */
  deadLetterQueues?: Watched[];
  /** The Aurora cluster (CPU) and writer instance (free local storage). @default undefined */
  databaseClusterIdentifier?: pulumi.Input<string>;
  databaseInstanceIdentifier?: pulumi.Input<string>;
  /** The portal's load balancer and target group (`arnSuffix`): unhealthy hosts, 5xx. */
  portal?: {
    loadBalancerArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
  };
  /**
   * URNs of the component the alarms and the dashboard were children of before (the platform
   * passes its former `Alerts`'): each becomes an alias, so existing stacks keep them. @default []
   */
  formerParentUrns?: pulumi.Input<string>[];
}

type AlarmInputs = Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions'>;

export class Monitoring extends pulumi.ComponentResource {
  readonly dashboardName: pulumi.Output<string>;
  /** Every alarm's name. */
  readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:monitoring:Monitoring', name, {}, opts);
    const formerParents = args.formerParentUrns ?? [];
    const aliasesOf = (resourceName: string, type: string) =>
      formerParents.map((parent) => pulumi.createUrn(resourceName, type, parent));
    const alarms = platformAlarms(name, args, (resourceName, inputs) => {
      return new aws.cloudwatch.MetricAlarm(
        resourceName,
        { ...inputs, alarmActions: [args.failureTopicArn] },
        {
          parent: this,
          aliases: aliasesOf(resourceName, 'aws:cloudwatch/metricAlarm:MetricAlarm'),
        },
      );
    });
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: physicalName('dashboard', name, 'quarantine'),
        dashboardBody: pulumi.jsonStringify(
          pulumi.output({ widgets: widgets(name, args, alarms, this) }),
        ),
      },
      {
        parent: this,
        aliases: aliasesOf(`${name}-dashboard`, 'aws:cloudwatch/dashboard:Dashboard'),
      },
    );
    this.dashboardName = dashboard.dashboardName;
    this.alarmNames = alarms.map((a) => a.name);
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}

/** Every alarm of the platform, declared through `alarm`. */
function platformAlarms(
  name: string,
  args: MonitoringArgs,
  alarm: (resourceName: string, inputs: AlarmInputs) => aws.cloudwatch.MetricAlarm,
): aws.cloudwatch.MetricAlarm[] {
  const alarms: aws.cloudwatch.MetricAlarm[] = [];
  const add = (resourceName: string, inputs: AlarmInputs) =>
    alarms.push(alarm(resourceName, inputs));
  const once = { period: 300, evaluationPeriods: 1, threshold: 1 };
  for (const rule of args.failedGlueRules ?? []) {
    add(`${name}-${rule.key}`, {
      alarmDescription: `A Glue ${rule.key.includes('crawler') ? 'crawler' : 'job'} run of ${name} failed (see ETL_Failure for the import).`,
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensions: { RuleName: rule.name },
      statistic: 'Sum',
      ...once,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
  }
  if (args.importDeadline !== undefined) {
    const d = args.importDeadline;
    add(`${name}-import-deadline`, {
      alarmDescription: pulumi.interpolate`No import of ${d.authorityName} published by ${d.deadline ?? DEFAULTS.importDeadline} (${d.timeZone ?? DEFAULTS.timeZone}): the daily file did not come or did not import.`,
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
  for (const fn of args.functions ?? []) {
    add(`${name}-${fn.key}-errors`, {
      alarmDescription: pulumi.interpolate`The Lambda function ${fn.name} failed.`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: fn.name },
      statistic: 'Sum',
      ...once,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
  }
  for (const queue of args.deadLetterQueues ?? []) {
    add(`${name}-${queue.key}-depth`, {
      alarmDescription: pulumi.interpolate`Events in the dead-letter queue ${queue.name}: an event was not handled (replay it from the queue).`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queue.name },
      statistic: 'Maximum',
      ...once,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
  }
  if (args.databaseClusterIdentifier !== undefined) {
    add(`${name}-db-cpu`, {
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
    add(`${name}-db-storage`, {
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
    add(`${name}-portal-unhealthy`, {
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
    add(`${name}-portal-5xx`, {
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
  return alarms;
}

/** The dashboard's widgets: the alarms, the deadline metric, the database. */
function widgets(
  name: string,
  args: MonitoringArgs,
  alarms: aws.cloudwatch.MetricAlarm[],
  parent: pulumi.Resource,
): unknown[] {
  const { region } = awsContext(parent);
  const list: unknown[] = [
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
    list.push({
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
  return list;
}
