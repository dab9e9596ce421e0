// One import in local mode and `qdp import`: check and inspect the file (SHA-256, format,
// encoding), then the import protocol (core/import-protocol.ts) with the rows loaded here: COPY
// into the transit partition in the transaction that marks the import loaded, reconciliation in
// a second one, each all-or-nothing: a crash leaves the previous latest in place and the same
// file can be imported again.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { isDailyFileName, notDailyFileReason } from '../contracts/daily-file.ts';
import { copyIntoTransit } from './load.ts';
import { pgSql, pgTransaction, type PgTransaction } from '../db/sql.ts';
import { ImportRequestError, type ImportReport } from './import-report.ts';
import { runImport } from './import-protocol.ts';
import { inspectFile, openDailyFile } from './reader/index.ts';

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
  const inspected = await inspectFile(filePath);
  const file = {
    sourceName: options.sourceName ?? path.basename(filePath),
    sha256: inspected.sha256,
    sizeBytes: inspected.sizeBytes,
  };
  // The registering session holds the import until it finishes (qdp.register_held_import): a
  // concurrent import of the same bytes sees it in progress, and if this process dies the hold
  // ends with its connection.
  const holder = await pool.connect();
  try {
    const run = await runImport<PgTransaction>(pgSql(holder), 'held', file, {
      kind: 'here',
      transaction: (work) => pgTransaction(pool, work),
      async load(tx, importId) {
        const dailyFile = await openDailyFile(filePath, inspected);
        await copyIntoTransit(tx.client, String(importId), dailyFile.rows);
      },
    });
    switch (run.step) {
      case 'registered':
        return run.status === 'in_progress' ? { ...run.report, inProgress: true } : run.report;
      case 'reconciled':
        return run.report;
      case 'rejected':
        if (run.report) return run.report;
        throw run.endError;
      case 'failed':
        throw run.error;
    }
  } finally {
    holder.release();
  }
}
