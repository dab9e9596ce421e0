// The import lifecycle across imports: duplicates, hold rules, publish, discard, rollback,
// change classification, summary and purge, on a real PostgreSQL.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  importRows,
  load,
  register,
  rejectsOf,
  sha,
  syntheticFiscalCode,
  validRow,
  type TransitRow,
} from './import-fixtures.ts';

let db: TestDatabase | undefined;

// A fresh database per test: the lifecycle depends on which import is the latest.
beforeEach(async () => {
  await db?.drop();
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

function pool() {
  return db!.pool;
}

function people(from: number, to: number, overrides: Partial<TransitRow> = {}): TransitRow[] {
  const rows: TransitRow[] = [];
  for (let n = from; n < to; n++) rows.push(validRow(n, overrides));
  return rows;
}

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await pool().query(sql, params);
  return rows[0] as T;
}

async function latest(): Promise<string | null> {
  return (await one<{ id: string | null }>('select qdp.latest_import_id() as id')).id;
}

async function importOf(id: string) {
  return one<Record<string, unknown>>(
    `select status, error, rows_total, rows_accepted, rows_rejected, duplicate_of,
       published_at is not null as published, finished_at is not null as finished
     from qdp.imports where id = $1`,
    [id],
  );
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await one<{ n: string }>(`select count(*) as n from (${sql}) s`, params)).n);
}

