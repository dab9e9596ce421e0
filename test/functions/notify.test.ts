// notify's plain functions on the real test PostgreSQL: a Glue job run's end becomes the message
// local mode prints, on the right topic; the deadline metric.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importMessage, type ImportSummary } from '../../core/messages.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import {
  checkDeadline,
  handleNotifyEvent,
  type NotifyDeps,
} from '../../functions/notify/notify.ts';
import { handleUpload } from '../../functions/on-upload/upload.ts';
import { pgSql } from '../../db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { folderObjects, importStagedFile, recorder } from './support.ts';

const BUCKET = 'landing';
let db: TestDatabase;
let root: string;
let calls: ReturnType<typeof recorder>;
let objects: ReturnType<typeof folderObjects>;
/** Job runs as Glue would answer GetJobRun: job run id → workflow run id. */
let jobRuns: Map<string, string>;
let failedCrawls: string[];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'qdp-notify-'));
});

beforeEach(async () => {
  await db?.drop();
  db = await createTestDatabase();
  await rm(path.join(root, BUCKET), { recursive: true, force: true });
  objects = folderObjects(root);
  calls = recorder();
  jobRuns = new Map();
  failedCrawls = [];
});

afterAll(async () => {
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

function deps(): NotifyDeps {
  return {
    sql: pgSql(db.pool),
    workflowRunOfJobRun: async (_job, runId) => jobRuns.get(runId) ?? null,
    workflowRunsOfFailedCrawl: async () => failedCrawls,
    publish: calls.publish,
    putDeadlineMetric: calls.putDeadlineMetric,
    timeZone: 'Europe/Rome',
  };
}

/** A file uploaded and handed to the workflow (run wr_1 for the first), as on-upload does it. */
async function uploaded(name: string, seed = 'notify', badRowShare = 0): Promise<number> {
  const file = objects.pathOf(BUCKET, `inbox/regione/${name}`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeSyntheticDailyFile({ rows: 20, seed, format: 'csv', outFile: file, badRowShare });
  const outcome = await handleUpload(
    { bucket: BUCKET, key: `inbox/regione/${name}` },
    {
      sql: pgSql(db.pool),
      objects,
      startWorkflow: calls.startWorkflow,
      publish: calls.publish,
      workDir: root,
    },
  );
  expect(outcome.status).toBe('started');
  return outcome.importId!;
}

async function summary(id: number): Promise<ImportSummary> {
  const { rows } = await db.pool.query('select qdp.import_summary($1) as s', [id]);
  return rows[0].s as ImportSummary;
}

const job = (jobRunId: string, state: string, message?: string) => ({
  'detail-type': 'Glue Job State Change' as const,
  detail: { jobName: 'qdp-import', jobRunId, state, ...(message ? { message } : {}) },
});

describe('Glue job state changes', () => {
  it('publishes the success message of a published import and clears the deadline metric', async () => {
    const id = await uploaded('day1.csv');
    expect(
      await importStagedFile(db.pool, id, objects.pathOf(BUCKET, `staging/${id}/day1.csv`)),
    ).toBe('published');
    jobRuns.set('jr_1', 'wr_1');
    const outcome = await handleNotifyEvent(job('jr_1', 'SUCCEEDED'), deps());
    expect(outcome).toEqual({
      kind: 'job',
      imports: [{ importId: id, status: 'published', topic: 'ETL_Success' }],
    });
    const expected = importMessage(await summary(id));
    expect(expected.text.split('\n')[0]).toBe(
      `Import ${id} of regione/day1.csv is published: it is now the latest data.`,
    );
    expect(calls.messages).toEqual([expected]);
    expect(calls.metrics).toEqual([0]);
  });

  it('sends the message once: a second delivery and the analytics job of the same run send nothing', async () => {
    const id = await uploaded('day1.csv');
    await importStagedFile(db.pool, id, objects.pathOf(BUCKET, `staging/${id}/day1.csv`));
    jobRuns.set('jr_1', 'wr_1');
    jobRuns.set('jr_analytics', 'wr_1');
    const reported = { importId: id, status: 'published', topic: 'ETL_Success' };
    expect((await handleNotifyEvent(job('jr_1', 'SUCCEEDED'), deps())).imports).toEqual([reported]);
    expect((await handleNotifyEvent(job('jr_1', 'SUCCEEDED'), deps())).imports).toEqual([
      { ...reported, alreadyNotified: true },
    ]);
    const analytics = {
      'detail-type': 'Glue Job State Change' as const,
      detail: { jobName: 'qdp-analytics', jobRunId: 'jr_analytics', state: 'SUCCEEDED' },
    };
    expect((await handleNotifyEvent(analytics, deps())).imports).toEqual([
      { ...reported, alreadyNotified: true },
    ]);
    expect(calls.messages).toHaveLength(1);
    expect(calls.metrics).toEqual([0]);
  });

  it('gives the claim back when publishing fails, so the retried delivery sends the message', async () => {
    const id = await uploaded('day1.csv');
    await importStagedFile(db.pool, id, objects.pathOf(BUCKET, `staging/${id}/day1.csv`));
    jobRuns.set('jr_1', 'wr_1');
    const failing = { ...deps(), publish: () => Promise.reject(new Error('SNS throttled')) };
    await expect(handleNotifyEvent(job('jr_1', 'SUCCEEDED'), failing)).rejects.toThrow(
      'SNS throttled',
    );
    expect(calls.messages).toEqual([]);
    const retried = await handleNotifyEvent(job('jr_1', 'SUCCEEDED'), deps());
    expect(retried.imports).toEqual([{ importId: id, status: 'published', topic: 'ETL_Success' }]);
    expect(calls.messages.map((m) => m.topic)).toEqual(['ETL_Success']);
  });

  it('ends an import whose job failed as failed, with the job message, to ETL_Failure', async () => {
    const id = await uploaded('day1.csv');
    jobRuns.set('jr_9', 'wr_1');
    const outcome = await handleNotifyEvent(
      job('jr_9', 'FAILED', 'AnalysisException: Path does not exist'),
      deps(),
    );
    expect(outcome).toEqual({
      kind: 'job',
      imports: [{ importId: id, status: 'failed', topic: 'ETL_Failure' }],
    });
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: `Import ${id} failed: regione/day1.csv`,
        text: [
          `Import ${id} of regione/day1.csv failed.`,
          'Reason: the Glue job qdp-import ended FAILED: AnalysisException: Path does not exist',
          'What to do: The latest published data is unchanged. The import did not complete: check the error, then upload the same file again (it is not treated as a duplicate).',
        ].join('\n'),
      },
    ]);
    expect(calls.metrics).toEqual([]);
  });

  it('reports a header mismatch the job rejected as rejected, whatever the job state', async () => {
    const id = await uploaded('day1.csv');
    await db.pool.query('select qdp.reject_import($1, $2)', [
      id,
      'missing required columns: MOTIVO (found: CODICE_FISCALE)',
    ]);
    jobRuns.set('jr_2', 'wr_1');
    const outcome = await handleNotifyEvent(job('jr_2', 'FAILED', 'header mismatch'), deps());
    expect(outcome.imports).toEqual([{ importId: id, status: 'rejected', topic: 'ETL_Failure' }]);
    expect(calls.messages[0]?.text.split('\n')[1]).toBe(
      'Reason: missing required columns: MOTIVO (found: CODICE_FISCALE)',
    );
  });

  it('fails an import the job left unfinished although it succeeded', async () => {
    const id = await uploaded('day1.csv');
    jobRuns.set('jr_3', 'wr_1');
    await handleNotifyEvent(job('jr_3', 'SUCCEEDED'), deps());
    expect((await summary(id)).status).toBe('failed');
    expect((await summary(id)).error).toBe('the import job ended without finishing the import');
  });

  it('ignores running states, job runs outside the workflow and runs that import nothing', async () => {
    expect(await handleNotifyEvent(job('jr_1', 'RUNNING'), deps())).toEqual({
      kind: 'ignored',
      imports: [],
      reason: 'job state RUNNING',
    });
    expect(await handleNotifyEvent(job('jr_x', 'FAILED'), deps())).toEqual({
      kind: 'ignored',
      imports: [],
      reason: 'job run jr_x has no workflow run',
    });
    jobRuns.set('jr_y', 'wr_404');
    expect(await handleNotifyEvent(job('jr_y', 'FAILED'), deps())).toEqual({
      kind: 'ignored',
      imports: [],
      reason: 'workflow run wr_404 imports nothing',
    });
    expect(calls.messages).toEqual([]);
  });
});

