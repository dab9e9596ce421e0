// The access policy of DESIGN §6, probed as the portal sees it: a NOINHERIT login role (a member
// of qdp_portal, never a superuser: superusers bypass row-level security) switching to one portal
// role per transaction. For every role, what a user's session can read is enumerated and compared
// with the table of DESIGN §6. Quarantines are read only by the role's reader (0072, through
// qdp.read_quarantines_as_<role>, which audits): the row policies are probed as the reader, and
// the role itself is shown to read none.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  person,
  seedTerritory,
  type PortalLogin,
  type Territory,
  type UserKey,
  asRole,
  asReader,
  readAs,
  listRequest,
} from './access-fixtures.ts';

const ALL_COLUMNS = [
  'import_id',
  'line_no',
  'fiscal_code',
  'surname',
  'name',
  'sex',
  'birth_date',
  'residence_istat',
  'residence_name',
  'address',
  'phone',
  'gp_code',
  'gp_name',
  'reason',
  'start_date',
  'end_date',
  'change',
];
const without = (...hidden: string[]) => ALL_COLUMNS.filter((c) => !hidden.includes(c));

const DENIED = 'denied';
type Count = number | typeof DENIED;

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;
let municipalityCount: number;
let settingsCount: number;
let qdpTables: string[];
let partitions: string[];

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  await db.pool.query(
    `insert into qdp.audit_log (user_id, username, role, action, fiscal_code)
     values ($1, 'test.staff', 'staff', 'view_patient', $2), ($1, 'test.staff', 'staff', 'export', null)`,
    [t.users.staff, person(1)],
  );
  login = await createPortalLogin(db, { opensSessions: true });
  municipalityCount = Number(
    (await db.pool.query('select count(*) as n from qdp.municipalities')).rows[0].n,
  );
  settingsCount = Number((await db.pool.query('select count(*) as n from qdp.settings')).rows[0].n);
  const tables = await db.pool.query<{ relname: string; relispartition: boolean }>(
    `select c.relname, c.relispartition from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'qdp' and c.relkind in ('r', 'p') order by c.relname`,
  );
  qdpTables = tables.rows.filter((r) => !r.relispartition).map((r) => r.relname);
  partitions = tables.rows.filter((r) => r.relispartition).map((r) => r.relname);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

