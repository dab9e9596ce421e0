// The dashboard aggregates of 0012_analytics.sql: filled by the publication hook, once per import,
// equal to the same counts computed directly from the quarantines; scoped per role.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDailyFile } from '../../core/importer.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { readMigrations } from '../../db/migrate.ts';
import { withUserSession } from '../../db/session.ts';
import { asReader, createPortalLogin, type PortalLogin } from '../db/access-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let dir: string;
let login: PortalLogin;
const imports: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db, { opensSessions: true });
  dir = await mkdtemp(path.join(tmpdir(), 'qdp-analytics-'));
  for (const day of [1, 2, 3]) {
    const file = path.join(dir, `day${day}.csv`);
    await writeSyntheticDailyFile({
      rows: 400,
      seed: 'analytics',
      day,
      format: 'csv',
      outFile: file,
      provinces: ['VR'],
    });
    const { summary } = await importDailyFile(db.pool, file);
    expect(summary.status).toBe('published');
    imports.push(summary.importId);
  }
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const rowsOf = async (sql: string, params: unknown[] = []) =>
  (await db.pool.query(sql, params)).rows;

/** The per-key aggregate tables and their keys (besides the reason). */
const PER_KEY_TABLES = [
  { table: 'by_municipality', keys: ['residence_istat'] },
  { table: 'by_gp', keys: ['gp_code'] },
  { table: 'by_gp_municipality', keys: ['gp_code', 'residence_istat'] },
] as const;

async function actualPerKey(pool: pg.Pool, table: string, keys: readonly string[], id: number) {
  const order = keys.map((_, i) => i + 1).join(', ');
  return (
    await pool.query(
      `select ${keys.join(', ')}, reason, people, entries, extended, shortened, ending, exits
       from qdp_analytics.${table} where import_id = $1 order by ${order}, reason`,
      [id],
    )
  ).rows;
}

/**
 * The same counts computed directly from the quarantines of an import and of the one before it.
 * Exits per key are the previous import's people minus those carried over (see 0012).
 */
async function expectedPerKey(
  pool: pg.Pool,
  keys: readonly string[],
  id: number,
  previous: number,
) {
  const key = keys.map((k) => `coalesce(${k}, '') as ${k}`).join(', ');
  // People of one import (cur or prev) under the key k, with a further condition on them (x).
  const count = (from: 'cur' | 'prev', where = 'true') =>
    `(select count(*) from ${from} x where ${keys.map((k) => `coalesce(x.${k}, '') = k.${k}`).join(' and ')} and x.reason = k.reason and ${where})`;
  return (
    await pool.query(
      `with cur as (select * from qdp.quarantines where import_id = $1),
            prev as (select * from qdp.quarantines where import_id = $2),
            ref as (select max(start_date) as day from cur),
            keys as (select ${key}, reason from cur union select ${key}, reason from prev)
       select ${keys.map((k) => `k.${k}`).join(', ')}, k.reason,
         ${count('cur')}::int as people,
         ${count('cur', "x.change = 'new'")}::int as entries,
         ${count('cur', "x.change = 'extended'")}::int as extended,
         ${count('cur', "x.change = 'shortened'")}::int as shortened,
         ${count('cur', 'x.end_date = (select day from ref)')}::int as ending,
         (${count('prev')} - ${count('cur', "x.change <> 'new'")})::int as exits
       from keys k order by ${keys.map((_, i) => i + 1).join(', ')}, k.reason`,
      [id, previous],
    )
  ).rows;
}

