// An existing database upgrades in place to the repeatable function files: one migrated by the
// numbered migrations alone (as every database was before db/functions), with published imports,
// then migrated by today's runner. Its data stay as they were, and it behaves as a new database:
// the next day's file gives the same outcome and the same quarantines on both.
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDailyFile } from '../../core/importer.ts';
import { syncMunicipalities } from '../../core/municipalities.ts';
import { fiscalCode, writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { MIGRATIONS_DIR, migrate, readRepeatables } from '../../db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { importRows, validRow, type TransitRow } from './import-fixtures.ts';

/** Yesterday's imports, made through the SQL calls that existed before the function files. */
const EARLIER_DAYS: TransitRow[][] = [
  Array.from({ length: 300 }, (_, n) => validRow(n)),
  Array.from({ length: 300 }, (_, n) => validRow(n + 100, n % 7 === 0 ? { sesso: 'X' } : {})),
];

/** Every table's rows in a fixed order, as text, keyed by table. */
async function snapshot(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('qdp', 'qdp_analytics') and c.relkind in ('r', 'p') and not c.relispartition
     order by 1`,
  );
  const result: Record<string, string> = {};
  for (const { name } of rows) {
    const data = await pool.query<{ rows: string | null; n: number }>(
      `select count(*)::int as n, string_agg(t::text, E'\\n' order by t::text) as rows from ${name} t`,
    );
    result[name] = `${data.rows[0]!.n}\n${data.rows[0]!.rows ?? ''}`;
  }
  return result;
}

async function latestQuarantines(pool: pg.Pool): Promise<unknown[]> {
  const { rows } = await pool.query(
    `select fiscal_code, start_date::text, end_date::text, change, residence_istat, gp_code
     from qdp.quarantines where import_id = qdp.latest_import_id() order by fiscal_code`,
  );
  return rows;
}

describe('an existing database upgrades to the repeatable function files in place', () => {
  let nextDay = '';
  let existingDb: TestDatabase;
  let existing: pg.Pool;
  let fresh: TestDatabase;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qdp-upgrade-'));
    nextDay = path.join(dir, 'day3.csv');
    await writeSyntheticDailyFile({
      rows: 400,
      seed: 'upgrade',
      day: 3,
      format: 'csv',
      outFile: nextDay,
    });
    existingDb = await createTestDatabase({ unmigrated: true });
    existing = existingDb.pool;
    fresh = await createTestDatabase();
  });

  afterAll(async () => {
    await existingDb?.drop();
    await fresh?.drop();
  });

  it('keeps the data and behaves as a newly migrated database', async () => {
    const client = await existing.connect();
    try {
      // Yesterday's database: the numbered migrations only, no repeatable file applied.
      const before = await migrate(client, MIGRATIONS_DIR, null);
      expect(before.functions).toEqual([]);
      await syncMunicipalities(client, ['VR']);
    } finally {
      client.release();
    }
    for (const rows of EARLIER_DAYS) {
      expect((await importRows(existing, rows)).status).toBe('published');
    }
    const data = await snapshot(existing);
    expect(Object.keys(data).length).toBeGreaterThan(10);

    const upgrading = await existing.connect();
    try {
      const upgrade = await migrate(upgrading);
      expect(upgrade.applied).toEqual([]);
      expect(upgrade.functions).toEqual(readRepeatables().map((f) => f.path));
    } finally {
      upgrading.release();
    }
    // The one table the upgrade writes: what each role may read, recorded by the migrate run
    // (0069), one row per role from '-infinity'; every other table is unchanged.
    const { 'qdp.role_fields': before, ...upgradedData } = await snapshot(existing);
    const { 'qdp.role_fields': empty, ...earlierData } = data;
    expect(empty).toBe('0\n');
    expect(upgradedData).toEqual(earlierData);
    const kept = await existing.query<{ role: string; first: boolean }>(
      "select role, valid_from = '-infinity' as first from qdp.role_fields order by role",
    );
    const roles = await existing.query<{ name: string }>(
      'select name from qdp.roles order by name',
    );
    expect(kept.rows).toEqual(roles.rows.map((r) => ({ role: r.name, first: true })));
    expect(before).toMatch(new RegExp(`^${roles.rows.length}\n`));

    for (const rows of EARLIER_DAYS) {
      expect((await importRows(fresh.pool, rows)).status).toBe('published');
    }
    const onExisting = (await importDailyFile(existing, nextDay)).summary;
    const onFresh = (await importDailyFile(fresh.pool, nextDay)).summary;
    const comparable = (s: typeof onFresh) => ({
      ...s,
      receivedAt: undefined,
      finishedAt: undefined,
      durationSeconds: undefined,
    });
    expect(onExisting.status).toBe('published');
    expect(comparable(onExisting)).toEqual(comparable(onFresh));
    expect(await latestQuarantines(existing)).toEqual(await latestQuarantines(fresh.pool));
  });
});

describe("0073: a late publication's people get their first import back", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ unmigrated: true });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('moves first_import_id back to a held import published after a newer one, and nothing else', async () => {
    // The database as 0072 left it: the numbered migrations before 0073.
    const upTo0072 = mkdtempSync(path.join(tmpdir(), 'qdp-0072-'));
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f < '0073')) {
      copyFileSync(path.join(MIGRATIONS_DIR, file), path.join(upTo0072, file));
    }
    const client = await db.pool.connect();
    try {
      await migrate(client, upTo0072, null);
      const ids: number[] = [];
      for (const n of [1, 2]) {
        const { rows } = await client.query<{ id: string }>(
          `insert into qdp.imports (source_name, sha256, size_bytes, status, rows_total, rows_accepted, rows_rejected)
           values ($1, repeat($2, 64), 100, 'published', 2, 2, 0) returning id`,
          [`day_${n}.csv`, String(n)],
        );
        ids.push(Number(rows[0]!.id));
      }
      const [older, newer] = ids as [number, number];
      // The newer import was published first, the older one (held until then) after it.
      await client.query(
        `insert into qdp.publications (import_id, action, at) values
           ($1, 'publish', now() - interval '1 hour'), ($2, 'publish', now())`,
        [newer, older],
      );
      const person = (surname: string, birthDay: number) =>
        fiscalCode({
          surname,
          name: 'Persona',
          sex: 'F',
          birthYear: 1980,
          birthMonth: 2,
          birthDay,
          belfiore: 'L781',
        });
      const both = person('Sintetica', 3);
      const newerOnly = person('Fittizia', 4);
      for (const [importId, people] of [
        [older, [both]],
        [newer, [both, newerOnly]],
      ] as const) {
        await client.query(
          `create table qdp.quarantines_${importId} partition of qdp.quarantines for values in (${importId})`,
        );
        for (const code of people) {
          await client.query(
            `insert into qdp.quarantines (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
               residence_istat, reason, start_date, end_date, change)
             values ($1, 2, $2, 'SINTETICO', 'PERSONA', 'F', '1980-01-01', '023091', 'CONTATTO',
               '2020-11-01', '2020-11-10', 'new')`,
            [importId, code],
          );
        }
      }
      // As the upsert before b24503b left them: both first named by the newer import.
      for (const code of [both, newerOnly]) {
        await client.query(
          `insert into qdp.patients (fiscal_code, surname, name, sex, birth_date, residence_istat,
             first_import_id, last_import_id)
           values ($1, 'SINTETICO', 'PERSONA', 'F', '1980-01-01', '023091', $2, $2)`,
          [code, newer],
        );
      }
      const upgrade = await migrate(client);
      expect(upgrade.applied).toEqual(['0073_audited_reads_review.sql']);
      const { rows } = await client.query(
        'select fiscal_code, first_import_id::int as first, last_import_id::int as last from qdp.patients order by fiscal_code',
      );
      expect(rows).toEqual(
        [
          { fiscal_code: both, first: older, last: newer },
          { fiscal_code: newerOnly, first: newer, last: newer },
        ].sort((a, b) => a.fiscal_code.localeCompare(b.fiscal_code)),
      );
    } finally {
      client.release();
    }
  });
});
