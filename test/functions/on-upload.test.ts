// on-upload's plain function over a folder as the bucket, recorded workflow runs and messages,
// and the real test PostgreSQL (the Data API's SQL through pg).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import {
  candidateKeys,
  handleUpload,
  isDailyFileKey,
  stagedKeyOf,
  type UploadDeps,
} from '../../functions/on-upload/upload.ts';
import { pgSql, type Sql } from '../../db/sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { syntheticFiscalCode } from '../db/import-fixtures.ts';
import { folderObjects, importStagedFile, recorder } from './support.ts';
import { DEFAULT_LIMITS, FIELDS } from '../../contracts/daily-file.ts';

const BUCKET = 'landing';
let db: TestDatabase;
let root: string;
let objects: ReturnType<typeof folderObjects>;
let calls: ReturnType<typeof recorder>;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'qdp-on-upload-'));
});

beforeEach(async () => {
  await db?.drop();
  db = await createTestDatabase();
  await rm(path.join(root, BUCKET), { recursive: true, force: true });
  objects = folderObjects(root);
  calls = recorder();
});

afterAll(async () => {
  await db?.drop();
  await rm(root, { recursive: true, force: true });
});

function deps(overrides: Partial<UploadDeps> = {}): UploadDeps {
  return {
    sql: pgSql(db.pool),
    objects,
    startWorkflow: calls.startWorkflow,
    publish: calls.publish,
    workDir: root,
    ...overrides,
  };
}

