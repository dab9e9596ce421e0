// What on-upload does with one S3 record, as a plain function over small ports (SQL, objects,
// workflow, topics) so that it is tested without AWS. Each file is streamed to local storage,
// hashed, registered (a duplicate stops there), read by the import core's streaming reader and
// staged as one normalised CSV under staging/<import id>/ (Glue cannot read Excel, nor guess
// encodings), then handed to the Glue workflow. Whatever goes wrong ends the import in a clear state and sends ETL_Failure a message.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BUCKET_LAYOUT } from '../../contracts/bucket-layout.ts';
import {
  DAILY_FILE_EXTENSIONS,
  DEFAULT_LIMITS,
  FIELDS,
  isDailyFileName,
  type FileLimits,
} from '../../contracts/daily-file.ts';
import {
  GLUE_DECLARATION,
  STAGED_LINE_NUMBER_COLUMN,
  WORKFLOW_RUN_PROPERTIES,
} from '../../contracts/glue.ts';
import { csvLine, type CsvFormat } from '../../core/csv-export.ts';
import type { ImportMessage } from '../../core/messages.ts';
import { runImport } from '../../core/import-protocol.ts';
import {
  FileRejectedError,
  formatOf,
  inspectFile,
  openDailyFile,
  type InspectedFile,
  type Row,
} from '../../core/reader/index.ts';
import type { ObjectStore } from '../objects.ts';
import type { Sql } from '../../db/sql.ts';

export interface UploadDeps {
  sql: Sql;
  objects: ObjectStore;
  /** Starts a run of the Glue workflow with these run properties; returns the run id. */
  startWorkflow(runProperties: Record<string, string>): Promise<string>;
  publish(message: ImportMessage): Promise<void>;
  /** A folder for the downloaded file (Lambda: /tmp). */
  workDir: string;
  limits?: FileLimits;
}

export type UploadStatus =
  | 'ignored'
  | 'not_a_daily_file'
  | 'missing'
  | 'in_progress'
  | 'duplicate'
  | 'started'
  | 'rejected'
  | 'failed';

export interface UploadOutcome {
  bucket: string;
  key: string;
  status: UploadStatus;
  importId?: number;
  workflowRunId?: string;
  stagedKey?: string;
  reason?: string;
}

/** The bucket and the key of an S3 event record; the key as the event carries it. */
export interface ObjectRef {
  bucket: string;
  key: string;
}

/**
 * The keys an event key may stand for. AWS URL-encodes keys in events (a space as `+`); some
 * emulators do not. Decoding an unencoded key that holds `+` or `%` would name another object,
 * so the decoded form is tried first and the key as given second.
 */
export function candidateKeys(eventKey: string): string[] {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(eventKey.replace(/\+/g, ' '));
  } catch {
    decoded = undefined; // a lone % is not an encoding: the key is as given
  }
  return decoded === undefined || decoded === eventKey ? [eventKey] : [decoded, eventKey];
}

/** Whether a key is a daily file this function handles: `.csv`/`.xlsx` (any case) under inbox/. */
export function isDailyFileKey(key: string): boolean {
  return key.startsWith(BUCKET_LAYOUT.inbox) && !key.endsWith('/') && isDailyFileName(key);
}

/** The key the staged CSV of an import gets. */
export function stagedKeyOf(importId: number, key: string): string {
  const base = path.basename(key, path.extname(key));
  return `${BUCKET_LAYOUT.staging}${importId}/${base}.csv`;
}

/**
 * The staged file's CSV: a machine's file (Glue loads it), so values go out exactly as read: a
 * phone number `+39…` or a value starting with `=` is data here, not a formula to neutralise.
 */
const STAGED_CSV: CsvFormat = {
  mode: 'machine',
  delimiter: GLUE_DECLARATION.stagedFile.classifier.delimiter,
  lineEnd: '\r\n',
};

/**
 * The rows of a daily file as UTF-8 CSV: each record's line in the uploaded file, then the
 * contract's columns with the values as read, in file order.
 */
export async function* csvOf(rows: AsyncIterable<Row[]>): AsyncGenerator<string> {
  yield csvLine([STAGED_LINE_NUMBER_COLUMN, ...FIELDS.map((f) => f.header)], STAGED_CSV);
  for await (const batch of rows) {
    let chunk = '';
    for (const row of batch) chunk += csvLine([row.lineNo, ...row.values], STAGED_CSV);
    yield chunk;
  }
}

/**
 * The message for an object under inbox/ that is not a daily file: S3 calls on-upload for every
 * object there, so that such an upload is told, not silently left.
 */
export function notDailyFileMessage(sourceName: string): ImportMessage {
  const subject = `Upload ${sourceName} is not a daily file`;
  const accepted = DAILY_FILE_EXTENSIONS.join(' or ');
  return {
    topic: 'ETL_Failure',
    subject: subject.length <= 100 ? subject : `${subject.slice(0, 99)}…`,
    text: [
      `The file ${sourceName} was uploaded to the inbox but is not a daily file, so it was not imported.`,
      `Accepted: a file whose name ends in ${accepted} (in any letter case).`,
      'What to do: The latest published data is unchanged. Upload the daily file again as CSV or Excel with one of those endings.',
    ].join('\n'),
  };
}

