// The import protocol, stated once (DESIGN §7; the order is contracts/import-protocol.json):
// register → load → mark loaded → reconcile; reject a file refused as a whole, fail on any other
// error; then summary → message. Local mode and `qdp import` (core/importer.ts) load the rows here;
// on-upload hands the load to the Glue workflow (glue/import_job.py makes the same calls from
// load to reconcile, its test checks the order) and notify reports the end. Every call goes
// through the SQL port of db/sql.ts (pg or the RDS Data API).
import type { Sql } from '../db/sql.ts';
import { importReport, type ImportReport } from './import-report.ts';
import { FileRejectedError } from './reader/index.ts';

/** What registration needs of a file: its name, SHA-256 and size. */
export interface FileIdentity {
  sourceName: string;
  sha256: string;
  sizeBytes: number;
}

/*
 * How the rows reach qdp.transit_<id>:
 * - `here`: in a transaction that then marks the import loaded, and a second one reconciles it
 *   (a process killed before COMMIT, even while the server is reconciling, rolls back);
 * - `handOff`: the Glue workflow loads, marks loaded and reconciles; its run is recorded on the
 *   import (a concurrent upload of the same bytes is then `in_progress`).
 */
export interface LoadHere<Tx extends Sql> {
  kind: 'here';
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Writes the rows inside the transaction; a FileRejectedError refuses the whole file. */
  load(tx: Tx, importId: number): Promise<void>;
}

export interface HandOff {
  kind: 'handOff';
  /** Stages the file and starts the workflow; returns the workflow run id. */
  handOff(importId: number): Promise<string>;
}

export type Loading<Tx extends Sql> = LoadHere<Tx> | HandOff;

export type ImportRun =
  /** Registration ended it: the same bytes were imported already, or are being imported. */
  | {
      step: 'registered';
      status: 'duplicate' | 'in_progress';
      importId: number;
      report: ImportReport;
    }
  | { step: 'reconciled'; importId: number; report: ImportReport }
  | { step: 'handedOff'; importId: number; workflowRunId: string }
  /**
   * Rejected (the file refused as a whole) or failed (any other error after registration), and
   * reported; `endError` when the database failed too (the import then stays unfinished, held by
   * nobody, which never blocks a new import of the same file).
   */
  | {
      step: 'rejected' | 'failed';
      importId: number;
      reason: string;
      error: unknown;
      report?: ImportReport;
      endError?: unknown;
    };

/**
 * `held`: the registering session holds the import until the run ends (qdp.register_held_import,
 * released by qdp.release_import or the end of the session): `sql` must be that one session.
 * `upload`: on-upload's registration (qdp.register_upload), an import in flight once its workflow
 * run is recorded.
 */
export type Registration = 'held' | 'upload';

const REGISTER: Record<Registration, string> = {
  held: 'select import_id::text, status from qdp.register_held_import(:source, :sha256, :size)',
  upload: 'select import_id::text, status from qdp.register_upload(:source, :sha256, :size)',
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One import through the protocol. Registration errors are thrown (nothing is registered);
 * after registration it returns how the import ended and never throws.
 */
export function runImport<Tx extends Sql>(
  sql: Sql,
  registration: Registration,
  file: FileIdentity,
  loading: LoadHere<Tx>,
): Promise<Exclude<ImportRun, { step: 'handedOff' }>>;
export function runImport(
  sql: Sql,
  registration: Registration,
  file: FileIdentity,
  loading: HandOff,
): Promise<Exclude<ImportRun, { step: 'reconciled' }>>;
export async function runImport<Tx extends Sql>(
  sql: Sql,
  registration: Registration,
  file: FileIdentity,
  loading: Loading<Tx>,
): Promise<ImportRun> {
  const rows = await sql.query<{ import_id: string; status: string }>(REGISTER[registration], {
    source: file.sourceName,
    sha256: file.sha256,
    size: file.sizeBytes,
  });
  const registered = rows[0];
  if (!registered) throw new Error(`qdp.register_${registration} returned no row`);
  const importId = Number(registered.import_id);
  const status = registered.status;
  if (status === 'duplicate' || status === 'in_progress') {
    return { step: 'registered', status, importId, report: await importReport(sql, importId) };
  }
  if (status !== 'loading') throw new Error(`registration returned the status ${status}`);
  try {
    return await loadAndReconcile(sql, importId, loading);
  } finally {
    if (registration === 'held') {
      // The end of the session releases it too: a database gone away changes nothing here.
      await sql.query('select qdp.release_import(:id)', { id: importId }).catch(() => undefined);
    }
  }
}

async function loadAndReconcile<Tx extends Sql>(
  sql: Sql,
  importId: number,
  loading: Loading<Tx>,
): Promise<ImportRun> {
  try {
    if (loading.kind === 'handOff') {
      const workflowRunId = await loading.handOff(importId);
      await sql.query('select qdp.record_workflow_run(:id, :run)', {
        id: importId,
        run: workflowRunId,
      });
      return { step: 'handedOff', importId, workflowRunId };
    }
    await loading.transaction(async (tx) => {
      await loading.load(tx, importId);
      await tx.query('select qdp.mark_loaded(:id)', { id: importId });
    });
    await loading.transaction((tx) =>
      tx.query('select qdp.reconcile_import(:id)', { id: importId }),
    );
    return { step: 'reconciled', importId, report: await importReport(sql, importId) };
  } catch (error) {
    return await endImport(sql, importId, error);
  }
}

/** Rejects (a file refused as a whole) or fails (anything else) the import, then reports it. */
async function endImport(sql: Sql, importId: number, error: unknown): Promise<ImportRun> {
  const rejected = error instanceof FileRejectedError;
  const step = rejected ? 'rejected' : 'failed';
  const reason = rejected ? error.reason : `import failed: ${errorText(error)}`;
  try {
    if (rejected) {
      await sql.query('select qdp.reject_import(:id, :reason)', { id: importId, reason });
    } else {
      await failImport(sql, importId, reason);
    }
    return { step, importId, reason, error, report: await importReport(sql, importId) };
  } catch (endError) {
    return { step, importId, reason, error, endError };
  }
}

/** Ends an unfinished import as failed with its reason (the protocol, and notify for Glue). */
export async function failImport(sql: Sql, importId: number, reason: string): Promise<void> {
  await sql.query('select qdp.fail_import(:id, :reason)', { id: importId, reason });
}
