// Alerts (DESIGN §8): the ETL_Success and ETL_Failure topics (KMS-encrypted, email subscriptions),
// the CloudWatch alarms into ETL_Failure and the region's dashboard.
import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { awsContext } from './context.ts';

/** The namespace of the platform's own CloudWatch metrics. */
export const METRIC_NAMESPACE = 'QuarantineDataPlatform';
/**
 * 1 when the deadline check finds no import published today by the deadline. The check (run at
 * the deadline in the authority's time zone) comes with the notify Lambda; see infra/README.md.
 */
export const DEADLINE_METRIC = 'ImportDeadlineMissed';
/** Alarm when Aurora's free local storage falls to this many bytes (2 GiB). */
export const FREE_LOCAL_STORAGE_ALARM_BYTES = 2 * 1024 ** 3;

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
    const success = new aws.sns.Topic(
      `${name}-success`,
      { name: `${name}-ETL_Success`, kmsMasterKeyId: args.kmsKeyArn },
      { parent: this },
    );
    const failure = new aws.sns.Topic(
      `${name}-failure`,
      { name: `${name}-ETL_Failure`, kmsMasterKeyId: args.kmsKeyArn },
      { parent: this },
    );
    for (const email of args.alertEmails ?? []) {
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

    const deadline = args.importDeadline ?? '10:00';
    const timeZone = args.timeZone ?? 'Europe/Rome';
    const deadlineAlarm = new aws.cloudwatch.MetricAlarm(
      `${name}-import-deadline`,
      {
        alarmDescription: pulumi.interpolate`No import of ${args.authorityName} published by ${deadline} (${timeZone}): the daily file did not come or did not import.`,
        namespace: METRIC_NAMESPACE,
        metricName: DEADLINE_METRIC,
        dimensions: { Platform: name },
        statistic: 'Maximum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [failure.arn],
      },
      { parent: this },
    );
    const alarms = [deadlineAlarm];
    if (args.databaseClusterIdentifier !== undefined) {
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-db-cpu`,
          {
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
            alarmActions: [failure.arn],
          },
          { parent: this },
        ),
      );
    }
    if (args.databaseInstanceIdentifier !== undefined) {
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-db-storage`,
          {
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
            alarmActions: [failure.arn],
          },
          { parent: this },
        ),
      );
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
          metrics: [[METRIC_NAMESPACE, DEADLINE_METRIC, 'Platform', name]],
          stat: 'Maximum',
          period: 300,
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
        dashboardName: `${name}-quarantine`,
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
