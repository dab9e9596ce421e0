// "Who saw my record" in the database: what the list statement records of the people it showed
// (portal/queries/list.ts), qdp.access_report (every access to a person within
// audit_retention_months, with the user's organisation, the role's fields and the purpose in
// force at the time), its own audit, its refusals, and the history of the roles' purposes and fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { withUserSession } from '../../db/session.ts';
import { listFiltersSchema, listReadRequest } from '../../portal/queries/list.ts';
import { readQuarantinesStatement } from '../../portal/queries/read-quarantines.ts';
import { fiscalCode } from '../../core/synth/index.ts';
import { PATIENT_FIELDS } from '../../portal/queries/patient.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  asRole,
  createPortalLogin,
  seedTerritory,
  type PortalLogin,
  type Territory,
  type UserKey,
} from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;
/** The audit entry of the first list page below (it showed P1). */
let firstListing: string;

/** Two synthetic people with valid fiscal codes, in the latest import. */
const P1 = fiscalCode({
  surname: 'Aaberg',
  name: 'Anna',
  sex: 'F',
  birthYear: 1970,
  birthMonth: 3,
  birthDay: 4,
  belfiore: 'L781',
});
const P2 = fiscalCode({
  surname: 'Aaronne',
  name: 'Bruno',
  sex: 'M',
  birthYear: 1965,
  birthMonth: 5,
  birthDay: 6,
  belfiore: 'L781',
});