describe('register_import', () => {
  it('treats a file already completed as a duplicate and changes nothing', async () => {
    const rows = people(0, 10);
    const first = await importRows(pool(), rows, sha('file-a'));
    expect(first.status).toBe('published');
    const patientsBefore = await count('select * from qdp.patients');
    const second = await register(pool(), sha('file-a'), 'again.csv');
    expect(second).toEqual({
      import_id: second.import_id,
      status: 'duplicate',
      duplicate_of: first.importId,
    });
    expect(await importOf(second.import_id)).toEqual({
      status: 'duplicate',
      error: null,
      rows_total: null,
      rows_accepted: null,
      rows_rejected: null,
      duplicate_of: first.importId,
      published: false,
      finished: true,
    });
    expect(await latest()).toBe(first.importId);
    expect(await count('select * from qdp.patients')).toBe(patientsBefore);
    expect(await count('select * from qdp.publications')).toBe(1);
    const { rows: partitions } = await pool().query(
      `select to_regclass('qdp.transit_' || $1::text) as t, to_regclass('qdp.quarantines_' || $1::text) as q`,
      [second.import_id],
    );
    expect(partitions).toEqual([{ t: null, q: null }]);
  });

  it('lets a file whose import failed or never finished be imported again', async () => {
    const loading = await register(pool(), sha('file-b'));
    expect(loading.status).toBe('loading');
    const failed = await register(pool(), sha('file-b'));
    expect(failed.status).toBe('loading');
    await pool().query('select qdp.fail_import($1, $2)', [failed.import_id, 'disk full']);
    expect(await importOf(failed.import_id)).toMatchObject({
      status: 'failed',
      error: 'disk full',
    });
    const retry = await importRows(pool(), people(0, 3), sha('file-b'));
    expect(retry.status).toBe('published');
    // A rejected file is complete: sending it again is a duplicate.
    const rejected = await register(pool(), sha('file-c'));
    await pool().query('select qdp.reject_import($1, $2)', [
      rejected.import_id,
      'missing column MOTIVO',
    ]);
    expect(await rejectsOf(pool(), rejected.import_id)).toEqual([
      { line_no: 0, field: null, reason: 'missing column MOTIVO' },
    ]);
    expect((await register(pool(), sha('file-c'))).status).toBe('duplicate');
  });

  it('answers in_progress while a live session holds an import of the same bytes, on every path', async () => {
    const holder = await pool().connect();
    let heldId: string;
    try {
      const held = await holder.query(
        'select import_id, status from qdp.register_held_import($1, $2, $3)',
        ['day.csv', sha('held'), 10],
      );
      heldId = held.rows[0].import_id;
      expect(held.rows[0].status).toBe('loading');
      for (const fn of ['register_import', 'register_upload', 'register_held_import']) {
        const again = await pool().query(
          `select import_id, status, duplicate_of from qdp.${fn}($1, $2, $3)`,
          ['day.csv', sha('held'), 10],
        );
        expect(again.rows, fn).toEqual([
          { import_id: heldId, status: 'in_progress', duplicate_of: null },
        ]);
      }
      const imports = await pool().query('select count(*)::int as n from qdp.imports');
      expect(imports.rows[0].n).toBe(1);
      // Released (the import finished, or failed): a retry registers anew.
      await holder.query('select qdp.release_import($1)', [heldId]);
      expect((await register(pool(), sha('held'))).status).toBe('loading');
    } finally {
      holder.release();
    }
    // A hold ends with its session: a killed importer never blocks the file.
    const dying = await pool().connect();
    const dead = await dying.query('select import_id from qdp.register_held_import($1, $2, $3)', [
      'day.csv',
      sha('dies'),
      10,
    ]);
    expect(
      (
        await one<{ held: boolean }>('select qdp.import_is_held($1) as held', [
          dead.rows[0].import_id,
        ])
      ).held,
    ).toBe(true);
    dying.release(true); // the connection is closed, as when the process is killed
    await expect
      .poll(
        async () =>
          (
            await one<{ held: boolean }>('select qdp.import_is_held($1) as held', [
              dead.rows[0].import_id,
            ])
          ).held,
      )
      .toBe(false);
    expect((await register(pool(), sha('dies'))).status).toBe('loading');
    // A recorded workflow run (AWS: Glue loads it) counts as in flight without a session.
    const uploaded = await register(pool(), sha('uploaded'));
    await pool().query('select qdp.record_workflow_run($1, $2)', [uploaded.import_id, 'wr_1']);
    expect((await register(pool(), sha('uploaded'))).status).toBe('in_progress');
  });

  it('ends as failed the imports whose process stopped, after stale_import_minutes', async () => {
    const abandoned = await register(pool(), sha('abandoned'));
    const loaded = await register(pool(), sha('loaded-abandoned'));
    await load(pool(), loaded.import_id, people(0, 2));
    const recent = await register(pool(), sha('recent'));
    // Received four hours ago (the default limit is 180 minutes); `recent` is still in time.
    await pool().query(
      `update qdp.imports set received_at = now() - interval '4 hours' where id = any($1)`,
      [[abandoned.import_id, loaded.import_id]],
    );
    expect((await one<{ n: number }>('select qdp.fail_stale_imports() as n')).n).toBe(2);
    expect(await importOf(abandoned.import_id)).toMatchObject({
      status: 'failed',
      finished: true,
      error: 'the importing process stopped: still loading 180 minutes after the file was received',
    });
    expect(await importOf(loaded.import_id)).toMatchObject({
      status: 'failed',
      error: 'the importing process stopped: still loaded 180 minutes after the file was received',
    });
    expect(await importOf(recent.import_id)).toMatchObject({ status: 'loading' });

    // Every registration runs the same check, with the limit from the settings.
    await pool().query(`update qdp.settings set value = '1' where key = 'stale_import_minutes'`);
    await pool().query(
      `update qdp.imports set received_at = now() - interval '2 minutes' where id = $1`,
      [recent.import_id],
    );
    await register(pool(), sha('next'));
    expect(await importOf(recent.import_id)).toMatchObject({ status: 'failed' });

    // A nonsense limit is refused by name.
    await pool().query(`update qdp.settings set value = '0' where key = 'stale_import_minutes'`);
    await expect(pool().query('select qdp.fail_stale_imports()')).rejects.toThrow(
      'setting stale_import_minutes must be a whole number of minutes of at least 1, not 0',
    );
  });

  it('never fails an import whose row a running process holds', async () => {
    const running = await register(pool(), sha('running'));
    await pool().query(
      `update qdp.imports set received_at = now() - interval '4 hours' where id = $1`,
      [running.import_id],
    );
    const holder = await pool().connect();
    try {
      await holder.query('begin');
      await holder.query('select qdp.lock_import($1)', [running.import_id]);
      expect((await one<{ n: number }>('select qdp.fail_stale_imports() as n')).n).toBe(0);
      await holder.query('commit');
    } finally {
      holder.release();
    }
    expect((await one<{ n: number }>('select qdp.fail_stale_imports() as n')).n).toBe(1);
  });

  it('refuses state changes that do not fit, naming the import and its status', async () => {
    const published = await importRows(pool(), people(0, 3));
    const id = published.importId;
    const cases: [string, unknown[], string][] = [
      [
        'select qdp.fail_import($1, $2)',
        [id, 'x'],
        `import ${id} is published, only a loading or loaded import can be failed`,
      ],
      [
        'select qdp.reject_import($1, $2)',
        [id, 'x'],
        `import ${id} is published, only a loading or loaded import can be rejected`,
      ],
      [
        'select qdp.discard_import($1)',
        [id],
        `import ${id} is published, only a held import can be discarded`,
      ],
      [
        'select qdp.publish_import($1)',
        [id],
        `import ${id} is published, only a held import can be published`,
      ],
      ['select qdp.rollback_to($1)', [id], `import ${id} is already the latest`],
      [
        'select qdp.mark_loaded($1)',
        [id],
        `import ${id} is published, only a loading import can be marked loaded`,
      ],
      [
        'select qdp.reconcile_import($1)',
        [id],
        `import ${id} is published, only a loaded import can be reconciled`,
      ],
      ['select qdp.discard_import($1)', [424242], 'import 424242 does not exist'],
    ];
    for (const [sql, params, message] of cases) {
      await expect(pool().query(sql, params), sql).rejects.toThrow(message);
    }
    const loaded = await register(pool(), sha('loaded only'));
    await load(pool(), loaded.import_id, people(0, 3));
    await expect(pool().query('select qdp.publish_import($1)', [loaded.import_id])).rejects.toThrow(
      `import ${loaded.import_id} is loaded, only a held import can be published`,
    );
    await expect(pool().query('select qdp.rollback_to($1)', [loaded.import_id])).rejects.toThrow(
      `import ${loaded.import_id} is loaded, only a published import can be rolled back to`,
    );
  });
});