/** The message for a file that could not even be registered (the database is unreachable...). */
export function unregisteredMessage(sourceName: string, reason: string): ImportMessage {
  const subject = `Import of ${sourceName} failed`;
  return {
    topic: 'ETL_Failure',
    subject: subject.length <= 100 ? subject : `${subject.slice(0, 99)}…`,
    text: [
      `The file ${sourceName} could not be registered for import.`,
      `Reason: ${reason}`,
      'What to do: The latest published data is unchanged. Once the cause is solved, upload the same file again (it is not treated as a duplicate).',
    ].join('\n'),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The SHA-256 of a stream's bytes. */
async function hashStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function handleUpload(ref: ObjectRef, deps: UploadDeps): Promise<UploadOutcome> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const { bucket } = ref;
  // Which object: the first candidate key that exists and is a daily file.
  let key: string | undefined;
  let sizeBytes: number | null = null;
  for (const candidate of candidateKeys(ref.key)) {
    if (!isDailyFileKey(candidate)) continue;
    sizeBytes = await deps.objects.size(bucket, candidate);
    if (sizeBytes !== null) {
      key = candidate;
      break;
    }
  }
  if (key === undefined) {
    const candidates = candidateKeys(ref.key);
    if (candidates.some(isDailyFileKey)) return { bucket, key: ref.key, status: 'missing' };
    // Another object in the inbox that is still there (an SFTP client's temporary name is renamed
    // away before this runs): tell the administrators which file and what is accepted.
    for (const candidate of candidates) {
      if (!candidate.startsWith(BUCKET_LAYOUT.inbox) || candidate.endsWith('/')) continue;
      if ((await deps.objects.size(bucket, candidate)) === null) continue;
      await deps.publish(notDailyFileMessage(candidate.slice(BUCKET_LAYOUT.inbox.length)));
      return { bucket, key: candidate, status: 'not_a_daily_file' };
    }
    return { bucket, key: ref.key, status: 'ignored' };
  }
  const size = sizeBytes as number;
  const sourceName = key.slice(BUCKET_LAYOUT.inbox.length);
  const dir = await mkdtemp(path.join(deps.workDir, 'upload-'));
  try {
    const filePath = path.join(dir, `file${path.extname(key).toLowerCase()}`);
    // An oversized file is hashed (to register and reject it) but never stored.
    const tooBig = size > limits.maxFileBytes;
    let inspected: InspectedFile;
    if (tooBig) {
      const sha256 = await hashStream(await deps.objects.read(bucket, key));
      inspected = { sha256, sizeBytes: size, format: formatOf(key), encoding: null };
    } else {
      await pipeline(await deps.objects.read(bucket, key), createWriteStream(filePath));
      inspected = await inspectFile(filePath);
    }
    // The import protocol (core/import-protocol.ts) with the load handed to the Glue workflow.
    let stagedKey = '';
    const run = await runImport(
      deps.sql,
      'upload',
      { sourceName, sha256: inspected.sha256, sizeBytes: inspected.sizeBytes },
      {
        kind: 'handOff',
        async handOff(id) {
          // The import core reads the file (size, encoding, delimiter, header, xlsx limits: a
          // file it refuses is rejected with its reason) and the rows go to the staged CSV that
          // the crawler reads (contracts/job-arguments.json, stagedFile): one shape whatever
          // came in.
          const dailyFile = await openDailyFile(filePath, inspected, limits);
          stagedKey = stagedKeyOf(id, key);
          await deps.objects.write(
            bucket,
            stagedKey,
            Readable.from(csvOf(dailyFile.rows)),
            'text/csv; charset=utf-8',
          );
          return deps.startWorkflow({
            [WORKFLOW_RUN_PROPERTIES.importId]: String(id),
            [WORKFLOW_RUN_PROPERTIES.stagedBucket]: bucket,
            [WORKFLOW_RUN_PROPERTIES.stagedKey]: stagedKey,
            [WORKFLOW_RUN_PROPERTIES.sourceName]: sourceName,
          });
        },
      },
    );
    const { importId } = run;
    switch (run.step) {
      case 'registered':
        // The same bytes in flight: their own run reports them.
        if (run.status === 'in_progress') return { bucket, key, status: 'in_progress', importId };
        await deps.publish(run.report.message);
        return { bucket, key, status: 'duplicate', importId };
      case 'handedOff':
        return {
          bucket,
          key,
          status: 'started',
          importId,
          workflowRunId: run.workflowRunId,
          stagedKey,
        };
      case 'rejected':
      case 'failed':
        // The database went away after registration: the import stays 'loading' without a
        // workflow run, which never blocks a new upload of the same file.
        await deps.publish(
          run.report?.message ??
            unregisteredMessage(sourceName, `${run.reason}; then: ${errorText(run.endError)}`),
        );
        return { bucket, key, status: run.step, importId, reason: run.reason };
    }
  } catch (error) {
    // Nothing registered (reading the upload or the registration itself failed).
    const rejected = error instanceof FileRejectedError;
    await deps.publish(unregisteredMessage(sourceName, errorText(error)));
    return {
      bucket,
      key,
      status: rejected ? 'rejected' : 'failed',
      reason: rejected ? error.reason : `import failed: ${errorText(error)}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
