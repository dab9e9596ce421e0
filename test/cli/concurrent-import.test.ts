// Two `qdp import` processes at the same moment. The same bytes: exactly one import, the other
// process says `duplicate` (exit 2) or `in_progress` (exit 3). Two different files: both publish,
// one after the other (reconciliation is serialised), each classified against the one before it,
// and the latest holds exactly its own file's people.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { qdp } from './support.ts';

const ROUNDS = 4;
const ROWS = 3000;

let db: TestDatabase;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  dir = mkdtempSync(path.join(tmpdir(), 'qdp-concurrent-'));
});

afterAll(async () => {
  await db.drop();
});

async function synthetic(name: string, day: number): Promise<string> {
  const outFile = path.join(dir, name);
  await writeSyntheticDailyFile({ rows: ROWS, seed: 'race', day, format: 'csv', outFile });
  return outFile;
}

describe('concurrent qdp import', () => {
  it('of the same bytes gives exactly one import; the other says duplicate or in_progress', async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const file = await synthetic(`same-${round}.csv`, round);
      const runs = await Promise.all([qdp(['import', file], env), qdp(['import', file], env)]);
      const codes = runs.map((r) => r.code).sort();
      const published = runs.find((r) => r.code === 0);
      const other = runs.find((r) => r !== published);
      expect(published?.stdout, `round ${round}`).toMatch(/is published/);
      expect([
        [0, 2],
        [0, 3],
      ]).toContainEqual(codes);
      if (other!.code === 2) expect(other!.stdout).toMatch(/duplicate/i);
      else {
        expect(other!.stdout).toMatch(
          /^Import \d+ of same-\d\.csv \(the same file\) is being imported by another process right now: nothing was imported/,
        );
      }
      const imports = await db.pool.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from qdp.imports where source_name = $1
         group by status order by status`,
        [`same-${round}.csv`],
      );
      const expected = other!.code === 2 ? [{ status: 'duplicate', n: 1 }] : [];
      expect(imports.rows).toEqual(
        [...expected, { status: 'published', n: 1 }].sort((a, b) => (a.status < b.status ? -1 : 1)),
      );
      const messages = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from qdp.publications p join qdp.imports i on i.id = p.import_id
         where i.source_name = $1`,
        [`same-${round}.csv`],
      );
      expect(messages.rows[0]!.n).toBe(1);
    }
  });

  it('of two different files publishes both in a defined order, the latest whole', async () => {
    const first = await synthetic('other-a.csv', 20);
    const second = await synthetic('other-b.csv', 21);
    const runs = await Promise.all([qdp(['import', first], env), qdp(['import', second], env)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const publications = await db.pool.query<{ import_id: string; source_name: string }>(
      `select p.import_id, i.source_name from qdp.publications p
       join qdp.imports i on i.id = p.import_id
       where i.source_name in ('other-a.csv', 'other-b.csv') order by p.id`,
    );
    expect(publications.rows.map((r) => r.source_name).sort()).toEqual([
      'other-a.csv',
      'other-b.csv',
    ]);
    const [earlier, later] = publications.rows;
    const latest = await db.pool.query('select qdp.latest_import_id()::text as id');
    expect(latest.rows[0].id).toBe(later!.import_id);
    // The later one was reconciled against the earlier one, never against an older state.
    const summary = await db.pool.query('select qdp.import_summary($1) as s', [later!.import_id]);
    expect(summary.rows[0].s.previousImportId).toBe(Number(earlier!.import_id));
    // Nothing mixed: the latest's quarantines are its own file's accepted rows, one each.
    const counts = await db.pool.query(
      `select (select rows_accepted from qdp.imports where id = $1) as accepted,
              (select count(*)::int from qdp.quarantines where import_id = $1) as quarantines,
              (select count(distinct fiscal_code)::int from qdp.quarantines where import_id = $1) as people`,
      [later!.import_id],
    );
    expect(counts.rows[0].quarantines).toBe(counts.rows[0].accepted);
    expect(counts.rows[0].people).toBe(counts.rows[0].accepted);
  });
});