/** Runs `sql` inside a savepoint; a refusal becomes the error message instead of aborting. */
async function attempt<R extends pg.QueryResultRow>(
  client: pg.PoolClient,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R> | string> {
  await client.query('savepoint probe');
  try {
    const result = await client.query<R>(sql, params);
    await client.query('release savepoint probe');
    return result;
  } catch (error) {
    await client.query('rollback to savepoint probe');
    return (error as Error).message;
  }
}

interface Visibility {
  rows: string[] | typeof DENIED;
  columns: string[];
  tables: Record<string, Count>;
}

async function probe(client: pg.PoolClient): Promise<Visibility> {
  const rows = await attempt<{ import_id: string; fiscal_code: string }>(
    client,
    'select import_id, fiscal_code from qdp.quarantines order by import_id, fiscal_code',
  );
  if (typeof rows === 'string') expect(rows).toBe('permission denied for table quarantines');
  const columns: string[] = [];
  for (const column of ALL_COLUMNS) {
    const result = await attempt(client, `select ${column} from qdp.quarantines limit 1`);
    if (typeof result === 'string') {
      expect(result).toBe('permission denied for table quarantines');
    } else {
      columns.push(column);
    }
  }
  const tables: Record<string, Count> = {};
  for (const table of [...qdpTables, ...partitions]) {
    const result = await attempt<{ n: string }>(client, `select count(*) as n from qdp.${table}`);
    if (typeof result === 'string') {
      expect(result).toBe(`permission denied for table ${table}`);
      tables[table] = DENIED;
    } else {
      tables[table] = Number(result.rows[0]!.n);
    }
  }
  return {
    rows:
      typeof rows === 'string' ? DENIED : rows.rows.map((r) => `${r.import_id}:${r.fiscal_code}`),
    columns,
    tables,
  };
}

function rowsOf(...spec: [number, number[]][]): string[] {
  return spec.flatMap(([importId, people]) => people.map((n) => `${importId}:${person(n)}`));
}

/** The tables every non-administrator reads, with their counts; everything else is refused. */
function tablesFor(role: 'admin' | 'other', quarantines: number): Record<string, Count> {
  const readable: Record<string, Count> =
    role === 'admin'
      ? {
          settings: settingsCount,
          municipalities: municipalityCount,
          imports: 3,
          publications: 2,
          rejects: 1,
          gps: 3,
          quarantines,
          roles: 5,
          users: 8,
          audit_log: 2,
          // Sign-in (0051): the administrator manages identities and second factors (none here).
          user_identities: 0,
          user_second_factors: 0,
          user_recovery_codes: 0,
          // Single sign-on (0053): the registered provider and its keys (none here).
          identity_providers: 0,
        }
      : { municipalities: municipalityCount, imports: 1, quarantines, roles: 5, users: 1 };
  return Object.fromEntries(
    [...qdpTables, ...partitions].map((table) => [table, readable[table] ?? DENIED]),
  );
}

describe('access policy (DESIGN §6), as each portal role', () => {
  it('seeds partitions that are refused to everyone but the owner', () => {
    expect(partitions).toEqual([
      `quarantines_${t.olderImport}`,
      `quarantines_${t.latestImport}`,
      `quarantines_${t.heldImport}`,
      `transit_${t.latestImport}`,
    ]);
  });

  const expectations: [UserKey, () => Visibility][] = [
    [
      'admin',
      () => ({
        rows: rowsOf(
          [t.olderImport, [1, 2, 3, 4]],
          [t.latestImport, [1, 2, 3, 5, 6, 7]],
          [t.heldImport, [1, 8]],
        ),
        columns: ALL_COLUMNS,
        tables: tablesFor('admin', 12),
      }),
    ],
    [
      'staff',
      () => ({
        rows: rowsOf([t.latestImport, [1, 2, 3, 5, 6, 7]]),
        columns: ALL_COLUMNS,
        tables: tablesFor('other', 6),
      }),
    ],
    [
      'prefecture',
      () => ({
        rows: rowsOf([t.latestImport, [1, 2, 3, 5, 6, 7]]),
        columns: without('phone', 'gp_code', 'gp_name', 'reason'),
        tables: tablesFor('other', 6),
      }),
    ],
    [
      'munA',
      () => ({
        rows: rowsOf([t.latestImport, [1, 6]]),
        columns: without('gp_code', 'gp_name', 'reason'),
        tables: tablesFor('other', 2),
      }),
    ],
    [
      'munB',
      () => ({
        rows: rowsOf([t.latestImport, [2, 5]]),
        columns: without('gp_code', 'gp_name', 'reason'),
        tables: tablesFor('other', 2),
      }),
    ],
    [
      'gp1',
      () => ({
        rows: rowsOf([t.latestImport, [1, 2]]),
        columns: ALL_COLUMNS,
        tables: tablesFor('other', 2),
      }),
    ],
    [
      'gp2',
      () => ({
        rows: rowsOf([t.latestImport, [5, 6]]),
        columns: ALL_COLUMNS,
        tables: tablesFor('other', 2),
      }),
    ],
  ];

  for (const [user, expected] of expectations) {
    it(`a ${user} session reads exactly what the policy grants (as its reader)`, async () => {
      const seen = await asReader(db, t.users[user], probe);
      expect(seen).toEqual(expected());
    });

    it(`a ${user} session's role itself reads no quarantine, with the same privileges otherwise`, async () => {
      const seen = await withUserSession(login.pool, t.users[user], probe);
      const policy = expected();
      expect(seen).toEqual({ ...policy, rows: [], tables: { ...policy.tables, quarantines: 0 } });
    });

    it(`a ${user} session reads the latest import's rows of the policy through its function, and audits them`, async () => {
      const policy = expected();
      const latest = (policy.rows as string[]).filter((r) => r.startsWith(`${t.latestImport}:`));
      const before = Number(
        (await db.pool.query("select count(*) as n from qdp.audit_log where action = 'list.view'"))
          .rows[0].n,
      );
      const rows = await readAs(
        login,
        t.users[user],
        listRequest(
          t.latestImport,
          policy.columns.filter((c) => c !== 'import_id' && c !== 'line_no'),
        ),
      );
      expect(rows.map((r) => `${t.latestImport}:${String(r.fiscal_code)}`)).toEqual(latest);
      const { rows: entries } = await db.pool.query(
        "select detail from qdp.audit_log where action = 'list.view' and id > (select coalesce(max(id), 0) - 1 from qdp.audit_log)",
      );
      expect(entries).toEqual([
        {
          detail: {
            filters: { sort: 'fiscal_code', dir: 'asc' },
            page: 1,
            rows: latest.length,
            shown: latest.map((r) => r.split(':')[1]),
          },
        },
      ]);
      expect(
        Number(
          (
            await db.pool.query(
              "select count(*) as n from qdp.audit_log where action = 'list.view'",
            )
          ).rows[0].n,
        ),
      ).toBe(before + 1);
    });
  }

  it('the login role itself, without switching, reads nothing', async () => {
    const client = await login.pool.connect();
    try {
      await client.query('begin');
      const seen = await probe(client);
      await client.query('rollback');
      expect(seen).toEqual({
        rows: DENIED,
        columns: [],
        tables: Object.fromEntries([...qdpTables, ...partitions].map((table) => [table, DENIED])),
      });
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  });
});

async function quarantineRows(client: pg.PoolClient, where = 'true', params: unknown[] = []) {
  const { rows } = await client.query<{ import_id: string; fiscal_code: string }>(
    `select import_id, fiscal_code from qdp.quarantines where ${where} order by import_id, fiscal_code`,
    params,
  );
  return rows.map((r) => `${r.import_id}:${r.fiscal_code}`);
}

describe('attempts to see more', () => {
  it('an earlier or a held import is invisible to every role but admin', async () => {
    for (const user of ['staff', 'prefecture', 'munA', 'munB', 'gp1', 'gp2'] as const) {
      for (const importId of [t.olderImport, t.heldImport]) {
        const rows = await asReader(db, t.users[user], (c) =>
          quarantineRows(c, 'import_id = $1', [importId]),
        );
        expect(rows, `${user} reading import ${importId}`).toEqual([]);
      }
    }
    const admin = await asReader(db, t.users.admin, (c) =>
      quarantineRows(c, 'import_id = $1', [t.olderImport]),
    );
    expect(admin).toEqual(rowsOf([t.olderImport, [1, 2, 3, 4]]));
  });

  it("a municipality cannot read another municipality's residents", async () => {
    const rows = await asReader(db, t.users.munA, (c) =>
      quarantineRows(c, 'residence_istat = any($1)', [[t.munB, t.outside]]),
    );
    expect(rows).toEqual([]);
  });

  it("a GP cannot read another GP's patients nor people without a GP", async () => {
    const rows = await asReader(db, t.users.gp1, (c) =>
      quarantineRows(c, "gp_code is distinct from 'G1'"),
    );
    expect(rows).toEqual([]);
  });

  it('partitions named directly are refused to every portal role', async () => {
    for (const user of ['admin', 'staff', 'prefecture', 'munA', 'gp1'] as const) {
      for (const importId of [t.olderImport, t.latestImport, t.heldImport]) {
        const result = await withUserSession(login.pool, t.users[user], (c) =>
          attempt(c, `select * from qdp.quarantines_${importId}`),
        );
        expect(result).toBe(`permission denied for table quarantines_${importId}`);
      }
    }
  });

  it('a partition created later (as the lifecycle functions do) is refused too', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into qdp.imports (source_name, sha256, size_bytes, status) values ('late.csv', repeat('9', 64), 1, 'loading')
       returning id`,
    );
    const id = rows[0]!.id;
    await db.pool.query(
      `create table qdp.quarantines_${id} partition of qdp.quarantines for values in (${id})`,
    );
    try {
      for (const user of ['admin', 'staff', 'gp1'] as const) {
        const result = await withUserSession(login.pool, t.users[user], (c) =>
          attempt(c, `select * from qdp.quarantines_${id}`),
        );
        expect(result).toBe(`permission denied for table quarantines_${id}`);
      }
    } finally {
      await db.pool.query(`drop table qdp.quarantines_${id}`);
      await db.pool.query('delete from qdp.imports where id = $1', [id]);
    }
  });

  it('a narrower role selecting every column is refused, not given a subset', async () => {
    for (const user of ['prefecture', 'munA'] as const) {
      const result = await withUserSession(login.pool, t.users[user], (c) =>
        attempt(c, 'select * from qdp.quarantines'),
      );
      expect(result).toBe('permission denied for table quarantines');
    }
  });

  it('no portal role can write what it reads', async () => {
    const writes = [
      ['quarantines', "update qdp.quarantines set phone = '0'"],
      ['quarantines', 'delete from qdp.quarantines'],
      ['patients', "update qdp.patients set phone = '0'"],
      ['imports', "update qdp.imports set status = 'discarded'"],
      ['publications', "insert into qdp.publications (import_id, action) values (1, 'rollback')"],
      // An entry's own columns may be inserted (0070), but who wrote it may not be named, and
      // what may be recorded is checked (test/db/audit.test.ts).
      ['audit_log', "insert into qdp.audit_log (user_id, action) values (1, 'password.change')"],
      ['audit_log', 'delete from qdp.audit_log'],
      ['roles', 'update qdp.roles set aggregates_only = true'],
    ] as const;
    for (const user of ['admin', 'staff', 'prefecture', 'munA', 'gp1'] as const) {
      for (const [table, sql] of writes) {
        if (user === 'admin' && table === 'roles') continue;
        const result = await withUserSession(login.pool, t.users[user], (c) => attempt(c, sql));
        expect(result, `${user}: ${sql}`).toBe(`permission denied for table ${table}`);
      }
    }
  });

  it('users read their own row without the password hash; admins read and manage all', async () => {
    const own = await withUserSession(login.pool, t.users.gp1, (c) =>
      c.query('select id, username, role, gp_code from qdp.users'),
    );
    expect(own.rows).toEqual([
      { id: String(t.users.gp1), username: 'test.gp1', role: 'gp', gp_code: 'G1' },
    ]);
    const hash = await withUserSession(login.pool, t.users.gp1, (c) =>
      attempt(c, 'select password_hash from qdp.users'),
    );
    expect(hash).toBe('permission denied for table users');
    const created = await withUserSession(login.pool, t.users.admin, async (c) => {
      const inserted = await c.query<{ id: string }>(
        `insert into qdp.users (username, display_name, role) values ('test.staff2', 'Test staff 2', 'staff')
         returning id`,
      );
      await c.query('update qdp.users set disabled = true where id = $1', [inserted.rows[0]!.id]);
      const hashes = await c.query('select count(password_hash) as n from qdp.users');
      return { id: inserted.rows[0]!.id, hashes: hashes.rows[0].n };
    });
    expect(created.hashes).toBe('8');
    const { rows } = await db.pool.query('select disabled from qdp.users where id = $1', [
      created.id,
    ]);
    expect(rows).toEqual([{ disabled: true }]);
    const deleted = await withUserSession(login.pool, t.users.admin, (c) =>
      attempt(c, 'delete from qdp.users where id = $1', [created.id]),
    );
    expect(deleted).toBe('permission denied for table users');
    await db.pool.query('delete from qdp.users where id = $1', [created.id]);
  });

  it("a role with another role's user id sees nothing", async () => {
    const cases: [string, UserKey][] = [
      ['qdp_gp', 'munA'],
      ['qdp_municipality', 'gp1'],
      ['qdp_admin', 'staff'],
      ['qdp_staff', 'admin'],
      ['qdp_prefecture', 'gp2'],
    ];
    for (const [role, user] of cases) {
      const seen = await asRole(login, role, String(t.users[user]), async (c) => ({
        rows: await quarantineRows(c),
        functions: (
          await c.query(
            'select qdp.current_user_id() as user_id, qdp.current_istat_code() as istat, qdp.current_gp_code() as gp, qdp.current_row_access() as row_access',
          )
        ).rows[0],
      }));
      expect(seen, `${role} with ${user}`).toEqual({
        rows: [],
        functions: { user_id: null, istat: null, gp: null, row_access: false },
      });
    }
  });

  it('a role without a user, with garbage or a disabled user sees nothing', async () => {
    for (const userId of [
      null,
      '',
      'abc',
      '1; drop table x',
      '99999999',
      String(t.users.gp1Disabled),
    ]) {
      const rows = await asRole(login, 'qdp_gp', userId, (c) => quarantineRows(c));
      expect(rows, `user id ${userId}`).toEqual([]);
      const imports = await asRole(login, 'qdp_staff', userId, (c) =>
        c.query('select id from qdp.imports'),
      );
      expect(imports.rows, `user id ${userId}`).toEqual([]);
    }
    const disabled = await asRole(login, 'qdp_gp', String(t.users.gp1Disabled), (c) =>
      c.query('select qdp.current_user_id() as id'),
    );
    expect(disabled.rows).toEqual([{ id: null }]);
  });

  it('the admin role without a valid administrator reads no row of any table', async () => {
    for (const userId of [null, String(t.users.staff), String(t.users.gp1Disabled)]) {
      const seen = await asRole(login, 'qdp_admin', userId, probe);
      const tables = tablesFor('admin', 0);
      for (const table of qdpTables) {
        if (tables[table] !== DENIED && table !== 'municipalities' && table !== 'roles') {
          tables[table] = 0;
        }
      }
      expect(seen, `user id ${userId}`).toEqual({ rows: [], columns: ALL_COLUMNS, tables });
    }
  });

  it('switching role inside a session loses the user and is rolled back', async () => {
    await expect(
      withUserSession(login.pool, t.users.gp1, async (c) => {
        await c.query('set local role qdp_admin');
        return quarantineRows(c);
      }),
    ).rejects.toThrow(
      `the session of user ${t.users.gp1} left role qdp_gp or its session: the transaction was rolled back`,
    );
    const seen = await asRole(login, 'qdp_admin', String(t.users.gp1), (c) => quarantineRows(c));
    expect(seen).toEqual([]);
  });

  it('a role narrowed to aggregates sees no patient rows, but keeps its session', async () => {
    const narrowed = ['municipality', 'staff', 'gp', 'admin'];
    await db.pool.query('update qdp.roles set aggregates_only = true where name = any($1)', [
      narrowed,
    ]);
    try {
      for (const user of ['munA', 'staff', 'gp1', 'admin'] as const) {
        const seen = await asReader(db, t.users[user], async (c) => ({
          rows: await quarantineRows(c),
          imports: Number((await c.query('select count(*) as n from qdp.imports')).rows[0].n),
          userId: (await c.query('select qdp.current_user_id() as id')).rows[0].id,
        }));
        // The imports a role reads (a count, compared): admin all three, the others the latest.
        const imports = user === 'admin' ? 3 : 1;
        expect(seen, user).toEqual({ rows: [], imports, userId: String(t.users[user]) });
      }
      // The patients' register is read by no portal role (0073), narrowed or not.
      await expect(
        withUserSession(login.pool, t.users.admin, (c) =>
          c.query('select count(*) as n from qdp.patients'),
        ),
      ).rejects.toThrow('permission denied for table patients');
      const prefecture = await asReader(db, t.users.prefecture, (c) => quarantineRows(c));
      expect(prefecture).toEqual(rowsOf([t.latestImport, [1, 2, 3, 5, 6, 7]]));
    } finally {
      await db.pool.query('update qdp.roles set aggregates_only = false');
    }
  });

  it('an administrator narrows a role to aggregates', async () => {
    await withUserSession(login.pool, t.users.admin, (c) =>
      c.query("update qdp.roles set aggregates_only = true where name = 'municipality'"),
    );
    try {
      const rows = await asReader(db, t.users.munB, (c) => quarantineRows(c));
      expect(rows).toEqual([]);
    } finally {
      await db.pool.query('update qdp.roles set aggregates_only = false');
    }
  });
});

describe('policy shape', () => {
  it('one policy per role and table, each naming exactly one role', async () => {
    const { rows } = await db.pool.query<{ tablename: string; policyname: string; roles: string }>(
      `select tablename, policyname, array_to_string(roles, ',') as roles from pg_policies
       where schemaname = 'qdp' and policyname <> 'owner_all' order by tablename, policyname`,
    );
    expect(rows.map((r) => `${r.tablename}.${r.policyname}:${r.roles}`)).toEqual([
      'audit_log.audit_log_admin:qdp_admin',
      'audit_log.audit_log_checked:qdp_admin,qdp_gp,qdp_municipality,qdp_prefecture,qdp_staff',
      'gps.gps_admin:qdp_admin',
      'identity_providers.identity_providers_admin:qdp_admin',
      'imports.imports_admin:qdp_admin',
      'imports.imports_latest:qdp_gp,qdp_municipality,qdp_prefecture,qdp_staff',
      'publications.publications_admin:qdp_admin',
      'quarantines.quarantines_admin:qdp_admin',
      'quarantines.quarantines_gp:qdp_gp',
      'quarantines.quarantines_municipality:qdp_municipality',
      'quarantines.quarantines_prefecture:qdp_prefecture',
      'quarantines.quarantines_staff:qdp_staff',
      'rejects.rejects_admin:qdp_admin',
      'settings.settings_admin:qdp_admin',
      'user_identities.user_identities_admin:qdp_admin',
      'user_recovery_codes.user_recovery_codes_admin:qdp_admin',
      'user_second_factors.user_second_factors_admin:qdp_admin',
      'users.users_admin:qdp_admin',
      'users.users_self:qdp_gp,qdp_municipality,qdp_prefecture,qdp_staff',
    ]);
  });

  it('row-level security is enabled and forced on every table but the reference data', async () => {
    const { rows } = await db.pool.query(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'qdp' and c.relrowsecurity and c.relforcerowsecurity order by 1`,
    );
    expect(rows.map((r) => r.relname)).toEqual([
      'audit_log',
      'gps',
      // Single sign-on (0053): the provider's keys (administrators read them) and the ID tokens
      // already used (definer functions only).
      'identity_providers',
      'imports',
      'patients',
      // The log-in throttle's attempts (0024): reached only through qdp.portal_login_attempt.
      'portal_login_attempts',
      // The portal's sessions (0013): reached only through its security-definer functions.
      'portal_sessions',
      // Sign-in (0050): steps between password and second factor, reached only through definer functions.
      'portal_sign_in_steps',
      'provider_tokens_used',
      'publications',
      'quarantines',
      'rejects',
      // The roles' fields and purposes over time (0069, 0065): read only by the access report's
      // definer function.
      'role_fields',
      'role_purposes',
      'settings',
      // Sign-in proofs (0052): the key of unknown names' stand-in salts, the owner's only.
      'sign_in_secret',
      'transit',
      // Sign-in (0050): identities, authenticators and recovery codes, read only by definer functions.
      'user_identities',
      'user_recovery_codes',
      'user_second_factors',
      'users',
    ]);
  });

  it('the portal login role is NOINHERIT and a member of the five roles only', async () => {
    const { rows } = await db.pool.query(
      `select r.rolinherit, r.rolcanlogin, array_agg(g.rolname::text order by g.rolname) as member_of
       from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles g on g.oid = m.roleid
       where r.rolname = 'qdp_portal' group by r.rolinherit, r.rolcanlogin`,
    );
    expect(rows).toEqual([
      {
        rolinherit: false,
        rolcanlogin: false,
        member_of: ['qdp_admin', 'qdp_gp', 'qdp_municipality', 'qdp_prefecture', 'qdp_staff'],
      },
    ]);
  });

  it("each role's read function is its reader's, executable by the role alone; readers log in nowhere and create nothing", async () => {
    const { rows } = await db.pool.query(
      `select p.proname as name, p.proowner::regrole::text as owner, p.prosecdef as definer,
              array(select r.rolname::text from pg_roles r
                    where r.rolname ~ '^qdp_' and has_function_privilege(r.oid, p.oid, 'execute')
                    order by 1) as executed_by
       from pg_proc p where p.pronamespace = 'qdp'::regnamespace
         and p.proname like 'read\\_quarantines\\_as\\_%' order by 1`,
    );
    const roles = ['admin', 'gp', 'municipality', 'prefecture', 'staff'];
    expect(rows).toEqual(
      roles.map((r) => ({
        name: `read_quarantines_as_${r}`,
        owner: `qdp_${r}_reader`,
        definer: true,
        // The reader owns it (and may run it); the role calls it; nobody else.
        executed_by: [`qdp_${r}`, `qdp_${r}_reader`].sort(),
      })),
    );
    const readers = await db.pool.query(
      `select r.rolname::text as name, r.rolcanlogin as login,
              has_schema_privilege(r.oid, 'qdp', 'create') as creates,
              array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
                    where m.member = r.oid) as member_of,
              array(select u.rolname::text from pg_auth_members m join pg_roles u on u.oid = m.member
                    where m.roleid = r.oid and u.rolname ~ '^qdp_') as members
       from pg_roles r where r.rolname ~ '^qdp_[a-z]+_reader$' order by 1`,
    );
    expect(readers.rows).toEqual(
      roles.map((r) => ({
        name: `qdp_${r}_reader`,
        login: false,
        creates: false,
        member_of: [`qdp_${r}`],
        members: [],
      })),
    );
  });

  it('every role records its purpose and legal basis', async () => {
    const { rows } = await db.pool.query(
      'select name, db_role, aggregates_only, legal_basis from qdp.roles order by name',
    );
    expect(rows.map((r) => [r.name, r.db_role, r.aggregates_only])).toEqual([
      ['admin', 'qdp_admin', false],
      ['gp', 'qdp_gp', false],
      ['municipality', 'qdp_municipality', false],
      ['prefecture', 'qdp_prefecture', false],
      ['staff', 'qdp_staff', false],
    ]);
    const municipality = rows.find((r) => r.name === 'municipality')!.legal_basis as string;
    expect(municipality.startsWith("The mayor's role as local health authority")).toBe(true);
  });

  it("a GP's page reads one partition through the GP index", async () => {
    // 100,000 other people in the latest import, spread over 1,000 GPs and 100 municipalities,
    // so that the planner's choice is the one it makes in production.
    await db.pool.query(
      `insert into qdp.quarantines (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
         residence_istat, gp_code, reason, start_date, end_date, change)
       select $1, 1000 + i, 'BULK' || lpad(i::text, 12, '0'), 'BULK', 'PERSONA', 'M', '1970-01-01',
         lpad((i % 100)::text, 6, '9'), 'B' || (i % 1000), 'CONTATTO', '2020-11-01', '2020-11-10', 'new'
       from generate_series(1, 100000) i`,
      [t.latestImport],
    );
    await db.pool.query(`analyze qdp.quarantines_${t.latestImport}`);
    try {
      const { plan, timings } = await asReader(db, t.users.gp1, async (c) => {
        const page = 'select * from qdp.quarantines order by surname, name limit 50';
        const explained = await c.query(
          `explain (analyze, costs off, timing off, summary off) ${page}`,
        );
        const timings: number[] = [];
        for (let i = 0; i < 50; i++) {
          const started = process.hrtime.bigint();
          const { rows } = await c.query(page);
          timings.push(Number(process.hrtime.bigint() - started) / 1e6);
          expect(rows.length).toBe(2);
        }
        return {
          plan: explained.rows.map((r) => r['QUERY PLAN'] as string).join('\n'),
          timings: timings.sort((a, b) => a - b),
        };
      });
      expect(plan).toContain(
        `Index Scan using quarantines_${t.latestImport}_import_id_gp_code_fiscal_code_idx on quarantines_${t.latestImport}`,
      );
      expect(plan).toContain(
        'Index Cond: ((import_id = qdp.latest_import_id()) AND (gp_code = qdp.current_gp_code()))',
      );
      expect(plan).toContain('Subplans Removed: 2');
      console.log(
        `GP page over 100,006 rows: p50 ${timings[24]!.toFixed(2)} ms, max ${timings[49]!.toFixed(2)} ms (client round trip)`,
      );
    } finally {
      await db.pool.query("delete from qdp.quarantines where fiscal_code like 'BULK%'");
    }
  });
});
