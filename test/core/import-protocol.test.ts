// The import protocol (core/import-protocol.ts) makes its database calls in the order
// contracts/import-protocol.json states, on every path: a recording port over the real test
// database names each call's step (the function it calls; `load` and `handOff` are recorded by the
// loaders). The Glue job's side is checked against the same lists in test/glue.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_PROTOCOL, type ImportStep } from '../../contracts/import-protocol.ts';
import { runImport, type FileIdentity } from '../../core/import-protocol.ts';
import { copyIntoTransit } from '../../core/load.ts';
import { FileRejectedError, inspectFile, openDailyFile } from '../../core/reader/index.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { pgSql, pgTransaction, type PgTransaction, type Sql } from '../../db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const { paths } = IMPORT_PROTOCOL;

let db: TestDatabase;
let dir: string;
let dayFile: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'qdp-protocol-'));
  dayFile = path.join(dir, 'day.csv');
  await writeSyntheticDailyFile({ rows: 50, seed: 'protocol', format: 'csv', outFile: dayFile });
});

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The step a statement makes: the protocol function it calls. */
function stepOf(sql: string): ImportStep {
  const found = Object.entries(IMPORT_PROTOCOL.functions).find(([, fn]) => sql.includes(`${fn}(`));
  if (!found) throw new Error(`a statement outside the protocol: ${sql}`);
  return found[0] as ImportStep;
}

/** A port that records each call's step, then runs it on the real database. */
function recording(sql: Sql, steps: ImportStep[]): Sql {
  return {
    query(text, params) {
      steps.push(stepOf(text));
      return sql.query(text, params);
    },
  };
}

/** Local mode's loading (as core/importer.ts): COPY in a transaction, each call recorded. */
function loadHere(
  steps: ImportStep[],
  load: (tx: PgTransaction, importId: number) => Promise<void>,
) {
  return {
    kind: 'here' as const,
    transaction<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T> {
      return pgTransaction(db.pool, (tx) => work({ ...recording(tx, steps), client: tx.client }));
    },
    async load(tx: PgTransaction, importId: number) {
      steps.push('load');
      await load(tx, importId);
    },
  };
}

async function copyDay(tx: PgTransaction, importId: number): Promise<void> {
  const daily = await openDailyFile(dayFile, await inspectFile(dayFile));
  await copyIntoTransit(tx.client, String(importId), daily.rows);
}

/** The identity of made-up bytes, so that each case registers a new import. */
function identity(name: string): FileIdentity {
  const sha256 = createHash('sha256').update(name).digest('hex');
  return { sourceName: `${name}.csv`, sha256, sizeBytes: name.length };
}

async function statusOf(importId: number): Promise<{ status: string; error: string | null }> {
  const { rows } = await db.pool.query<{ status: string; error: string | null }>(
    'select status, error from qdp.imports where id = $1',
    [importId],
  );
  return rows[0] as { status: string; error: string | null };
}

/** Runs the local path on one held session, as the importer does. */
async function runLocal(
  file: FileIdentity,
  load: (tx: PgTransaction, id: number) => Promise<void>,
) {
  const steps: ImportStep[] = [];
  const holder = await db.pool.connect();
  try {
    const run = await runImport<PgTransaction>(
      recording(pgSql(holder), steps),
      'held',
      file,
      loadHere(steps, load),
    );
    return { run, steps };
  } finally {
    holder.release();
  }
}

