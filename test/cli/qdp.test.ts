import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { freePort } from '../../local/embedded.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { qdp } from './support.ts';

const HEADER =
  'CODICE_FISCALE;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;COMUNE_RESIDENZA;INDIRIZZO_RESIDENZA;TELEFONO;COD_MEDICO;MEDICO;MOTIVO;DATA_INIZIO;DATA_FINE';

describe('qdp command', () => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'qdp-cli-'));
    env = { DATABASE_URL: db.url };
  });

  afterAll(async () => {
    await db.drop();
  });

  async function synth(name: string, day: number, badRowShare = 0.02, rows = 300): Promise<string> {
    const file = path.join(dir, name);
    await writeSyntheticDailyFile({
      rows,
      seed: 'cli',
      day,
      format: 'csv',
      outFile: file,
      badRowShare,
    });
    return file;
  }

  it('imports a daily file, prints one JSON object and exits 0 when published', async () => {
    const file = await synth('day1.csv', 1);
    const run = await qdp(['import', file, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout);
    expect(outcome).toMatchObject({ importId: 1, status: 'published', rowsTotal: 300 });
    expect(outcome.rowsAccepted + outcome.rowsRejected).toBe(300);
    expect(outcome.rowsRejected).toBeGreaterThan(0);
    expect(outcome.message.split('\n')[0]).toBe(
      'Import 1 of day1.csv is published: it is now the latest data.',
    );
  });

  it('exits 2 on a duplicate and changes nothing', async () => {
    const file = path.join(dir, 'day1.csv');
    const before = await db.pool.query('select count(*)::int as n from qdp.quarantines');
    const run = await qdp(['import', file, '--json'], env);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ importId: 2, status: 'duplicate' });
    const after = await db.pool.query('select count(*)::int as n from qdp.quarantines');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const latest = await db.pool.query('select qdp.latest_import_id()::int as id');
    expect(latest.rows[0].id).toBe(1);
  });

  it('prints the human summary without --json', async () => {
    const file = await synth('day2.csv', 2);
    const run = await qdp(['import', file], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(
      /^\[ETL_Success\] Import 3 published: \d+ in quarantine$/,
    );
    expect(run.stdout).toContain('since import 1).');
  });

  it('holds a file with too many bad rows (exit 2), then publishes it on request', async () => {
    const file = await synth('day3-bad.csv', 3, 0.5);
    const run = await qdp(['import', file, '--json'], env);
    expect(run.code).toBe(2);
    const outcome = JSON.parse(run.stdout);
    expect(outcome.status).toBe('held');
    expect(outcome.message).toContain(`What to do: The latest published data is unchanged.`);
    const held = outcome.importId as number;
    expect((await db.pool.query('select qdp.latest_import_id()::int as id')).rows[0].id).toBe(3);

    const rejects = await qdp(['rejects', String(held), '--csv'], env);
    expect(rejects.code).toBe(0);
    const lines = rejects.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('line;field;reason');
    expect(lines.length - 1).toBe(
      (
        await db.pool.query('select count(*)::int as n from qdp.rejects where import_id = $1', [
          held,
        ])
      ).rows[0].n,
    );

    const publish = await qdp(['publish', String(held)], env);
    expect(publish.stderr).toBe('');
    expect(publish.code).toBe(0);
    expect(publish.stdout).toMatch(
      new RegExp(
        `^import ${held} is published: it is now the latest \\(\\d+ people in quarantine\\)\\n$`,
      ),
    );
    expect((await db.pool.query('select qdp.latest_import_id()::int as id')).rows[0].id).toBe(held);

    const rollback = await qdp(['rollback', '3'], env);
    expect(rollback.code).toBe(0);
    expect((await db.pool.query('select qdp.latest_import_id()::int as id')).rows[0].id).toBe(3);

    const history = await qdp(['imports', '--json'], env);
    expect(
      JSON.parse(history.stdout).map((r: { id: string; status: string; is_latest: boolean }) => [
        Number(r.id),
        r.status,
        r.is_latest,
      ]),
    ).toEqual([
      [held, 'published', false],
      [3, 'published', true],
      [2, 'duplicate', false],
      [1, 'published', false],
    ]);
  });

  it('refuses a missing file with exit 1 and registers nothing', async () => {
    const missing = path.join(dir, 'nope.csv');
    const run = await qdp(['import', missing], env);
    expect(run).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `qdp: error: file not found: ${missing}\n`,
    });
  });

  it('refuses an unsupported format with exit 1', async () => {
    const file = path.join(dir, 'quarantene.txt');
    writeFileSync(file, 'hello');
    const run = await qdp(['import', file], env);
    expect(run).toMatchObject({
      code: 1,
      stderr:
        'qdp: error: quarantene.txt: unsupported file type ".txt": the daily file must be .csv or .xlsx\n',
    });
  });

  it('rejects an empty file as a whole with exit 2', async () => {
    const file = path.join(dir, 'empty.csv');
    writeFileSync(file, '');
    const run = await qdp(['import', file, '--json'], env);
    expect(run.code).toBe(2);
    const outcome = JSON.parse(run.stdout);
    expect(outcome).toMatchObject({
      status: 'rejected',
      rowsTotal: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
    });
    expect(outcome.message).toContain('Reason: the file is empty');
  });

  it('rejects a file with missing columns, saying which were found and which are missing', async () => {
    const file = path.join(dir, 'columns.csv');
    writeFileSync(file, 'CODICE_FISCALE;COGNOME;NOME\nRSSMRA80A01L781X;ROSSI;MARIO\n');
    const run = await qdp(['import', file, '--json'], env);
    expect(run.code).toBe(2);
    const outcome = JSON.parse(run.stdout);
    expect(outcome.status).toBe('rejected');
    expect(outcome.message).toContain(
      'Reason: missing required columns: SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, MOTIVO, DATA_INIZIO, DATA_FINE (found: CODICE_FISCALE, COGNOME, NOME)',
    );
  });

  it('accepts a file whose rows all fail validation as rejected, not published', async () => {
    const file = path.join(dir, 'all-bad.csv');
    writeFileSync(file, `${HEADER}\nXX;;;Z;31/02/1980;999999;;;;;;MALATO;01/01/2021;01/01/2020\n`);
    const run = await qdp(['import', file, '--json'], env);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      rowsTotal: 1,
      rowsAccepted: 0,
      rowsRejected: 1,
    });
  });

  it('exits 1 with a clear message when the database is down', async () => {
    const port = await freePort();
    const file = path.join(dir, 'day1.csv');
    const run = await qdp(['import', file], {
      DATABASE_URL: `postgres://qdp:secret@127.0.0.1:${port}/qdp`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^qdp: error: cannot connect to the database at 127\\.0\\.0\\.1:${port}/qdp: .*ECONNREFUSED.*\\n$`,
      ),
    );
    expect(run.stderr).not.toContain('secret');
  });

  it('explains bad usage', async () => {
    const run = await qdp(['rollback', 'x'], env);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'qdp: qdp rollback needs one import id (a positive whole number)',
    );
    const unknown = await qdp(['frobnicate'], env);
    expect(unknown.stderr.split('\n')[0]).toBe('qdp: unknown command "frobnicate"');
  });
});
