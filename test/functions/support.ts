// Test doubles of the functions' ports (a folder as the bucket, recorded workflow runs and
// messages) and the stand-in for the Glue import job in unit tests: the local loader's COPY and
// the import core's reconciliation, on the staged file.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { copyIntoTransit } from '../../core/load.ts';
import type { ImportMessage } from '../../core/messages.ts';
import { FileRejectedError, inspectFile, openDailyFile } from '../../core/reader/index.ts';
import type { ObjectStore } from '../../functions/objects.ts';

export function folderObjects(
  root: string,
): ObjectStore & { pathOf(bucket: string, key: string): string } {
  const pathOf = (bucket: string, key: string) => path.join(root, bucket, ...key.split('/'));
  return {
    pathOf,
    async size(bucket, key) {
      const info = await stat(pathOf(bucket, key)).catch(() => undefined);
      return info?.isFile() ? info.size : null;
    },
    async read(bucket, key) {
      return createReadStream(pathOf(bucket, key));
    },
    async write(bucket, key, body) {
      await mkdir(path.dirname(pathOf(bucket, key)), { recursive: true });
      await pipeline(body, createWriteStream(pathOf(bucket, key)));
    },
    async copy(bucket, fromKey, toKey) {
      await mkdir(path.dirname(pathOf(bucket, toKey)), { recursive: true });
      await copyFile(pathOf(bucket, fromKey), pathOf(bucket, toKey));
    },
  };
}

export interface Recorded {
  runs: Record<string, string>[];
  messages: ImportMessage[];
  metrics: number[];
}

export function recorder(): Recorded & {
  startWorkflow(properties: Record<string, string>): Promise<string>;
  publish(message: ImportMessage): Promise<void>;
  putDeadlineMetric(value: 0 | 1): Promise<void>;
} {
  const recorded: Recorded = { runs: [], messages: [], metrics: [] };
  return {
    ...recorded,
    async startWorkflow(properties) {
      recorded.runs.push(properties);
      return `wr_${recorded.runs.length}`;
    },
    async publish(message) {
      recorded.messages.push(message);
    },
    async putDeadlineMetric(value) {
      recorded.metrics.push(value);
    },
  };
}

/** What the Glue import job does to the database, done by the import core on the staged file. */
export async function importStagedFile(
  pool: pg.Pool,
  importId: number,
  stagedFile: string,
): Promise<string> {
  const inspected = await inspectFile(stagedFile);
  const client = await pool.connect();
  try {
    await client.query('begin');
    try {
      const dailyFile = await openDailyFile(stagedFile, inspected);
      await copyIntoTransit(client, importId, dailyFile.rows);
      await client.query('select qdp.mark_loaded($1)', [importId]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      if (!(error instanceof FileRejectedError)) throw error;
      await client.query('select qdp.reject_import($1, $2)', [importId, error.reason]);
      return 'rejected';
    }
    await client.query('begin');
    const { rows } = await client.query<{ status: string }>(
      'select qdp.reconcile_import($1) as status',
      [importId],
    );
    await client.query('commit');
    return rows[0]!.status;
  } finally {
    client.release();
  }
}