describe('the local path (qdp import, local mode)', () => {
  it('register → load → mark loaded → reconcile → summary → release; again: a duplicate', async () => {
    const inspected = await inspectFile(dayFile);
    const file = {
      sourceName: 'day.csv',
      sha256: inspected.sha256,
      sizeBytes: inspected.sizeBytes,
    };
    const first = await runLocal(file, copyDay);
    expect(first.steps).toEqual(paths.local.reconciled);
    expect(first.run.step).toBe('reconciled');
    expect((await statusOf(first.run.importId)).status).toBe('published');
    const again = await runLocal(file, copyDay);
    expect(again.steps).toEqual(paths.local.duplicate);
    expect(again.run).toMatchObject({ step: 'registered', status: 'duplicate' });
    expect(again.run.step === 'registered' && again.run.report.summary.duplicateOf).toBe(
      first.run.importId,
    );
  });

  it('a file refused as a whole is rejected with its reason, nothing marked loaded', async () => {
    const { run, steps } = await runLocal(identity('refused'), () => {
      throw new FileRejectedError('missing required columns: CODICE_FISCALE');
    });
    expect(steps).toEqual(paths.local.rejected);
    expect(run).toMatchObject({
      step: 'rejected',
      reason: 'missing required columns: CODICE_FISCALE',
    });
    expect(await statusOf(run.importId)).toEqual({
      status: 'rejected',
      error: 'missing required columns: CODICE_FISCALE',
    });
  });

  it('any other error fails the import, which is still reported', async () => {
    const { run, steps } = await runLocal(identity('broken'), () => {
      throw new Error('the disk went away');
    });
    expect(steps).toEqual(paths.local.failed);
    expect(run).toMatchObject({ step: 'failed', reason: 'import failed: the disk went away' });
    expect(run.step === 'failed' && run.report?.summary.status).toBe('failed');
    expect(await statusOf(run.importId)).toEqual({
      status: 'failed',
      error: 'import failed: the disk went away',
    });
  });

  it('the same bytes while another session holds their import: in progress, nothing registered', async () => {
    const file = identity('held elsewhere');
    let inner: Awaited<ReturnType<typeof runLocal>> | undefined;
    const outer = await runLocal(file, async (tx, id) => {
      inner = await runLocal(file, copyDay);
      expect(inner.run).toMatchObject({ step: 'registered', status: 'in_progress', importId: id });
      await copyDay(tx, id);
    });
    expect(inner?.steps).toEqual(paths.local.inProgress);
    expect(outer.steps).toEqual(paths.local.reconciled);
    const { rows } = await db.pool.query<{ n: string }>(
      'select count(*)::text as n from qdp.imports where sha256 = $1',
      [file.sha256],
    );
    expect(rows[0]?.n).toBe('1');
  });
});

describe('the upload path (on-upload, then the Glue job, then notify)', () => {
  function runUpload(file: FileIdentity, handOff: (id: number) => Promise<string>) {
    const steps: ImportStep[] = [];
    const run = runImport(recording(pgSql(db.pool), steps), 'upload', file, {
      kind: 'handOff',
      async handOff(id) {
        steps.push('handOff');
        return handOff(id);
      },
    });
    return run.then((result) => ({ run: result, steps }));
  }

  it('register → hand off → record the workflow run; the same bytes meanwhile are in progress', async () => {
    const file = identity('uploaded');
    const { run, steps } = await runUpload(file, async (id) => `wr_${id}`);
    expect(steps).toEqual(paths.upload.handedOff);
    expect(run).toEqual({
      step: 'handedOff',
      importId: run.importId,
      workflowRunId: `wr_${run.importId}`,
    });
    expect((await statusOf(run.importId)).status).toBe('loading');
    const again = await runUpload(file, () => Promise.reject(new Error('not called')));
    expect(again.steps).toEqual(paths.upload.inProgress);
    expect(again.run).toMatchObject({
      step: 'registered',
      status: 'in_progress',
      importId: run.importId,
    });
  });

  it('a refused file is rejected, a failed hand-off failed; both reported', async () => {
    const refused = await runUpload(identity('refused upload'), () =>
      Promise.reject(new FileRejectedError('the file is empty')),
    );
    expect(refused.steps).toEqual(paths.upload.rejected);
    expect(refused.run).toMatchObject({ step: 'rejected', reason: 'the file is empty' });
    const failed = await runUpload(identity('no workflow'), () =>
      Promise.reject(new Error('Glue is throttling')),
    );
    expect(failed.steps).toEqual(paths.upload.failed);
    expect(failed.run).toMatchObject({
      step: 'failed',
      reason: 'import failed: Glue is throttling',
    });
    expect(await statusOf(failed.run.importId)).toEqual({
      status: 'failed',
      error: 'import failed: Glue is throttling',
    });
  });

  it('bytes already imported are a duplicate, reported', async () => {
    const inspected = await inspectFile(dayFile);
    const { run, steps } = await runUpload(
      { sourceName: 'again.csv', sha256: inspected.sha256, sizeBytes: inspected.sizeBytes },
      () => Promise.reject(new Error('not called')),
    );
    expect(steps).toEqual(paths.upload.duplicate);
    expect(run).toMatchObject({ step: 'registered', status: 'duplicate' });
  });
});

describe('contracts/import-protocol.json', () => {
  it('the cloud path makes the local path calls in the same order', () => {
    const calls = (steps: readonly ImportStep[]) =>
      steps.filter((s) => !['handOff', 'recordWorkflowRun', 'release'].includes(s));
    const cloud = [...paths.upload.handedOff, ...paths.glue.reconciled, ...paths.notify.finished];
    expect(calls(cloud)).toEqual(
      calls(paths.local.reconciled).map((s) => (s === 'registerHeld' ? 'registerUpload' : s)),
    );
  });

  it('names the function of every step that is a database call', async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `select 'qdp.' || p.proname as name from pg_proc p
       join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'qdp'`,
    );
    const existing = new Set(rows.map((r) => r.name));
    expect(Object.values(IMPORT_PROTOCOL.functions).filter((fn) => !existing.has(fn))).toEqual([]);
  });
});
