// Lambda entry point: EventBridge events of the import workflow's Glue jobs and crawler, and the
// deadline schedule (see notify.ts).
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetJobRunCommand, GetWorkflowRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { dataApiFrom, log, snsPublisher } from '../aws.ts';
import { parseEnvironment } from '../environment.ts';
import {
  handleNotifyEvent,
  type NotifyDeps,
  type NotifyEvent,
  type NotifyOutcome,
} from './notify.ts';
import { DEADLINE_METRIC, LAMBDA_ENV } from '../../contracts/lambda.ts';

export async function handler(event: NotifyEvent): Promise<NotifyOutcome> {
  const env = parseEnvironment('notify');
  const glue = new GlueClient({});
  const cloudwatch = new CloudWatchClient({});
  const workflowName = env[LAMBDA_ENV.glueWorkflowName];
  const deps: NotifyDeps = {
    sql: dataApiFrom(env),
    async workflowRunOfJobRun(jobName, jobRunId) {
      const { JobRun } = await glue.send(
        new GetJobRunCommand({ JobName: jobName, RunId: jobRunId }),
      );
      // A job started by a workflow trigger gets these two arguments from Glue.
      const args = JobRun?.Arguments ?? {};
      if (args['--WORKFLOW_NAME'] !== workflowName) return null;
      return args['--WORKFLOW_RUN_ID'] ?? null;
    },
    async workflowRunsOfFailedCrawl(crawlerName) {
      const runs: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await glue.send(
          new GetWorkflowRunsCommand({
            Name: workflowName,
            IncludeGraph: true,
            NextToken: nextToken,
          }),
        );
        for (const run of page.Runs ?? []) {
          const failed = (run.Graph?.Nodes ?? []).some(
            (node) =>
              node.Type === 'CRAWLER' &&
              node.Name === crawlerName &&
              (node.CrawlerDetails?.Crawls ?? []).some((crawl) => crawl.State === 'FAILED'),
          );
          if (failed && run.WorkflowRunId && run.Status === 'RUNNING') runs.push(run.WorkflowRunId);
        }
        nextToken = page.NextToken;
      } while (nextToken);
      return runs;
    },
    publish: snsPublisher({
      ETL_Success: env[LAMBDA_ENV.successTopicArn],
      ETL_Failure: env[LAMBDA_ENV.failureTopicArn],
    }),
    async putDeadlineMetric(value) {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: DEADLINE_METRIC.namespace,
          MetricData: [
            {
              MetricName: DEADLINE_METRIC.name,
              Dimensions: [
                { Name: DEADLINE_METRIC.dimension, Value: env[LAMBDA_ENV.platformName] },
              ],
              Value: value,
              Unit: 'Count',
            },
          ],
        }),
      );
    },
    timeZone: env[LAMBDA_ENV.timeZone],
  };
  const outcome = await handleNotifyEvent(event, deps);
  log({ function: 'notify', event: event['detail-type'], ...outcome });
  return outcome;
}
