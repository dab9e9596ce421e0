// `qdp purge --days 0` on a database with a published and a held import and a fresh access-log
// entry: nothing of it goes, and the command says what it kept and why.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { qdp } from './support.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

describe('qdp purge', () => {
  it('keeps the latest published and the held import and young audit entries, saying why', async () => {
    const env = { DATABASE_URL: db.url };
    const dir = mkdtempSync(path.join(tmpdir(), 'qdp-purge-'));
    const good = path.join(dir, 'day1.csv');
    const bad = path.join(dir, 'day2.csv');
    await writeSyntheticDailyFile({
      rows: 200,
      seed: 'purge',
      day: 1,
      format: 'csv',
      outFile: good,
    });
    await writeSyntheticDailyFile({
      rows: 200,
      seed: 'purge',
      day: 2,
      format: 'csv',
      outFile: bad,
      badRowShare: 0.5,
    });
    expect((await qdp(['import', good], env)).code).toBe(0);
    const held = await qdp(['import', bad, '--json'], env);
    expect(JSON.parse(held.stdout).status).toBe('held');
    await db.pool.query(
      `insert into qdp.audit_log (at, action, fiscal_code) values (now() - interval '2 days', 'view', null)`,
    );
    const run = await qdp(['purge', '--days', '0'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'purged: 0 imports, 0 audit entries, 0 patients no kept import names\n' +
        "kept although older than the retention: import 1 (the latest published); import 2 (held: awaiting an administrator's decision); 1 audit entry (access logs are kept 24 months: audit_retention_months)\n",
    );
    const imports = await db.pool.query('select id::int, status from qdp.imports order by id');
    expect(imports.rows).toEqual([
      { id: 1, status: 'published' },
      { id: 2, status: 'held' },
    ]);
    const audit = await db.pool.query('select count(*)::int as n from qdp.audit_log');
    expect(audit.rows[0].n).toBe(1);
  });
});
