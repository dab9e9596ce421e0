// One import, end to end: inspect the file (SHA-256, format, encoding), register it (duplicates
// stop here), stream it into its transit partition with COPY, then let the SQL reconcile and
// publish or hold it. Loading and reconciling are separate transactions, each all-or-nothing: a
// crash leaves the previous latest in place and the same file can be imported again.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { isDailyFileName, notDailyFileReason } from '../contracts/daily-file.ts';
import { copyIntoTransit } from './load.ts';
import { pgSql } from '../db/sql.ts';
import { ImportRequestError, importReport, type ImportReport } from './import-report.ts';
import { FileRejectedError, inspectFile, openDailyFile } from './reader/index.ts';

export interface ImportOutcome extends ImportReport {
  /** Another process is importing the same bytes right now: `summary` is its import. */
  inProgress?: true;
}

async function checkRequest(filePath: string): Promise<void> {
  let info;
  try {
    info = await stat(filePath);
  } catch {
    throw new ImportRequestError(`file not found: ${filePath}`);
  }
  if (!info.isFile()) throw new ImportRequestError(`not a file: ${filePath}`);
  if (!isDailyFileName(filePath)) {
    throw new ImportRequestError(`${path.basename(filePath)}: ${notDailyFileReason(filePath)}`);
  }
}

export async function importDailyFile(
  pool: pg.Pool,
  filePath: string,
  options: { sourceName?: string } = {},
): Promise<ImportOutcome> {
  await checkRequest(filePath);
  const sourceName = options.sourceName ?? path.basename(filePath);
  const inspected = await inspectFile(filePath);
  // The registering session holds the import until it finishes (qdp.register_held_import): a
  // concurrent import of the same bytes sees it in progress, and if this process dies the hold
  // ends with its connection.
  const holder = await pool.connect();
  let heldId: string | undefined;
  try {
    const registered = await holder.query<{ import_id: string; status: string }>(
      'select import_id, status from qdp.register_held_import($1, $2, $3)',
      [sourceName, inspected.sha256, inspected.sizeBytes],
    );
    const importId = registered.rows[0]?.import_id;
    if (!importId) throw new Error('qdp.register_held_import returned no row');
    const status = registered.rows[0]?.status;
    if (status === 'duplicate') return await importReport(pgSql(pool), importId);
    if (status === 'in_progress') {
      return { ...(await importReport(pgSql(pool), importId)), inProgress: true };
    }
    heldId = importId;
    try {
      const loaded = await loadTransit(pool, importId, filePath, inspected);
      if (loaded) await reconcile(pool, importId);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Best effort: when the database itself is gone, the import stays 'loading'/'loaded', which
      // never blocks a retry of the same file (nobody holds it any more).
      await pool
        .query('select qdp.fail_import($1, $2)', [importId, `import failed: ${reason}`])
        .catch(() => undefined);
      throw error;
    }
    return await importReport(pgSql(pool), importId);
  } finally {
    if (heldId)
      await holder.query('select qdp.release_import($1)', [heldId]).catch(() => undefined);
    holder.release();
  }
}

/** COPY + mark_loaded in one transaction; false when the file was rejected as a whole. */
async function loadTransit(
  pool: pg.Pool,
  importId: string,
  filePath: string,
  inspected: Awaited<ReturnType<typeof inspectFile>>,
): Promise<boolean> {
  try {
    await inTransaction(pool, async (client) => {
      const dailyFile = await openDailyFile(filePath, inspected);
      await copyIntoTransit(client, importId, dailyFile.rows);
      await client.query('select qdp.mark_loaded($1)', [importId]);
    });
    return true;
  } catch (error) {
    if (!(error instanceof FileRejectedError)) throw error;
    await pool.query('select qdp.reject_import($1, $2)', [importId, error.reason]);
    return false;
  }
}

/**
 * Reconciliation in an explicit transaction: if this process dies at any moment before COMMIT,
 * even while the server is still inside the function, the server rolls the whole of it back.
 */
async function reconcile(pool: pg.Pool, importId: string): Promise<void> {
  await inTransaction(pool, (client) =>
    client.query('select qdp.reconcile_import($1)', [importId]),
  );
}

async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    try {
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    client.release();
  }
}