describe('crawler state changes', () => {
  it('fails the unfinished imports of the runs whose crawl failed', async () => {
    const id = await uploaded('day1.csv');
    failedCrawls = ['wr_1'];
    const outcome = await handleNotifyEvent(
      {
        'detail-type': 'Glue Crawler State Change',
        detail: { crawlerName: 'qdp-staging', state: 'Failed', errorMessage: 'Access denied' },
      },
      deps(),
    );
    expect(outcome).toEqual({
      kind: 'crawler',
      imports: [{ importId: id, status: 'failed', topic: 'ETL_Failure' }],
    });
    expect((await summary(id)).error).toBe('the Glue crawler qdp-staging failed: Access denied');
    // A second delivery of the same event changes nothing and says nothing more.
    await handleNotifyEvent(
      {
        'detail-type': 'Glue Crawler State Change',
        detail: { crawlerName: 'qdp-staging', state: 'Failed' },
      },
      deps(),
    );
    expect(calls.messages).toHaveLength(1);
  });
});

describe('deadline check', () => {
  it('puts 1 when nothing was published today, 0 once an import is', async () => {
    expect(await checkDeadline(deps())).toEqual({
      kind: 'deadline',
      imports: [],
      deadlineMissed: true,
    });
    const id = await uploaded('day1.csv');
    await importStagedFile(db.pool, id, objects.pathOf(BUCKET, `staging/${id}/day1.csv`));
    expect(
      await handleNotifyEvent({ 'detail-type': 'Scheduled Event', detail: {} }, deps()),
    ).toEqual({ kind: 'deadline', imports: [], deadlineMissed: false });
    // An import published yesterday (Rome time) does not count for today.
    await db.pool.query(
      "update qdp.imports set published_at = date_trunc('day', now() at time zone 'Europe/Rome') at time zone 'Europe/Rome' - interval '1 second'",
    );
    expect((await checkDeadline(deps())).deadlineMissed).toBe(true);
    expect(calls.metrics).toEqual([1, 0, 1]);
  });
});
