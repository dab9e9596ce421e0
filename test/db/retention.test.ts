// The retention the data officer sees: every retention setting in force, and what the next purge
// would remove before it runs (qdp.retention_preview), which is exactly what qdp.purge then
// removes (both use qdp.retention_selection); administrators' sessions only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  person,
  seedTerritory,
  type PortalLogin,
  type Territory,
} from './access-fixtures.ts';

let db: TestDatabase;
let t: Territory;
let login: PortalLogin;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
});

afterAll(async () => {
  await login.drop();
  await db.drop();
});

interface Preview {
  retentionDays: number;
  settings: { data: string; setting: string; value: string | null; unit: string }[];
  imports: { id: number; sourceName: string; status: string }[];
  rejects: number;
  publications: number;
  patients: number;
  auditEntries: number;
  kept: {
    latest: number | null;
    held: number[];
    inFlight: number[];
    auditEntries: number;
    auditRetentionMonths: number;
  };
}

async function rowsOf(sql: string): Promise<unknown[]> {
  return (await db.pool.query(sql)).rows;
}

describe('retention preview', () => {
  it('lists every retention setting in force, from the live settings', async () => {
    await db.pool.query(
      "update qdp.settings set value = '90' where key = 'raw_file_retention_days'",
    );
    const { rows } = await db.pool.query<{ s: Preview['settings'] }>(
      'select qdp.retention_settings() as s',
    );
    expect(
      rows[0]!.s.map(({ data, setting, value, unit }) => ({ data, setting, value, unit })),
    ).toEqual([
      { data: 'dailyFiles', setting: 'raw_file_retention_days', value: '90', unit: 'days' },
      { data: 'imports', setting: 'retention_days', value: '730', unit: 'days' },
      { data: 'rejects', setting: 'retention_days', value: '730', unit: 'days' },
      { data: 'accessLogs', setting: 'audit_retention_months', value: '24', unit: 'months' },
    ]);
    await expect(
      db.pool.query(
        "update qdp.settings set value = '3 months' where key = 'raw_file_retention_days'",
      ),
    ).rejects.toThrow('raw_file_retention_days_whole_days');
    await db.pool.query("update qdp.settings set value = '' where key = 'raw_file_retention_days'");
    const unset = await db.pool.query<{ s: Preview['settings'] }>(
      'select qdp.retention_settings() as s',
    );
    expect(unset.rows[0]!.s[0]!.value).toBeNull();
  });

  it('shows exactly what the purge then removes, and what it keeps and why', async () => {
    // A failed import with a reject line, and old audit entries: one beyond 24 months, one within.
    const failed = await db.pool.query<{ id: string }>(
      `insert into qdp.imports (source_name, sha256, size_bytes, status, error)
       values ('rotto.csv', repeat('f', 64), 10, 'failed', 'broken') returning id`,
    );
    const failedId = Number(failed.rows[0]!.id);
    await db.pool.query(
      "insert into qdp.rejects (import_id, line_no, field, reason) values ($1, 0, null, 'broken')",
      [failedId],
    );
    await db.pool.query(
      `update qdp.imports set received_at = now() - interval '40 days'
       where id = any($1::int[])`,
      [[t.olderImport, t.heldImport, failedId]],
    );
    await db.pool.query(
      `insert into qdp.audit_log (at, action, fiscal_code) values
         (now() - interval '40 days', 'patient.view', $1),
         (now() - interval '26 months', 'patient.view', $1),
         (now(), 'patient.view', $1)`,
      [person(4)],
    );
    const before = {
      imports: await rowsOf('select id::int from qdp.imports order by id'),
      patients: await rowsOf('select fiscal_code from qdp.patients order by 1'),
    };
    const preview = (await db.pool.query<{ p: Preview }>('select qdp.retention_preview(30) as p'))
      .rows[0]!.p;
    expect(
      preview.imports.map(({ id, sourceName, status }) => ({ id, sourceName, status })),
    ).toEqual([
      { id: t.olderImport, sourceName: 'quarantene_1.csv', status: 'published' },
      { id: failedId, sourceName: 'rotto.csv', status: 'failed' },
    ]);
    expect({
      retentionDays: preview.retentionDays,
      rejects: preview.rejects,
      publications: preview.publications,
      patients: preview.patients,
      auditEntries: preview.auditEntries,
      kept: preview.kept,
    }).toEqual({
      retentionDays: 30,
      rejects: 1,
      publications: 1,
      patients: 1,
      auditEntries: 1,
      kept: {
        latest: null,
        held: [t.heldImport],
        inFlight: [],
        auditEntries: 1,
        auditRetentionMonths: 24,
      },
    });
    // The preview changed nothing.
    expect(await rowsOf('select id::int from qdp.imports order by id')).toEqual(before.imports);

    const rejectsBefore = await rowsOf('select import_id::int from qdp.rejects order by 1');
    const purged = (
      await db.pool.query<{ r: Record<string, unknown> }>('select qdp.purge(30) as r')
    ).rows[0]!.r;
    expect(purged).toEqual({
      imports: preview.imports.length,
      auditEntries: preview.auditEntries,
      patients: preview.patients,
      kept: preview.kept,
    });
    const importsAfter = await rowsOf('select id::int from qdp.imports order by id');
    const gone = (before.imports as { id: number }[])
      .map((r) => r.id)
      .filter((id) => !(importsAfter as { id: number }[]).some((r) => r.id === id));
    expect(gone).toEqual(preview.imports.map((i) => i.id));
    const patientsAfter = await rowsOf('select fiscal_code from qdp.patients order by 1');
    expect(before.patients.length - patientsAfter.length).toBe(preview.patients);
    expect(patientsAfter).not.toContainEqual({ fiscal_code: person(4) });
    const rejectsAfter = await rowsOf('select import_id::int from qdp.rejects order by 1');
    expect(rejectsBefore.length - rejectsAfter.length).toBe(preview.rejects);
    // Now nothing is left to purge but what is kept for its reason.
    const again = (await db.pool.query<{ p: Preview }>('select qdp.retention_preview(30) as p'))
      .rows[0]!.p;
    expect([again.imports, again.patients, again.auditEntries]).toEqual([[], 0, 0]);
  });

  it('is read by an administrator’s session only, and refuses bad retentions', async () => {
    const admin = await withUserSession(login.pool, t.users.admin, async (c) => {
      const { rows } = await c.query<{ p: Preview }>('select qdp.retention_preview() as p');
      return rows[0]!.p.retentionDays;
    });
    expect(admin).toBe(730);
    await expect(
      withUserSession(login.pool, t.users.staff, (c) => c.query('select qdp.retention_preview()')),
    ).rejects.toThrow(
      "preview the purge: only an administrator's session may do this, not a staff session",
    );
    await expect(
      withUserSession(login.pool, t.users.prefecture, (c) =>
        c.query('select qdp.retention_settings()'),
      ),
    ).rejects.toThrow(
      "read the retention settings: only an administrator's session may do this, not a prefecture session",
    );
    await expect(login.pool.query('select qdp.retention_preview()')).rejects.toThrow(
      'permission denied for function retention_preview',
    );
    await expect(db.pool.query('select qdp.retention_preview(-1)')).rejects.toThrow(
      'retention_days must be zero or more, got -1',
    );
  });
});
