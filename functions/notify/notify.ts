// What notify does with an EventBridge event, as plain functions over small ports:
// - a Glue job run of the import workflow ended: end the import if the job could not (failed,
//   timed out, stopped), read its summary and publish the message local mode prints, to
//   ETL_Success or ETL_Failure; a published import also clears the deadline metric;
// - the crawler of the workflow failed: the same for every import whose run it failed;
// - the deadline check (a schedule at the import deadline): the metric is 1 when no import was
//   published today in the authority's time zone, else 0.
import { GLUE_CRAWLER_FAILED_STATES, GLUE_JOB_FAILED_STATES } from '../../contracts/glue.ts';
import { importReport } from '../../core/import-report.ts';
import { failImport } from '../../core/import-protocol.ts';
import type { ImportMessage } from '../../core/messages.ts';
import type { Sql } from '../../db/sql.ts';

export interface NotifyDeps {
  sql: Sql;
  /** The Glue workflow run id of a job run, or null when the run was not started by a workflow. */
  workflowRunOfJobRun(jobName: string, jobRunId: string): Promise<string | null>;
  /** The workflow run ids whose crawl by this crawler failed. */
  workflowRunsOfFailedCrawl(crawlerName: string): Promise<string[]>;
  publish(message: ImportMessage): Promise<void>;
  putDeadlineMetric(value: 0 | 1): Promise<void>;
  timeZone: string;
}

export interface GlueJobStateChange {
  jobName: string;
  jobRunId: string;
  state: string;
  message?: string;
}

export interface GlueCrawlerStateChange {
  crawlerName: string;
  state: string;
  errorMessage?: string;
}

export type NotifyEvent =
  | { 'detail-type': 'Glue Job State Change'; detail: GlueJobStateChange }
  | { 'detail-type': 'Glue Crawler State Change'; detail: GlueCrawlerStateChange }
  | { 'detail-type': 'Scheduled Event'; detail?: unknown };

export interface NotifyOutcome {
  kind: 'job' | 'crawler' | 'deadline' | 'ignored';
  /**
   * The imports reported, with the status the message reports; `alreadyNotified` when an earlier
   * delivery (or the other job of the same workflow run) already published that message.
   */
  imports: { importId: number; status: string; topic: string; alreadyNotified?: true }[];
  deadlineMissed?: boolean;
  reason?: string;
}

/** Import states an import is still in while its Glue job runs. */
const UNFINISHED = new Set(['loading', 'loaded']);

async function importOfRun(
  sql: Sql,
  workflowRunId: string,
): Promise<{ id: number; status: string } | null> {
  const rows = await sql.query<{ id: string; status: string }>(
    'select id::text, status from qdp.imports where workflow_run_id = :run',
    { run: workflowRunId },
  );
  const row = rows[0];
  return row ? { id: Number(row.id), status: row.status } : null;
}

/**
 * The end of the import protocol after the Glue job (contracts/import-protocol.json, paths.notify):
 * an import the job left unfinished is failed, then summary → message.
 */
async function settleAndReport(
  deps: NotifyDeps,
  found: { id: number; status: string },
  failure: string | null,
): Promise<NotifyOutcome['imports'][number]> {
  if (UNFINISHED.has(found.status)) {
    await failImport(
      deps.sql,
      found.id,
      failure ?? 'the import job ended without finishing the import',
    );
  }
  const { summary, message } = await importReport(deps.sql, found.id);
  const reported = { importId: found.id, status: summary.status, topic: message.topic };
  // Once per import: events come at least once, and the analytics job ends in the same run.
  const claim = await deps.sql.query<{ claimed: boolean }>(
    'select qdp.claim_notification(:id) as claimed',
    { id: found.id },
  );
  if (claim[0]?.claimed !== true) return { ...reported, alreadyNotified: true };
  try {
    await deps.publish(message);
  } catch (error) {
    await deps.sql.query('select qdp.release_notification(:id)', { id: found.id });
    throw error;
  }
  if (summary.status === 'published') await deps.putDeadlineMetric(0);
  return reported;
}

export async function handleJobStateChange(
  detail: GlueJobStateChange,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  const failed = (GLUE_JOB_FAILED_STATES as readonly string[]).includes(detail.state);
  if (!failed && detail.state !== 'SUCCEEDED') {
    return { kind: 'ignored', imports: [], reason: `job state ${detail.state}` };
  }
  const runId = await deps.workflowRunOfJobRun(detail.jobName, detail.jobRunId);
  if (!runId) {
    return {
      kind: 'ignored',
      imports: [],
      reason: `job run ${detail.jobRunId} has no workflow run`,
    };
  }
  const found = await importOfRun(deps.sql, runId);
  if (!found) {
    return { kind: 'ignored', imports: [], reason: `workflow run ${runId} imports nothing` };
  }
  const failure = failed
    ? `the Glue job ${detail.jobName} ended ${detail.state}${detail.message ? `: ${detail.message}` : ''}`
    : null;
  return { kind: 'job', imports: [await settleAndReport(deps, found, failure)] };
}

export async function handleCrawlerStateChange(
  detail: GlueCrawlerStateChange,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  if (!(GLUE_CRAWLER_FAILED_STATES as readonly string[]).includes(detail.state)) {
    return { kind: 'ignored', imports: [], reason: `crawler state ${detail.state}` };
  }
  const imports: NotifyOutcome['imports'] = [];
  for (const runId of await deps.workflowRunsOfFailedCrawl(detail.crawlerName)) {
    const found = await importOfRun(deps.sql, runId);
    // A crawl that failed after its import was already reported changes nothing.
    if (!found || !UNFINISHED.has(found.status)) continue;
    const failure = `the Glue crawler ${detail.crawlerName} failed${detail.errorMessage ? `: ${detail.errorMessage}` : ''}`;
    imports.push(await settleAndReport(deps, found, failure));
  }
  return { kind: 'crawler', imports };
}

/** 1 when no import was published since midnight of `now`'s day in the time zone. */
export async function checkDeadline(deps: NotifyDeps): Promise<NotifyOutcome> {
  const rows = await deps.sql.query<{ published: boolean }>(
    `select exists (
       select 1 from qdp.imports
       where status = 'published'
         and published_at >= (date_trunc('day', now() at time zone :zone) at time zone :zone)
     ) as published`,
    { zone: deps.timeZone },
  );
  const missed = rows[0]?.published !== true;
  await deps.putDeadlineMetric(missed ? 1 : 0);
  return { kind: 'deadline', imports: [], deadlineMissed: missed };
}

export async function handleNotifyEvent(
  event: NotifyEvent,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  switch (event['detail-type']) {
    case 'Glue Job State Change':
      return handleJobStateChange(event.detail, deps);
    case 'Glue Crawler State Change':
      return handleCrawlerStateChange(event.detail, deps);
    case 'Scheduled Event':
      return checkDeadline(deps);
    default:
      return {
        kind: 'ignored',
        imports: [],
        reason: `unexpected event ${String((event as { 'detail-type'?: unknown })['detail-type'])}`,
      };
  }
}