describe('the publication hook', () => {
  it('aggregates every published import once, with its reference day and previous import', async () => {
    const rows = await rowsOf(
      'select import_id::int, previous_import_id::int as previous, reference_day::text from qdp_analytics.imports order by import_id',
    );
    const days = await rowsOf(
      'select import_id::int, max(start_date)::text as day from qdp.quarantines group by import_id order by import_id',
    );
    expect(rows).toEqual(
      imports.map((id, i) => ({
        import_id: id,
        previous: i === 0 ? null : imports[i - 1],
        reference_day: days[i]!.day,
      })),
    );
    const pubs = await rowsOf(
      'select import_id::int, action from qdp_analytics.publications order by publication_id',
    );
    expect(pubs).toEqual(imports.map((id) => ({ import_id: id, action: 'publish' })));
  });

  it('counts by municipality, by GP and by GP × municipality exactly as the quarantines say', async () => {
    for (const [i, id] of imports.entries()) {
      const previous = i === 0 ? -1 : imports[i - 1]!;
      for (const { table, keys } of PER_KEY_TABLES) {
        const actual = await actualPerKey(db.pool, table, keys, id);
        expect(actual, `${table} of import ${id}`).toEqual(
          await expectedPerKey(db.pool, keys, id, previous),
        );
        expect(actual.length).toBeGreaterThan(10);
      }
      // The totals are exact: the exits are the people of the previous import absent from this one.
      const total = await rowsOf(
        'select people, entries, exits, ending from qdp_analytics.imports where import_id = $1',
        [id],
      );
      const direct = await rowsOf(
        `select (select count(*) from qdp.quarantines where import_id = $1)::int as people,
           (select count(*) from qdp.quarantines where import_id = $1 and change = 'new')::int as entries,
           (select count(*) from qdp.quarantines p where import_id = $2 and not exists
              (select 1 from qdp.quarantines c where c.import_id = $1 and c.fiscal_code = p.fiscal_code))::int as exits,
           (select count(*) from qdp.quarantines where import_id = $1 and end_date =
              (select max(start_date) from qdp.quarantines where import_id = $1))::int as ending`,
        [id, previous],
      );
      expect(total).toEqual(direct);
      if (i > 0) expect(direct[0]!.exits).toBeGreaterThan(0);
      // Every per-key table adds up to the import's totals.
      for (const { table } of PER_KEY_TABLES) {
        expect(
          await rowsOf(
            `select sum(people)::int as people, sum(entries)::int as entries, sum(exits)::int as exits,
               sum(ending)::int as ending from qdp_analytics.${table} where import_id = $1`,
            [id],
          ),
          table,
        ).toEqual(total);
      }
    }
    // A GP's patients live in more than one municipality (what the GP's chart shows).
    const spread = await rowsOf(
      `select max(n)::int as n from (select count(distinct residence_istat) as n
         from qdp_analytics.by_gp_municipality where import_id = $1 and gp_code <> '' group by gp_code) g`,
      [imports[2]],
    );
    expect(spread[0]!.n).toBeGreaterThan(1);
  });

  it('a rollback adds a publication and recomputes nothing', async () => {
    const before = await rowsOf('select count(*)::int as n from qdp_analytics.by_municipality');
    await db.pool.query('select qdp.rollback_to($1, $2)', [imports[0], 'test']);
    const pubs = await rowsOf(
      'select import_id::int, action from qdp_analytics.publications order by publication_id',
    );
    expect(pubs.at(-1)).toEqual({ import_id: imports[0], action: 'rollback' });
    expect(await rowsOf('select count(*)::int as n from qdp_analytics.by_municipality')).toEqual(
      before,
    );
    await db.pool.query('select qdp.rollback_to($1, $2)', [imports[2], 'test']);
  });

  it('audit entries count as accesses per day, role and action; list pages and searches do not (0066)', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      "insert into qdp.users (username, display_name, role) values ('an-admin', 'A', 'admin') returning id",
    );
    const id = Number(rows[0]!.id);
    // Two people of an import: an entry may name only people the session reads (0070).
    const [x, y] = await rowsOf(
      'select fiscal_code, import_id from qdp.quarantines where import_id = $1 order by fiscal_code limit 2',
      [imports[2]],
    );
    const shown = (code: unknown) => JSON.stringify({ rows: 1, shown: [code] });
    // Written as the administrator's reader, as qdp.read_quarantines writes them (0072).
    await asReader(db, id, async (c) => {
      for (const p of [x, y]) {
        await c.query("select qdp.audit('patient.view', $1, $2, null, '127.0.0.1')", [
          p!.fiscal_code,
          p!.import_id,
        ]);
      }
      await c.query("select qdp.audit('list.export', null, $1, $2)", [
        x!.import_id,
        shown(x!.fiscal_code),
      ]);
      await c.query("select qdp.audit('list.view', null, $1, $2)", [
        x!.import_id,
        shown(x!.fiscal_code),
      ]);
      await c.query("select qdp.audit('list.search', null, $1, $2)", [
        y!.import_id,
        shown(y!.fiscal_code),
      ]);
    });
    expect(
      await rowsOf('select role, action, count::int from qdp_analytics.accesses order by action'),
    ).toEqual([
      { role: 'admin', action: 'list.export', count: 1 },
      { role: 'admin', action: 'patient.view', count: 2 },
    ]);
  });
});

