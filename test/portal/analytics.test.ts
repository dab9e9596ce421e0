// The dashboard aggregates of 0012_analytics.sql: filled by the publication hook, once per import,
// equal to the same counts computed directly from the quarantines; scoped per role.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDailyFile } from '../../core/importer.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { withUserSession } from '../../db/session.ts';
import { createPortalLogin, type PortalLogin } from '../db/access-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let dir: string;
let login: PortalLogin;
const imports: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db);
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

  it('counts by municipality and by GP exactly as the quarantines say', async () => {
    for (const [i, id] of imports.entries()) {
      const previous = i === 0 ? -1 : imports[i - 1]!;
      // Exits per key are the previous import's people minus those carried over (see 0012).
      const expectedBy = (column: string) =>
        rowsOf(
          `with cur as (select * from qdp.quarantines where import_id = $1),
                prev as (select * from qdp.quarantines where import_id = $2),
                ref as (select max(start_date) as day from cur),
                keys as (select coalesce(${column}, '') as k, reason from cur
                         union select coalesce(${column}, ''), reason from prev)
           select k.k as code, k.reason,
             (select count(*) from cur c where coalesce(c.${column}, '') = k.k and c.reason = k.reason)::int as people,
             (select count(*) from cur c where coalesce(c.${column}, '') = k.k and c.reason = k.reason and c.change = 'new')::int as entries,
             (select count(*) from cur c where coalesce(c.${column}, '') = k.k and c.reason = k.reason and c.change = 'extended')::int as extended,
             (select count(*) from cur c where coalesce(c.${column}, '') = k.k and c.reason = k.reason and c.change = 'shortened')::int as shortened,
             (select count(*) from cur c, ref where coalesce(c.${column}, '') = k.k and c.reason = k.reason and c.end_date = ref.day)::int as ending,
             ((select count(*) from prev p where coalesce(p.${column}, '') = k.k and p.reason = k.reason)
              - (select count(*) from cur c where coalesce(c.${column}, '') = k.k and c.reason = k.reason and c.change <> 'new'))::int as exits
           from keys k order by 1, 2`,
          [id, previous],
        );
      const actualMun = await rowsOf(
        `select residence_istat as code, reason, people, entries, extended, shortened, ending, exits
         from qdp_analytics.by_municipality where import_id = $1 order by 1, 2`,
        [id],
      );
      expect(actualMun).toEqual(await expectedBy('residence_istat'));
      expect(actualMun.length).toBeGreaterThan(10);
      const actualGp = await rowsOf(
        `select gp_code as code, reason, people, entries, extended, shortened, ending, exits
         from qdp_analytics.by_gp where import_id = $1 order by 1, 2`,
        [id],
      );
      expect(actualGp).toEqual(await expectedBy('gp_code'));
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
    }
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

  it('audit entries count as accesses per day, role and action', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      "insert into qdp.users (username, display_name, role) values ('an-admin', 'A', 'admin') returning id",
    );
    const id = Number(rows[0]!.id);
    await withUserSession(login.pool, id, async (c) => {
      await c.query("select qdp.audit('patient.view', 'X', null, null, '127.0.0.1')");
      await c.query("select qdp.audit('patient.view', 'Y', null, null, '127.0.0.1')");
      await c.query("select qdp.audit('list.export')");
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