describe('hold rules', () => {
  it('holds an import whose reject share exceeds hold_max_reject_ratio', async () => {
    // 3 of 12 rejected = 25%.
    const rows = [...people(0, 9), ...people(9, 12, { motivo: 'altro' })];
    const { importId, status } = await importRows(pool(), rows);
    expect(status).toBe('held');
    expect(await importOf(importId)).toEqual({
      status: 'held',
      error: 'held: 25.0% of rows rejected (limit 20.0%)',
      rows_total: 12,
      rows_accepted: 9,
      rows_rejected: 3,
      duplicate_of: null,
      published: false,
      finished: true,
    });
    expect(await latest()).toBeNull();
    expect(await count('select * from qdp.patients')).toBe(0);
    // 2 of 10 rejected = exactly 20%: published.
    const atLimit = await importRows(pool(), [...people(0, 8), ...people(8, 10, { sesso: 'X' })]);
    expect(atLimit.status).toBe('published');
  });

  it('holds an import that accepts fewer rows than hold_min_accepted_ratio of the latest', async () => {
    const first = await importRows(pool(), people(0, 10));
    expect(first.status).toBe('published');
    const small = await importRows(pool(), people(0, 4));
    expect(small.status).toBe('held');
    expect((await importOf(small.importId)).error).toBe(
      `held: 4 rows accepted, fewer than 50% of the 10 of import ${first.importId}`,
    );
    const both = await importRows(pool(), [...people(0, 3), ...people(3, 5, { sesso: null })]);
    expect((await importOf(both.importId)).error).toBe(
      `held: 40.0% of rows rejected (limit 20.0%); held: 3 rows accepted, fewer than 50% of the 10 of import ${first.importId}`,
    );
    const enough = await importRows(pool(), people(0, 5));
    expect(enough.status).toBe('published');
    expect(await latest()).toBe(enough.importId);
  });

  it('publishes a held import on request, or discards it', async () => {
    const first = await importRows(pool(), people(0, 10));
    const held = await importRows(pool(), people(0, 4, { cognome: 'Nuovo' }));
    expect(held.status).toBe('held');
    await pool().query('select qdp.publish_import($1, $2)', [held.importId, 'admin1']);
    expect(await latest()).toBe(held.importId);
    expect(await importOf(held.importId)).toMatchObject({ status: 'published', published: true });
    const { rows: publications } = await pool().query(
      'select import_id, action, by_user from qdp.publications order by id',
    );
    expect(publications).toEqual([
      { import_id: first.importId, action: 'publish', by_user: null },
      { import_id: held.importId, action: 'publish', by_user: 'admin1' },
    ]);
    // Personal data of the newly published import won; the others are kept as they were.
    const { rows: surnames } = await pool().query(
      'select surname, count(*)::int as n, max(last_import_id) as last from qdp.patients group by 1 order by 1',
    );
    expect(surnames).toEqual([
      { surname: 'COGNOME PROVA', n: 6, last: first.importId },
      { surname: 'NUOVO', n: 4, last: held.importId },
    ]);

    const another = await importRows(pool(), people(0, 1));
    expect(another.status).toBe('held');
    await pool().query('select qdp.discard_import($1, $2)', [another.importId, 'admin1']);
    expect(await importOf(another.importId)).toMatchObject({
      status: 'discarded',
      error: `held: 1 rows accepted, fewer than 50% of the 4 of import ${held.importId} (discarded by admin1)`,
    });
    expect(await latest()).toBe(held.importId);
  });
});