describe('who reads which aggregates', () => {
  it('scopes rows per role and withholds the reason from the prefecture and the municipality', async () => {
    const istat = (
      await rowsOf(
        'select residence_istat from qdp_analytics.by_municipality where import_id = $1 order by people desc limit 1',
        [imports[2]],
      )
    )[0]!.residence_istat as string;
    const gp = (
      await rowsOf(
        "select gp_code from qdp_analytics.by_gp where import_id = $1 and gp_code <> '' order by people desc limit 1",
        [imports[2]],
      )
    )[0]!.gp_code as string;
    const users: Record<string, number> = {};
    for (const [name, role, i, g] of [
      ['a', 'admin', null, null],
      ['s', 'staff', null, null],
      ['p', 'prefecture', null, null],
      ['m', 'municipality', istat, null],
      ['g', 'gp', null, gp],
    ] as const) {
      const { rows } = await db.pool.query<{ id: string }>(
        'insert into qdp.users (username, display_name, role, istat_code, gp_code) values ($1, $1, $2, $3, $4) returning id',
        [`scope-${name}`, role, i, g],
      );
      users[role] = Number(rows[0]!.id);
    }
    const count = (role: string, sql: string) =>
      withUserSession(login.pool, users[role]!, async (c) =>
        Number((await c.query(sql)).rows[0].n),
      );
    const allMun = Number(
      (await rowsOf('select count(*) as n from qdp_analytics.by_municipality'))[0]!.n,
    );
    const allGp = Number((await rowsOf('select count(*) as n from qdp_analytics.by_gp'))[0]!.n);
    const ownMun = Number(
      (
        await rowsOf(
          'select count(*) as n from qdp_analytics.by_municipality where residence_istat = $1',
          [istat],
        )
      )[0]!.n,
    );
    const ownGp = Number(
      (await rowsOf('select count(*) as n from qdp_analytics.by_gp where gp_code = $1', [gp]))[0]!
        .n,
    );
    const munSql = 'select count(*) as n from qdp_analytics.by_municipality';
    const gpSql = 'select count(*) as n from qdp_analytics.by_gp';
    expect(await count('admin', munSql)).toBe(allMun);
    expect(await count('staff', munSql)).toBe(allMun);
    expect(await count('prefecture', munSql)).toBe(allMun);
    expect(await count('municipality', munSql)).toBe(ownMun);
    expect(await count('admin', gpSql)).toBe(allGp);
    expect(await count('gp', gpSql)).toBe(ownGp);
    // GP × municipality: the health authority all of it, a GP its own code (with the reason),
    // the Prefecture and the municipality nothing.
    const gmSql = 'select count(*) as n from qdp_analytics.by_gp_municipality';
    const allGm = Number((await rowsOf(gmSql))[0]!.n);
    const ownGm = Number(
      (
        await rowsOf(
          'select count(*) as n from qdp_analytics.by_gp_municipality where gp_code = $1',
          [gp],
        )
      )[0]!.n,
    );
    expect(ownGm).toBeGreaterThan(0);
    expect(ownGm).toBeLessThan(allGm);
    expect(await count('admin', gmSql)).toBe(allGm);
    expect(await count('staff', gmSql)).toBe(allGm);
    expect(await count('gp', gmSql)).toBe(ownGm);
    expect(
      await count('gp', 'select count(reason) as n from qdp_analytics.by_gp_municipality'),
    ).toBe(ownGm);
    await expect(count('prefecture', gmSql)).rejects.toThrow(/permission denied/);
    await expect(count('municipality', gmSql)).rejects.toThrow(/permission denied/);
    await expect(count('gp', munSql)).rejects.toThrow(/permission denied/);
    await expect(count('prefecture', gpSql)).rejects.toThrow(/permission denied/);
    await expect(count('municipality', gpSql)).rejects.toThrow(/permission denied/);
    await expect(
      count('prefecture', 'select count(reason) as n from qdp_analytics.by_municipality'),
    ).rejects.toThrow(/permission denied/);
    await expect(
      count('municipality', 'select count(reason) as n from qdp_analytics.by_municipality'),
    ).rejects.toThrow(/permission denied/);
    await expect(count('gp', 'select sum(people) as n from qdp_analytics.imports')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      count('staff', 'select count(*) as n from qdp_analytics.accesses'),
    ).rejects.toThrow(/permission denied/);
    expect(await count('admin', 'select count(*) as n from qdp_analytics.accesses')).toBe(
      Number((await rowsOf('select count(*) as n from qdp_analytics.accesses'))[0]!.n),
    );
  });
});