/** A quarantine's personal columns in table order (read below): the patient page's fields. */
let ALL_FIELDS: string[];
let MUNICIPALITY_FIELDS: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
  const columns = await db.pool.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = 'qdp'
       and table_name = 'quarantines' and column_name not in ('import_id', 'line_no')
     order by ordinal_position`,
  );
  ALL_FIELDS = columns.rows.map((r) => r.column_name);
  expect([...ALL_FIELDS].sort()).toEqual([...PATIENT_FIELDS].sort());
  MUNICIPALITY_FIELDS = ALL_FIELDS.filter((f) => !['reason', 'gp_code', 'gp_name'].includes(f));
  for (const [code, surname, municipality, gp] of [
    [P1, 'AABERG', t.munA, 'G1'],
    [P2, 'AARONNE', t.munB, 'G2'],
  ] as const) {
    await db.pool.query(
      `insert into qdp.quarantines (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
         residence_istat, residence_name, address, phone, gp_code, gp_name, reason, start_date, end_date, change)
       values ($1, 100, $2, $3, 'PERSONA', 'F', '1970-03-04', $4, 'COMUNE', 'VIA FINTA 2', '0450000001',
         $5, 'DOTT. SINTETICO', 'CONTATTO', '2020-11-01', '2020-11-10', 'new')`,
      [t.latestImport, code, surname, municipality, gp],
    );
  }
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

/**
 * An entry of `user`'s, written as the owner (a session records a view only by reading, 0072:
 * these stand for reads whose statements the report does not depend on).
 */
const audit = async (
  user: UserKey,
  action: string,
  code: string | null,
  detail: unknown = null,
) => {
  const { rows } = await db.pool.query(
    `insert into qdp.audit_log (user_id, username, role, action, fiscal_code, import_id, client_address, detail)
     select id, username, role, $2, $3, $4, '10.0.0.1', $5 from qdp.users where id = $1
     returning id`,
    [t.users[user], action, code, t.latestImport, detail === null ? null : JSON.stringify(detail)],
  );
  return String(rows[0].id);
};

const auditCount = async () =>
  Number((await db.pool.query('select count(*) as n from qdp.audit_log')).rows[0].n);

/** The access report of `code`, asked in `user`'s session. */
const report = (code: string, user: UserKey = 'admin') =>
  withUserSession(login.pool, t.users[user], async (c) => {
    const { rows } = await c.query(
      `select audit_id, username, display_name, role, istat_code, municipality, gp_code, gp_name,
              action, import_id, fields, purpose, legal_basis
       from qdp.access_report($1, '10.0.0.9')`,
      [code],
    );
    return rows;
  });

/**
 * A list page of `user` (sorted by fiscal code, `shown` rows of it shown), as the portal reads it,
 * with the id of the newest audit entry after it.
 */
async function listPage(user: UserKey, q: string | undefined, shown: number) {
  const filters = listFiltersSchema.parse(q === undefined ? {} : { q });
  const { request } = listReadRequest(
    filters,
    {
      readable: new Set(['fiscal_code', 'surname', 'name']),
      importId: t.latestImport,
      referenceDay: null,
      limit: shown + 1,
      offset: 0,
    },
    {
      action: q ? 'list.search' : 'list.view',
      shownLimit: shown,
      clientAddress: '10.0.0.2',
    },
  );
  const rows = await withUserSession(login.pool, t.users[user], async (c) => {
    const { dbRole } = (await c.query<{ dbRole: string }>('select current_user as "dbRole"'))
      .rows[0]!;
    return (await c.query(readQuarantinesStatement(dbRole, request))).rows as Record<
      string,
      unknown
    >[];
  });
  const { rows: newest } = await db.pool.query('select max(id)::text as id from qdp.audit_log');
  return { rows, auditId: String(newest[0].id) };
}

describe('the list statement records the people it showed', () => {
  it('one entry per page, in the same statement: the shown fiscal codes in order, not the extra row', async () => {
    const before = await auditCount();
    const { rows, auditId } = await listPage('munA', undefined, 2);
    // munA's people in the latest import, by fiscal code: P1 (AAB…) first, then the fixture's;
    // the row read past the page says there is more and shows nobody (0072).
    expect(rows.map((r) => r.fiscal_code)).toEqual([P1, 'TSTPRS00A01Z001X', null]);
    expect(await auditCount()).toBe(before + 1);
    firstListing = auditId;
    const { rows: entries } = await db.pool.query(
      'select username, role, action, fiscal_code, import_id, client_address, detail from qdp.audit_log where id = $1',
      [auditId],
    );
    expect(entries).toEqual([
      {
        username: 'test.munA',
        role: 'municipality',
        action: 'list.view',
        fiscal_code: null,
        import_id: String(t.latestImport),
        client_address: '10.0.0.2',
        detail: {
          filters: { sort: 'fiscal_code', dir: 'asc' },
          page: 1,
          rows: 2,
          shown: [P1, 'TSTPRS00A01Z001X'],
        },
      },
    ]);
  });

  it('a page that shows nobody writes nothing', async () => {
    const before = await auditCount();
    expect((await listPage('munA', 'NOBODY', 50)).rows).toEqual([]);
    expect(await auditCount()).toBe(before);
  });
});

describe('qdp.access_report', () => {
  const purposeOf = async (role: string) =>
    (await db.pool.query('select purpose, legal_basis from qdp.roles where name = $1', [role]))
      .rows[0] as { purpose: string; legal_basis: string };

  it('lists every access to the person in the window, with who, the fields and the purpose then in force', async () => {
    const staffBefore = await purposeOf('staff');
    const municipality = await purposeOf('municipality');
    const admin = await purposeOf('admin');
    // An entry older than audit_retention_months (24) is out of the window.
    await db.pool.query(
      "insert into qdp.audit_log (at, user_id, username, role, action, fiscal_code) values (now() - interval '25 months', $1, 'test.admin', 'admin', 'patient.view', $2)",
      [t.users.admin, P1],
    );
    const view = await audit('admin', 'patient.view', P1);
    const listed = await listPage('munA', undefined, 1);
    const exported = await audit('staff', 'list.export', null, { rows: 2, shown: [P2, P1] });
    await audit('gp2', 'patient.view', P2);
    await audit('prefecture', 'list.view', null, { rows: 1, shown: [P2] });
    await db.pool.query(
      "update qdp.roles set purpose = 'Contact tracing (narrowed).', legal_basis = 'New basis.' where name = 'staff'",
    );
    const searched = await audit('staff', 'list.search', null, { rows: 1, shown: [P1] });

    const rows = await report(P1.toLowerCase());
    const who = (key: UserKey) => ({ username: `test.${key}`, display_name: `Test ${key}` });
    const name = await db.pool.query('select name from qdp.municipalities where istat_code = $1', [
      t.munA,
    ]);
    const munA = {
      ...who('munA'),
      role: 'municipality',
      istat_code: t.munA,
      municipality: name.rows[0].name as string,
      gp_code: null,
      gp_name: null,
      action: 'list.view',
      import_id: String(t.latestImport),
      fields: MUNICIPALITY_FIELDS,
      purpose: municipality.purpose,
      legal_basis: municipality.legal_basis,
    };
    const staff = (
      audit_id: string,
      action: string,
      basis: { purpose: string; legal_basis: string },
    ) => ({
      audit_id,
      ...who('staff'),
      role: 'staff',
      istat_code: null,
      municipality: null,
      gp_code: null,
      gp_name: null,
      action,
      import_id: String(t.latestImport),
      fields: ALL_FIELDS,
      ...basis,
    });
    expect(rows).toEqual([
      { audit_id: firstListing, ...munA },
      {
        audit_id: view,
        ...who('admin'),
        role: 'admin',
        istat_code: null,
        municipality: null,
        gp_code: null,
        gp_name: null,
        action: 'patient.view',
        import_id: String(t.latestImport),
        fields: ALL_FIELDS,
        purpose: admin.purpose,
        legal_basis: admin.legal_basis,
      },
      { audit_id: listed.auditId, ...munA },
      staff(exported, 'list.export', staffBefore),
      staff(searched, 'list.search', {
        purpose: 'Contact tracing (narrowed).',
        legal_basis: 'New basis.',
      }),
    ]);

    // The GP's organisation is its code and name; P2 was seen by the GP, the export and the Prefecture.
    const second = await report(P2);
    expect(second.map((r) => [r.action, r.role, r.gp_code, r.gp_name])).toEqual([
      ['list.export', 'staff', null, null],
      ['patient.view', 'gp', 'G2', 'DOTT. SINTETICO G2'],
      ['list.view', 'prefecture', null, null],
    ]);
    expect(second[2]!.fields).toEqual(
      ALL_FIELDS.filter((f) => !['reason', 'gp_code', 'gp_name', 'phone'].includes(f)),
    );
  });

  it('is audited in the same statement, and the next report shows the earlier one', async () => {
    const before = await report(P2);
    const { rows } = await db.pool.query(
      "select username, role, action, fiscal_code, import_id, client_address, detail from qdp.audit_log where action = 'access.report' order by id desc limit 1",
    );
    expect(rows).toEqual([
      {
        username: 'test.admin',
        role: 'admin',
        action: 'access.report',
        fiscal_code: P2,
        import_id: null,
        client_address: '10.0.0.9',
        detail: { entries: before.length },
      },
    ]);
    const after = await report(P2);
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)!.action).toBe('access.report');
  });

  it('is refused to every other role, to an administrator role without a session, and for a wrong code; nothing is audited then', async () => {
    const lastId = async () =>
      Number((await db.pool.query('select max(id) as id from qdp.audit_log')).rows[0].id);
    const before = await lastId();
    for (const user of ['staff', 'prefecture', 'munA', 'gp1'] as const) {
      await expect(report(P1, user), user).rejects.toThrow(
        'permission denied for function access_report',
      );
    }
    await expect(
      asRole(login, 'qdp_admin', String(t.users.admin), (c) =>
        c.query('select * from qdp.access_report($1)', [P1]),
      ),
    ).rejects.toThrow(
      "qdp.access_report: only an administrator's session may produce an access report",
    );
    for (const wrong of [P1.slice(0, 15), `${P1.slice(0, 15)}${P1[15] === 'A' ? 'B' : 'A'}`, '']) {
      await expect(report(wrong)).rejects.toThrow(
        "qdp.access_report: not a valid fiscal code (16 letters and digits in the fiscal code's pattern, with the right check character)",
      );
    }
    // Each refused report opened a session (its log-in is audited) and wrote no report entry.
    const { rows } = await db.pool.query(
      "select count(*)::int as n from qdp.audit_log where id > $1 and action = 'access.report'",
      [before],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('finds a person through the indexes: the fiscal code column and the GIN index of shown people', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const { rows } = await client.query(
        `explain (costs off) select id from qdp.audit_log a
         where (a.fiscal_code = '${P1}' or (a.detail -> 'shown') ? '${P1}')`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('Bitmap Index Scan on audit_log_shown_idx');
      expect(plan).toContain('Bitmap Index Scan on audit_log_fiscal_code_idx');
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});

describe('the history of the roles’ purposes', () => {
  it('keeps each change of purpose or legal basis, and nothing else', async () => {
    const history = async () =>
      (
        await db.pool.query(
          "select purpose, legal_basis, valid_from = '-infinity' as first from qdp.role_purposes where role = 'gp' order by valid_from",
        )
      ).rows;
    const first = await history();
    expect(first.length).toBe(1);
    expect(first[0].first).toBe(true);
    await db.pool.query("update qdp.roles set aggregates_only = true where name = 'gp'");
    await db.pool.query("update qdp.roles set purpose = purpose where name = 'gp'");
    expect(await history()).toEqual(first);
    await db.pool.query("update qdp.roles set legal_basis = 'Basis 2.' where name = 'gp'");
    expect(await history()).toEqual([
      ...first,
      { purpose: first[0].purpose, legal_basis: 'Basis 2.', first: false },
    ]);
    await db.pool.query("update qdp.roles set aggregates_only = false where name = 'gp'");
  });

  it('is read by no portal role', async () => {
    for (const user of ['admin', 'staff', 'gp1'] as const) {
      await expect(
        withUserSession(login.pool, t.users[user], (c) =>
          c.query('select * from qdp.role_purposes'),
        ),
      ).rejects.toThrow('permission denied for table role_purposes');
    }
  });
});

describe('the history of the roles’ fields', () => {
  const history = async (role: string) =>
    (
      await db.pool.query(
        "select fields, valid_from = '-infinity' as first from qdp.role_fields where role = $1 order by valid_from",
        [role],
      )
    ).rows as { fields: string[]; first: boolean }[];

  it('the report names the fields the role could read at the time of each access', async () => {
    const before = await audit('munA', 'patient.view', P1);
    await db.pool.query('revoke select (phone) on qdp.quarantines from qdp_municipality');
    try {
      const after = await audit('munA', 'patient.view', P1);
      const rows = (await report(P1)).filter((r) => [before, after].includes(String(r.audit_id)));
      expect(rows.map((r) => [String(r.audit_id), r.fields])).toEqual([
        [before, MUNICIPALITY_FIELDS],
        [after, MUNICIPALITY_FIELDS.filter((f) => f !== 'phone')],
      ]);
    } finally {
      await db.pool.query('grant select (phone) on qdp.quarantines to qdp_municipality');
    }
    expect((await history('municipality')).map((h) => h.fields)).toEqual([
      MUNICIPALITY_FIELDS,
      MUNICIPALITY_FIELDS.filter((f) => f !== 'phone'),
      MUNICIPALITY_FIELDS,
    ]);
  });

  it('starts from -infinity, adds a row only on a change, and a migrate run records what no event trigger saw', async () => {
    const first = await history('prefecture');
    expect(first.length).toBe(1);
    expect(first[0]!.first).toBe(true);
    // A GRANT that changes no field of a patient adds nothing.
    await db.pool.query('grant select (surname) on qdp.quarantines to qdp_prefecture');
    expect(await history('prefecture')).toEqual(first);
    await db.pool.query('alter event trigger qdp_keep_role_fields disable');
    try {
      await db.pool.query('revoke select (address) on qdp.quarantines from qdp_prefecture');
      expect(await history('prefecture')).toEqual(first);
      const client = await db.pool.connect();
      try {
        expect((await migrate(client)).applied).toEqual([]);
      } finally {
        client.release();
      }
      expect(await history('prefecture')).toEqual([
        ...first,
        { fields: first[0]!.fields.filter((f) => f !== 'address'), first: false },
      ]);
    } finally {
      await db.pool.query('alter event trigger qdp_keep_role_fields enable');
      await db.pool.query('grant select (address) on qdp.quarantines to qdp_prefecture');
    }
  });

  it('is read by no portal role', async () => {
    for (const user of ['admin', 'staff', 'gp1'] as const) {
      await expect(
        withUserSession(login.pool, t.users[user], (c) => c.query('select * from qdp.role_fields')),
      ).rejects.toThrow('permission denied for table role_fields');
    }
  });
});