describe('publishing', () => {
  it('classifies each quarantine against the latest import and upserts only changed patients', async () => {
    const first = await importRows(pool(), [
      validRow(1),
      validRow(2),
      validRow(3),
      validRow(4),
      validRow(5, { cod_medico: 'GP002', medico: 'PRIMO NOME' }),
    ]);
    expect(first.status).toBe('published');
    const second = await importRows(pool(), [
      validRow(1), // unchanged
      validRow(2, { data_fine: '20/03/2020' }), // extended
      validRow(3, { data_fine: '10/03/2020', telefono: '0451111111' }), // shortened, new phone
      validRow(5, { cod_medico: 'GP002', medico: 'NOME CORRETTO' }), // unchanged, GP renamed
      validRow(6), // new; 4 ended
    ]);
    expect(second.status).toBe('published');
    const { rows } = await pool().query(
      `select line_no, change from qdp.quarantines where import_id = $1 order by line_no`,
      [second.importId],
    );
    expect(rows).toEqual([
      { line_no: 2, change: 'unchanged' },
      { line_no: 3, change: 'extended' },
      { line_no: 4, change: 'shortened' },
      { line_no: 5, change: 'unchanged' },
      { line_no: 6, change: 'new' },
    ]);
    const { rows: patients } = await pool().query(
      `select fiscal_code, phone, first_import_id, last_import_id from qdp.patients order by fiscal_code`,
    );
    const expected = [1, 2, 3, 4, 5, 6].map((n) => ({
      fiscal_code: syntheticFiscalCode(n),
      phone: n === 3 ? '0451111111' : '0450000000',
      first_import_id: n === 6 ? second.importId : first.importId,
      last_import_id: n === 3 || n === 6 ? second.importId : first.importId,
    }));
    expect(patients).toEqual(expected.sort((a, b) => a.fiscal_code.localeCompare(b.fiscal_code)));
    const { rows: gps } = await pool().query(
      'select code, name, updated_import_id from qdp.gps order by code',
    );
    expect(gps).toEqual([
      { code: 'GP001', name: 'MEDICO PROVA', updated_import_id: first.importId },
      { code: 'GP002', name: 'NOME CORRETTO', updated_import_id: second.importId },
    ]);

    const summary = await one<{ s: Record<string, unknown> }>(
      'select qdp.import_summary($1) as s',
      [second.importId],
    );
    expect(summary.s).toMatchObject({
      importId: Number(second.importId),
      sourceName: 'quarantene.csv',
      status: 'published',
      rowsTotal: 5,
      rowsAccepted: 5,
      rowsRejected: 0,
      topRejectReasons: [],
      inQuarantine: 5,
      previousImportId: Number(first.importId),
      previousInQuarantine: 5,
      changes: { new: 1, extended: 1, shortened: 1, unchanged: 2, ended: 1 },
      error: null,
      duplicateOf: null,
    });
    expect(typeof summary.s.durationSeconds).toBe('number');
  });

  it('rolls the latest back to an earlier published import, keeping history and patients', async () => {
    const first = await importRows(pool(), people(0, 4));
    const second = await importRows(pool(), people(0, 4, { telefono: '0452222222' }));
    await pool().query('select qdp.rollback_to($1, $2)', [first.importId, 'admin1']);
    expect(await latest()).toBe(first.importId);
    const { rows } = await pool().query(
      'select import_id, action, by_user from qdp.publications order by id',
    );
    expect(rows).toEqual([
      { import_id: first.importId, action: 'publish', by_user: null },
      { import_id: second.importId, action: 'publish', by_user: null },
      { import_id: first.importId, action: 'rollback', by_user: 'admin1' },
    ]);
    expect(await importOf(second.importId)).toMatchObject({ status: 'published' });
    // The first import's quarantines say what its file said; patients keep the newest data.
    expect(
      await count(`select * from qdp.quarantines where import_id = $1 and phone = '0450000000'`, [
        first.importId,
      ]),
    ).toBe(4);
    expect(await count(`select * from qdp.patients where phone = '0452222222'`)).toBe(4);
    await expect(pool().query('select qdp.rollback_to($1)', [first.importId])).rejects.toThrow(
      `import ${first.importId} is already the latest`,
    );
    // The next import is compared with the rolled-back-to latest.
    const third = await importRows(pool(), people(0, 4, { data_fine: '16/03/2020' }));
    expect(
      await count(`select * from qdp.quarantines where import_id = $1 and change = 'extended'`, [
        third.importId,
      ]),
    ).toBe(4);
    // Its summary names the import it was compared with, not the newest one registered before it.
    const summary = await one<{ s: { previousImportId: number } }>(
      'select qdp.import_summary($1) as s',
      [third.importId],
    );
    expect(summary.s.previousImportId).toBe(Number(first.importId));
  });

  it('summarises rejects grouped without their quoted values', async () => {
    const rows = [
      ...people(0, 2),
      validRow(2, { data_inizio: '31/02/2020' }),
      validRow(3, { data_inizio: '30/02/2020' }),
      validRow(4, { motivo: null }),
    ];
    const { importId } = await importRows(pool(), rows);
    const summary = await one<{ s: Record<string, unknown> }>(
      'select qdp.import_summary($1) as s',
      [importId],
    );
    expect(summary.s).toMatchObject({
      status: 'held',
      topRejectReasons: [
        { field: 'DATA_INIZIO', reason: 'not a valid date', count: 2 },
        { field: 'MOTIVO', reason: 'required', count: 1 },
      ],
      inQuarantine: 2,
      previousImportId: null,
      previousInQuarantine: null,
      changes: { new: 2, extended: 0, shortened: 0, unchanged: 0, ended: 0 },
      error: 'held: 60.0% of rows rejected (limit 20.0%)',
    });
  });
});