// 0023 added by_gp_municipality and filled it for the imports already aggregated. Its numbered
// file predates the repeatable functions (db/functions/), so today's importer cannot load a
// database stopped before 0023; instead the backfill block of 0023, as written in the migration,
// runs on a database whose by_gp_municipality rows were removed, exactly as it ran on databases
// that had published imports before 0023.
describe('the backfill of migration 0023 on imports aggregated without GP × municipality', () => {
  it('fills GP × municipality for them, leaving the other aggregates as they were', async () => {
    const migration = readMigrations().find((m) => m.version === 23);
    const marker = '-- Imports aggregated before this migration get their GP × municipality rows';
    const from = migration?.sql.indexOf(marker) ?? -1;
    expect(from, '0023 holds its backfill block').toBeGreaterThan(0);
    const backfill = migration!.sql.slice(from, migration!.sql.indexOf('\n$$;', from) + 4);
    expect(backfill.trimEnd().endsWith('$$;')).toBe(true);
    const fresh = await createTestDatabase();
    try {
      const ids: number[] = [];
      for (const day of [1, 2, 3]) {
        const { summary } = await importDailyFile(fresh.pool, path.join(dir, `day${day}.csv`));
        expect(summary.status).toBe('published');
        ids.push(summary.importId);
      }
      const before = {
        municipality: await actualPerKey(
          fresh.pool,
          'by_municipality',
          ['residence_istat'],
          ids[2]!,
        ),
        gp: await actualPerKey(fresh.pool, 'by_gp', ['gp_code'], ids[2]!),
      };
      const removed = await fresh.pool.query('delete from qdp_analytics.by_gp_municipality');
      expect(removed.rowCount).toBeGreaterThan(30);
      await fresh.pool.query(backfill);
      for (const [i, id] of ids.entries()) {
        const keys = ['gp_code', 'residence_istat'];
        const actual = await actualPerKey(fresh.pool, 'by_gp_municipality', keys, id);
        expect(actual.length).toBeGreaterThan(10);
        expect(actual, `import ${id}`).toEqual(
          await expectedPerKey(fresh.pool, keys, id, i === 0 ? -1 : ids[i - 1]!),
        );
      }
      expect(
        await actualPerKey(fresh.pool, 'by_municipality', ['residence_istat'], ids[2]!),
      ).toEqual(before.municipality);
      expect(await actualPerKey(fresh.pool, 'by_gp', ['gp_code'], ids[2]!)).toEqual(before.gp);
    } finally {
      await fresh.drop();
    }
  });
});
