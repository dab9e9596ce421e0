// An existing database upgrades in place to the repeatable function files: one migrated by the
// numbered migrations alone (as every database was before db/functions), with published imports,
// then migrated by today's runner. Its data stay as they were, and it behaves as a new database:
// the next day's file gives the same outcome and the same quarantines on both.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDailyFile } from '../../core/importer.ts';
import { syncMunicipalities } from '../../core/municipalities.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { MIGRATIONS_DIR, migrate, readRepeatables } from '../../db/migrate.ts';
import { adminUrl, createTestDatabase, type TestDatabase } from '../support/database.ts';
import { withDatabase } from '../support/global-setup.ts';
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
  const name = `qdp_upgrade_${process.pid}`;
  let nextDay = '';
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
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    existing = new pg.Pool({ connectionString: withDatabase(adminUrl(), name), max: 3 });
    existing.on('error', () => undefined);
    fresh = await createTestDatabase();
  });

  afterAll(async () => {
    await existing.end();
    await fresh.drop();
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
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