describe('purge', () => {
  it('deletes old imports with their partitions, rejects and orphan patients; keeps held, in-flight and latest imports and young audit entries', async () => {
    const old1 = await importRows(pool(), people(0, 5));
    const old2 = await importRows(pool(), [...people(0, 3), ...people(10, 12)]);
    const dup = await register(pool(), sha(JSON.stringify([...people(0, 3), ...people(10, 12)])));
    expect(dup.duplicate_of).toBe(old2.importId);
    const recent = await importRows(pool(), people(0, 3));
    const heldOld = await importRows(pool(), [...people(0, 1), ...people(1, 3, { sesso: 'X' })]);
    expect(heldOld.status).toBe('held');
    const loadingOld = await register(pool(), sha('still loading'));
    await pool().query(
      `update qdp.imports set received_at = now() - interval '40 days' where id = any($1::bigint[])`,
      [[old1.importId, old2.importId, heldOld.importId, loadingOld.import_id]],
    );
    await pool().query(
      `insert into qdp.audit_log (at, action) values
         (now() - interval '40 days', 'view'), (now(), 'view'),
         (now() - interval '25 months', 'view')`,
    );
    const result = await one<{ r: unknown }>('select qdp.purge(30) as r');
    expect(result.r).toEqual({
      imports: 2,
      auditEntries: 1,
      patients: 4,
      kept: {
        latest: null,
        held: [Number(heldOld.importId)],
        inFlight: [Number(loadingOld.import_id)],
        auditEntries: 1,
        auditRetentionMonths: 24,
      },
    });
    const { rows: imports } = await pool().query(
      'select id, status, duplicate_of from qdp.imports order by id',
    );
    expect(imports).toEqual([
      { id: dup.import_id, status: 'duplicate', duplicate_of: null },
      { id: recent.importId, status: 'published', duplicate_of: null },
      { id: heldOld.importId, status: 'held', duplicate_of: null },
      { id: loadingOld.import_id, status: 'loading', duplicate_of: null },
    ]);
    expect(await latest()).toBe(recent.importId);
    const { rows: partitions } = await pool().query(
      `select relname from pg_class where relname ~ '^(transit|quarantines)_[0-9]+$' order by relname`,
    );
    expect(partitions.map((p) => p.relname).sort()).toEqual(
      [
        `quarantines_${recent.importId}`,
        `transit_${recent.importId}`,
        `quarantines_${heldOld.importId}`,
        `transit_${heldOld.importId}`,
        `transit_${loadingOld.import_id}`,
      ].sort(),
    );
    // The held import's rejects stay for the administrator who decides on it.
    expect(await count('select * from qdp.rejects where import_id = $1', [heldOld.importId])).toBe(
      2,
    );
    expect(await count('select * from qdp.rejects where import_id <> $1', [heldOld.importId])).toBe(
      0,
    );
    // The 40-day-old entry is younger than 24 months: kept, whatever retention_days says.
    expect(await count('select * from qdp.audit_log')).toBe(2);
    expect(await count('select * from qdp.publications')).toBe(1);
  });

  it('never deletes audit entries younger than audit_retention_months, which stays at least 24', async () => {
    await pool().query(
      `insert into qdp.audit_log (at, action) values
         (now() - interval '2 days', 'view'), (now() - interval '23 months', 'view'),
         (now() - interval '30 months', 'view')`,
    );
    const purged = await one<{ r: { auditEntries: number; kept: { auditEntries: number } } }>(
      'select qdp.purge(0) as r',
    );
    expect(purged.r.auditEntries).toBe(1);
    expect(purged.r.kept.auditEntries).toBe(2);
    expect(await count('select * from qdp.audit_log')).toBe(2);
    // The database refuses a shorter audit retention, and a direct delete of a young entry.
    await expect(
      pool().query(`update qdp.settings set value = '12' where key = 'audit_retention_months'`),
    ).rejects.toThrow('audit_retention_at_least_24_months');
    await expect(
      pool().query(`update qdp.settings set value = 'ever' where key = 'audit_retention_months'`),
    ).rejects.toThrow('audit_retention_at_least_24_months');
    const client = await pool().connect();
    try {
      await client.query('begin');
      await client.query("select set_config('qdp.purging', 'on', true)");
      await expect(client.query('delete from qdp.audit_log')).rejects.toThrow(
        /the audit log keeps entries for audit_retention_months \(24 months\): entry \d+ of .* is younger/,
      );
      await client.query('rollback');
    } finally {
      client.release();
    }
    // A longer audit retention keeps more.
    await pool().query(`update qdp.settings set value = '36' where key = 'audit_retention_months'`);
    await pool().query(
      `insert into qdp.audit_log (at, action) values (now() - interval '30 months', 'view')`,
    );
    expect(
      (await one<{ r: { auditEntries: number } }>('select qdp.purge(0) as r')).r.auditEntries,
    ).toBe(0);
  });

  it('never purges the latest import, and takes the default from the retention_days setting', async () => {
    const only = await importRows(pool(), people(0, 2));
    await pool().query(`update qdp.imports set received_at = now() - interval '800 days'`);
    expect((await one<{ r: unknown }>('select qdp.purge() as r')).r).toEqual({
      imports: 0,
      auditEntries: 0,
      patients: 0,
      kept: {
        latest: Number(only.importId),
        held: [],
        inFlight: [],
        auditEntries: 0,
        auditRetentionMonths: 24,
      },
    });
    expect(await latest()).toBe(only.importId);
    await expect(pool().query('select qdp.purge(-1)')).rejects.toThrow(
      'retention_days must be zero or more, got -1',
    );
  });
});