async function put(key: string, content: string | Buffer): Promise<void> {
  const file = objects.pathOf(BUCKET, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

async function synthetic(key: string, format: 'csv' | 'xlsx', rows = 12, seed = 'on-upload') {
  const file = objects.pathOf(BUCKET, key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeSyntheticDailyFile({ rows, seed, format, outFile: file, badRowShare: 0 });
  return file;
}

async function importRow(id: number) {
  const { rows } = await db.pool.query(
    'select status, source_name, error, workflow_run_id from qdp.imports where id = $1',
    [id],
  );
  return rows[0] as Record<string, unknown>;
}

describe('keys', () => {
  it('decodes URL-encoded keys first and keeps the key as given second', () => {
    expect(candidateKeys('inbox/regione/day+1%2B.csv')).toEqual([
      'inbox/regione/day 1+.csv',
      'inbox/regione/day+1%2B.csv',
    ]);
    expect(candidateKeys('inbox/regione/day1.csv')).toEqual(['inbox/regione/day1.csv']);
    expect(candidateKeys('inbox/regione/100%.csv')).toEqual(['inbox/regione/100%.csv']);
  });

  it('handles .csv and .xlsx under inbox/ only', () => {
    expect(isDailyFileKey('inbox/regione/day1.csv')).toBe(true);
    expect(isDailyFileKey('inbox/regione/DAY1.XLSX')).toBe(true);
    expect(isDailyFileKey('inbox/regione/day1.txt')).toBe(false);
    expect(isDailyFileKey('inbox/regione/')).toBe(false);
    expect(isDailyFileKey('staging/1/day1.csv')).toBe(false);
    expect(isDailyFileKey('day1.csv')).toBe(false);
  });

  it('stages under staging/<import id>/ as .csv', () => {
    expect(stagedKeyOf(7, 'inbox/regione/day 1.xlsx')).toBe('staging/7/day 1.csv');
  });
});

describe('handleUpload', () => {
  it('tells ETL_Failure of a file under inbox/ that is not a daily file; ignores the rest', async () => {
    await put('inbox/regione/notes.txt', 'x');
    await put('other/day1.csv', 'x');
    expect(await handleUpload({ bucket: BUCKET, key: 'inbox/regione/notes.txt' }, deps())).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/notes.txt',
      status: 'not_a_daily_file',
    });
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: 'Upload regione/notes.txt is not a daily file',
        text: [
          'The file regione/notes.txt was uploaded to the inbox but is not a daily file, so it was not imported.',
          'Accepted: a file whose name ends in .csv or .xlsx (in any letter case).',
          'What to do: The latest published data is unchanged. Upload the daily file again as CSV or Excel with one of those endings.',
        ].join('\n'),
      },
    ]);
    calls.messages.length = 0;
    expect(await handleUpload({ bucket: BUCKET, key: 'other/day1.csv' }, deps())).toEqual({
      bucket: BUCKET,
      key: 'other/day1.csv',
      status: 'ignored',
    });
    // An SFTP client's temporary name, renamed away before the function runs: nothing to say.
    expect(
      await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv.filepart' }, deps()),
    ).toEqual({ bucket: BUCKET, key: 'inbox/regione/day1.csv.filepart', status: 'ignored' });
    expect(await handleUpload({ bucket: BUCKET, key: 'inbox/regione/gone.csv' }, deps())).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/gone.csv',
      status: 'missing',
    });
    expect(calls.messages).toEqual([]);
    expect((await db.pool.query('select count(*)::int as n from qdp.imports')).rows[0].n).toBe(0);
  });

  it('registers a CSV, stages it as one UTF-8 comma CSV and starts the workflow with the run properties', async () => {
    const cf = syntheticFiscalCode(1);
    // Windows-1252, semicolons, header aliases, an address on two lines, and values a spreadsheet
    // would take for formulas (a phone number's +, a GP name's =): staged exactly as they are.
    const source = [
      'CF;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;COMUNE_RESIDENZA;INDIRIZZO_RESIDENZA;TELEFONO;COD_MEDICO;MEDICO;MOTIVO;DATA_INIZIO;DATA_FINE',
      `${cf};NICOLÒ;ANDRÉ;M;01/02/1980;023091;Verona;"Via Roma, 1\nscala B";+39 045 8001234;MG00001;=ROSSI;CONTATTO;01/03/2021;10/03/2021`,
      '',
    ].join('\r\n');
    await put('inbox/regione/day 1.csv', Buffer.from(source, 'latin1'));
    // The key as AWS sends it: URL-encoded, a space as +.
    const outcome = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day+1.csv' }, deps());
    expect(outcome).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/day 1.csv',
      status: 'started',
      importId: 1,
      workflowRunId: 'wr_1',
      stagedKey: 'staging/1/day 1.csv',
    });
    expect(calls.runs).toEqual([
      {
        qdp_import_id: '1',
        qdp_staged_bucket: BUCKET,
        qdp_staged_key: 'staging/1/day 1.csv',
        qdp_source_name: 'regione/day 1.csv',
      },
    ]);
    expect(await readFile(objects.pathOf(BUCKET, 'staging/1/day 1.csv'), 'utf8')).toBe(
      [
        ['QDP_LINE_NO', ...FIELDS.map((f) => f.header)].join(','),
        `2,${cf},NICOLÒ,ANDRÉ,M,01/02/1980,023091,Verona,"Via Roma, 1\nscala B",+39 045 8001234,MG00001,=ROSSI,CONTATTO,01/03/2021,10/03/2021`,
        '',
      ].join('\r\n'),
    );
    expect(await importRow(1)).toEqual({
      status: 'loading',
      source_name: 'regione/day 1.csv',
      error: null,
      workflow_run_id: 'wr_1',
    });
    expect(calls.messages).toEqual([]);
  });

  it('does not start a second import for a second delivery while the first is in flight', async () => {
    await synthetic('inbox/regione/day1.csv', 'csv');
    await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    const again = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    expect(again).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/day1.csv',
      status: 'in_progress',
      importId: 1,
    });
    expect(calls.runs).toHaveLength(1);
    expect(calls.messages).toEqual([]);
    expect((await db.pool.query('select count(*)::int as n from qdp.imports')).rows[0].n).toBe(1);
  });

  it('registers the same bytes again once the import in flight is stale (stale_import_minutes)', async () => {
    await synthetic('inbox/regione/day1.csv', 'csv');
    await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    await db.pool.query(
      "update qdp.imports set received_at = now() - make_interval(mins => qdp.setting('stale_import_minutes')::integer + 1)",
    );
    const again = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    expect(again).toMatchObject({ status: 'started', importId: 2, workflowRunId: 'wr_2' });
    expect((await importRow(1)).status).toBe('failed');
  });

  it('makes the same bytes uploaded after the import finished a duplicate, with its message', async () => {
    await synthetic('inbox/regione/day1.csv', 'csv');
    await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    expect(await importStagedFile(db.pool, 1, objects.pathOf(BUCKET, 'staging/1/day1.csv'))).toBe(
      'published',
    );
    await synthetic('inbox/regione/again.csv', 'csv');
    const outcome = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/again.csv' }, deps());
    expect(outcome).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/again.csv',
      status: 'duplicate',
      importId: 2,
    });
    expect(calls.runs).toHaveLength(1);
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: 'Import 2 duplicate: regione/again.csv',
        text: [
          'Import 2 of regione/again.csv is a duplicate of import 1: nothing changed.',
          'What to do: Nothing changed: the same file was already imported. If the Region meant to send a new file, ask for it.',
        ].join('\n'),
      },
    ]);
  });

  it('converts an xlsx to a UTF-8 CSV with the contract headers, values as the reader gives them', async () => {
    await synthetic('inbox/regione/day1.xlsx', 'xlsx', 5);
    const outcome = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.xlsx' }, deps());
    expect(outcome).toMatchObject({
      status: 'started',
      importId: 1,
      stagedKey: 'staging/1/day1.csv',
    });
    const staged = await readFile(objects.pathOf(BUCKET, 'staging/1/day1.csv'), 'utf8');
    const lines = staged.split('\r\n');
    expect(lines[0]).toBe(['QDP_LINE_NO', ...FIELDS.map((f) => f.header)].join(','));
    expect(lines).toHaveLength(1 + 5 + 1); // header, rows, the empty string after the last CRLF
    // Each row starts with its row in the sheet (the header is row 1).
    expect(lines.slice(1, 6).map((line) => line.split(',')[0])).toEqual(['2', '3', '4', '5', '6']);
    // The same synthetic day as CSV imports to the same quarantines: the conversion lost nothing.
    expect(await importStagedFile(db.pool, 1, objects.pathOf(BUCKET, 'staging/1/day1.csv'))).toBe(
      'published',
    );
    const { rows } = await db.pool.query(
      'select rows_total, rows_accepted, rows_rejected from qdp.imports where id = 1',
    );
    expect(rows[0]).toEqual({ rows_total: 5, rows_accepted: 5, rows_rejected: 0 });
  });

  it('rejects a corrupt xlsx with the reader reason and tells ETL_Failure', async () => {
    await put('inbox/regione/broken.xlsx', 'this is not a zip file');
    const outcome = await handleUpload(
      { bucket: BUCKET, key: 'inbox/regione/broken.xlsx' },
      deps(),
    );
    expect(outcome).toMatchObject({ status: 'rejected', importId: 1 });
    expect(outcome.reason).toMatch(/^not a readable xlsx file: /);
    expect(calls.runs).toEqual([]);
    expect(await importRow(1)).toMatchObject({ status: 'rejected', error: outcome.reason });
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: 'Import 1 rejected: regione/broken.xlsx',
        text: [
          'Import 1 of regione/broken.xlsx was rejected.',
          `Reason: ${outcome.reason}`,
          'What to do: The latest published data is unchanged. Correct the file and upload it again; the rejects report (qdp rejects 1) says what is wrong.',
        ].join('\n'),
      },
    ]);
  });

  it('rejects an xlsx whose header misses required columns, before anything is staged', async () => {
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Quarantene').addRow(['CODICE_FISCALE', 'COGNOME']);
    const file = objects.pathOf(BUCKET, 'inbox/regione/short.xlsx');
    await mkdir(path.dirname(file), { recursive: true });
    await workbook.xlsx.writeFile(file);
    const outcome = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/short.xlsx' }, deps());
    expect(outcome).toMatchObject({ status: 'rejected', importId: 1 });
    expect(outcome.reason).toBe(
      'missing required columns: NOME, SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, MOTIVO, DATA_INIZIO, DATA_FINE (found: CODICE_FISCALE, COGNOME)',
    );
    expect(await objects.size(BUCKET, 'staging/1/short.csv')).toBeNull();
  });

  it('rejects a file over the size limit without storing it, and an empty file', async () => {
    await put('inbox/regione/big.csv', 'x'.repeat(101));
    await put('inbox/regione/empty.csv', '');
    const limits = { ...DEFAULT_LIMITS, maxFileBytes: 100 };
    const big = await handleUpload(
      { bucket: BUCKET, key: 'inbox/regione/big.csv' },
      deps({ limits }),
    );
    expect(big).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/big.csv',
      status: 'rejected',
      importId: 1,
      reason: 'the file has 101 bytes, more than the limit of 100 bytes',
    });
    const empty = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/empty.csv' }, deps());
    expect(empty).toMatchObject({ status: 'rejected', importId: 2, reason: 'the file is empty' });
    expect(calls.messages.map((m) => m.subject)).toEqual([
      'Import 1 rejected: regione/big.csv',
      'Import 2 rejected: regione/empty.csv',
    ]);
    expect(calls.runs).toEqual([]);
  });

  it('fails the import when the workflow cannot start, so the same file can be sent again', async () => {
    await synthetic('inbox/regione/day1.csv', 'csv');
    const outcome = await handleUpload(
      { bucket: BUCKET, key: 'inbox/regione/day1.csv' },
      deps({
        startWorkflow: () =>
          Promise.reject(new Error('ConcurrentRunsExceededException: too many runs')),
      }),
    );
    expect(outcome).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/day1.csv',
      status: 'failed',
      importId: 1,
      reason: 'import failed: ConcurrentRunsExceededException: too many runs',
    });
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: 'Import 1 failed: regione/day1.csv',
        text: [
          'Import 1 of regione/day1.csv failed.',
          'Reason: import failed: ConcurrentRunsExceededException: too many runs',
          'What to do: The latest published data is unchanged. The import did not complete: check the error, then upload the same file again (it is not treated as a duplicate).',
        ].join('\n'),
      },
    ]);
    const again = await handleUpload({ bucket: BUCKET, key: 'inbox/regione/day1.csv' }, deps());
    expect(again).toMatchObject({ status: 'started', importId: 2 });
  });

  it('tells ETL_Failure when the database cannot be reached (nothing registered)', async () => {
    await synthetic('inbox/regione/day1.csv', 'csv');
    const down: Sql = {
      query: () =>
        Promise.reject(new Error('DatabaseUnavailableException: the database is not available')),
    };
    const outcome = await handleUpload(
      { bucket: BUCKET, key: 'inbox/regione/day1.csv' },
      deps({ sql: down }),
    );
    expect(outcome).toEqual({
      bucket: BUCKET,
      key: 'inbox/regione/day1.csv',
      status: 'failed',
      reason: 'import failed: DatabaseUnavailableException: the database is not available',
    });
    expect(calls.messages).toEqual([
      {
        topic: 'ETL_Failure',
        subject: 'Import of regione/day1.csv failed',
        text: [
          'The file regione/day1.csv could not be registered for import.',
          'Reason: DatabaseUnavailableException: the database is not available',
          'What to do: The latest published data is unchanged. Once the cause is solved, upload the same file again (it is not treated as a duplicate).',
        ].join('\n'),
      },
    ]);
    expect(calls.runs).toEqual([]);
  });
});
