// The audit log: written only through qdp.audit() by a valid session user, for actions its role
// performs and people it can read (0070: no forged entry), a view only by the read itself (0072:
// qdp.read_quarantines_as_<role>), never changed, deleted only by the retention purge
// (qdp.purging = on), and read by administrators, who can answer "who looked at this person's
// record".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  NON_ADMIN_USERS,
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

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

const entries = async () =>
  Number((await db.pool.query('select count(*) as n from qdp.audit_log')).rows[0].n);

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

describe('qdp.audit', () => {
  it('records who (from the session), as which role, did what to whom and from where', async () => {
    const before = await entries();
    const rows = await readAs(login, t.users.munA, {
      action: 'patient.view',
      import_id: t.latestImport,
      columns: ['fiscal_code'],
      fiscal_code: person(1),
      client_address: '10.0.0.7',
    });
    expect(rows).toEqual([{ fiscal_code: person(1) }]);
    expect(await entries()).toBe(before + 1);
    const { rows: logged } = await db.pool.query(
      `select user_id, username, role, action, fiscal_code, import_id, client_address, detail,
         at > now() - interval '1 minute' as recent from qdp.audit_log
       where id = (select max(id) from qdp.audit_log)`,
    );
    expect(logged).toEqual([
      {
        user_id: String(t.users.munA),
        username: 'test.munA',
        role: 'municipality',
        action: 'patient.view',
        fiscal_code: person(1),
        import_id: String(t.latestImport),
        client_address: '10.0.0.7',
        detail: null,
        recent: true,
      },
    ]);
  });

  it('takes the optional arguments by default', async () => {
    const id = await withUserSession(login.pool, t.users.prefecture, async (c) => {
      const { rows } = await c.query("select qdp.audit('password.change') as id");
      return rows[0].id as string;
    });
    const { rows } = await db.pool.query(
      'select role, action, fiscal_code, import_id, client_address, detail from qdp.audit_log where id = $1',
      [id],
    );
    expect(rows).toEqual([
      {
        role: 'prefecture',
        action: 'password.change',
        fiscal_code: null,
        import_id: null,
        client_address: null,
        detail: null,
      },
    ]);
  });

  it('refuses a session without a valid user, and an empty action', async () => {
    const noUser =
      'qdp.audit: no valid session user (no live portal session of this role: qdp.session_token_hash is unset, unknown, ended, of a disabled user or of another role)';
    for (const [role, userId] of [
      ['qdp_gp', null],
      ['qdp_gp', String(t.users.gp1Disabled)],
      ['qdp_gp', String(t.users.munA)],
      ['qdp_staff', 'abc'],
    ] as const) {
      await expect(
        asRole(login, role, userId, (c) => c.query("select qdp.audit('view_patient')")),
      ).rejects.toThrow(noUser);
    }
    await expect(db.pool.query("select qdp.audit('view_patient')")).rejects.toThrow(noUser);
    await expect(
      withUserSession(login.pool, t.users.gp1, (c) => c.query("select qdp.audit(' ')")),
    ).rejects.toThrow('qdp.audit: action is required');
  });
});

const READ_ACTIONS = ['patient.view', 'list.view', 'list.search', 'list.export'];

describe('forged entries are refused and write nothing (0070)', () => {
  /**
   * qdp.audit as `user` with these arguments: the entry's id, or the refusal's message. A view is
   * written as the role's reader, as qdp.read_quarantines writes it (the role itself may not,
   * below): the check still stands between what the reader writes and the log.
   */
  const attempt = async (user: UserKey, args: unknown[]) => {
    const before = await entries();
    const write = async (c: { query: typeof db.pool.query }) => {
      const { rows } = await c.query('select qdp.audit($1, $2, $3, $4, $5) as id', [
        ...args,
        ...Array(5 - args.length).fill(null),
      ]);
      return String(rows[0].id);
    };
    try {
      const id = READ_ACTIONS.includes(String(args[0]))
        ? await asReader(db, t.users[user], write)
        : await withUserSession(login.pool, t.users[user], write);
      expect(await entries()).toBe(before + 1);
      return { id };
    } catch (error) {
      expect(await entries()).toBe(before);
      return { refused: (error as Error).message };
    }
  };
  const shown = (codes: string[], rows = codes.length) =>
    JSON.stringify({ filters: {}, page: 1, rows, shown: codes });

  it("a person outside the session's scope, or in an import it cannot read", async () => {
    const refusedView = (importId: number) =>
      `qdp.audit: patient.view of a person this session cannot read in import ${importId} is refused`;
    // Latest import: GP G1 has persons 1 and 2; G2 has 5 and 6; municipality A has 1 and 6.
    expect(await attempt('gp1', ['patient.view', person(6), t.latestImport])).toEqual({
      refused: refusedView(t.latestImport),
    });
    expect(await attempt('munA', ['patient.view', person(2), t.latestImport])).toEqual({
      refused: refusedView(t.latestImport),
    });
    expect(await attempt('munA', ['patient.view', person(1), t.olderImport])).toEqual({
      refused: refusedView(t.olderImport),
    });
    expect(await attempt('staff', ['patient.view', person(8), t.heldImport])).toEqual({
      refused: refusedView(t.heldImport),
    });
    expect(await attempt('staff', ['patient.view', person(1)])).toEqual({
      refused: 'qdp.audit: patient.view needs the import its person was read in',
    });
    const refusedList = (action: string) =>
      `qdp.audit: ${action} listing people this session cannot read in import ${t.latestImport} (or one twice) is refused`;
    for (const action of ['list.view', 'list.search', 'list.export']) {
      expect(
        await attempt('gp1', [action, null, t.latestImport, shown([person(1), person(6)])]),
      ).toEqual({ refused: refusedList(action) });
    }
    expect(
      await attempt('gp1', ['list.view', null, t.latestImport, shown([person(1), person(1)])]),
    ).toEqual({ refused: refusedList('list.view') });
    expect(
      await attempt('gp1', ['list.view', null, t.latestImport, shown([person(1)], 2)]),
    ).toEqual({
      refused:
        'qdp.audit: list.view needs detail.shown with at least one person and detail.rows their number',
    });
    expect(await attempt('gp1', ['list.view', null, t.latestImport, shown([])])).toEqual({
      refused:
        'qdp.audit: list.view needs detail.shown with at least one person and detail.rows their number',
    });
    expect(
      await attempt('gp1', ['list.view', null, t.latestImport, '{"rows": 1, "shown": [1]}']),
    ).toEqual({ refused: 'qdp.audit: list.view needs detail.shown, an array of fiscal codes' });
    expect(
      await attempt('gp1', ['list.view', person(1), t.latestImport, shown([person(1)])]),
    ).toEqual({
      refused: 'qdp.audit: list.view names its person in detail.shown (and no fiscal_code)',
    });
    expect(
      await attempt('gp1', ['patient.view', person(1), t.latestImport, shown([person(1)])]),
    ).toEqual({
      refused: 'qdp.audit: patient.view names its person in fiscal_code (and no detail.shown)',
    });
    expect(await attempt('gp1', ['password.change', person(1)])).toEqual({
      refused: 'qdp.audit: password.change names no person',
    });
    // The same entries within scope are written.
    expect(await attempt('gp1', ['patient.view', person(2), t.latestImport])).toHaveProperty('id');
    expect(
      await attempt('gp1', ['list.view', null, t.latestImport, shown([person(2), person(1)])]),
    ).toHaveProperty('id');
    expect(await attempt('admin', ['patient.view', person(4), t.olderImport])).toHaveProperty('id');
  });

  it('a view recorded by hand, without the read: refused to every role, in scope or not (0072)', async () => {
    const before = await entries();
    for (const [user, role] of [['admin', 'admin'], ...NON_ADMIN_USERS] as const) {
      for (const action of READ_ACTIONS) {
        const args =
          action === 'patient.view'
            ? [action, person(1), t.latestImport, null]
            : [action, null, t.latestImport, shown([person(1)])];
        await expect(
          withUserSession(login.pool, t.users[user], (c) =>
            c.query('select qdp.audit($1, $2, $3, $4)', args),
          ),
          `${action} ${user}`,
        ).rejects.toThrow(
          `qdp.audit: ${action} is recorded by the read itself (qdp.read_quarantines_as_${role}), not by hand`,
        );
      }
    }
    expect(await entries()).toBe(before);
  });

  it('an action the role cannot perform, or no portal session records', async () => {
    for (const action of [
      'rejects.export',
      'user.create',
      'user.disable',
      'user.enable',
      'user.unlock',
      'user.password',
      'user.second-factor',
      'user.identity-register',
      'user.identity-remove',
    ]) {
      for (const [user, role] of NON_ADMIN_USERS) {
        expect(await attempt(user, [action]), `${action} ${user}`).toEqual({
          refused: `qdp.audit: ${action} is recorded only by an administrator's session, not a ${role} session`,
        });
      }
      expect(await attempt('admin', [action])).toHaveProperty('id');
    }
    // Written only by the functions that do them (import actions, the access report, the
    // provider's keys, sign-in), never by a session itself.
    for (const action of ['import.publish', 'access.report', 'provider.keys', 'login', 'forged']) {
      expect(await attempt('admin', [action])).toEqual({
        refused: `qdp.audit: ${action} is not an action a portal session records`,
      });
    }
    for (const user of ['admin', 'staff', 'prefecture', 'munA', 'gp1'] as const) {
      expect(await attempt(user, ['password.change'])).toHaveProperty('id');
    }
  });
});

describe('the check locks only the partition it reads (0070)', () => {
  it('whatever plan the session would choose: a generic plan would lock every import', async () => {
    // With every import's partition locked by each check, fifty pages at once exhausted the
    // lock table ("out of shared memory", measured by the portal benchmark at full size).
    const locked = await asReader(db, t.users.munA, async (c) => {
      await c.query('set local plan_cache_mode = force_generic_plan');
      for (let i = 0; i < 3; i++) {
        await c.query("select qdp.audit('patient.view', $1, $2)", [person(1), t.latestImport]);
        await c.query("select qdp.audit('list.view', null, $1, $2)", [
          t.latestImport,
          JSON.stringify({ rows: 1, shown: [person(1)] }),
        ]);
      }
      const { rows } = await c.query<{ name: string }>(
        `select c.relname as name from pg_locks l join pg_class c on c.oid = l.relation
         where l.pid = pg_backend_pid() and c.relkind = 'r' and c.relname ~ '^quarantines_[0-9]+$'
         order by 1`,
      );
      return rows.map((r) => r.name);
    });
    expect(locked).toEqual([`quarantines_${t.latestImport}`]);
  });
});

describe('append-only audit_log', () => {
  it('refuses UPDATE, DELETE and TRUNCATE even to the owner', async () => {
    await expect(db.pool.query("update qdp.audit_log set action = 'forged'")).rejects.toThrow(
      'the audit log is append-only: UPDATE is refused',
    );
    await expect(db.pool.query('delete from qdp.audit_log')).rejects.toThrow(
      'the audit log is append-only: DELETE is allowed only to the retention purge (qdp.purging = on)',
    );
    await expect(db.pool.query('truncate qdp.audit_log')).rejects.toThrow(
      'the audit log is append-only: TRUNCATE is refused',
    );
  });

  it('lets the retention purge delete, in its own transaction only', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(
        "insert into qdp.audit_log (at, action) values (now() - interval '800 days', 'purge_me')",
      );
      await client.query("select set_config('qdp.purging', 'on', true)");
      const deleted = await client.query("delete from qdp.audit_log where action = 'purge_me'");
      expect(deleted.rowCount).toBe(1);
      await client.query('commit');
      // The setting ended with the transaction.
      await expect(client.query('delete from qdp.audit_log')).rejects.toThrow(
        'DELETE is allowed only to the retention purge',
      );
    } finally {
      client.release();
    }
  });

  it('portal roles cannot change it, name its writer or its time, or insert what qdp.audit refuses', async () => {
    const before = await entries();
    for (const user of ['admin', 'staff', 'gp1'] as const) {
      for (const sql of [
        "insert into qdp.audit_log (user_id, action) values (1, 'password.change')",
        "insert into qdp.audit_log (username, action) values ('someone', 'password.change')",
        "insert into qdp.audit_log (role, action) values ('admin', 'password.change')",
        "insert into qdp.audit_log (at, action) values (now() - interval '1 year', 'password.change')",
        "update qdp.audit_log set action = 'forged'",
        'delete from qdp.audit_log',
      ]) {
        await expect(
          withUserSession(login.pool, t.users[user], (c) => c.query(sql)),
        ).rejects.toThrow('permission denied for table audit_log');
      }
      await expect(
        withUserSession(login.pool, t.users[user], (c) =>
          c.query("insert into qdp.audit_log (action) values ('forged')"),
        ),
      ).rejects.toThrow('qdp.audit: forged is not an action a portal session records');
    }
    // Straight into the table, the same check as through qdp.audit: a view by hand, of the GP's
    // own patient or of another GP's.
    for (const n of [1, 6]) {
      await expect(
        withUserSession(login.pool, t.users.gp1, (c) =>
          c.query(
            "insert into qdp.audit_log (action, fiscal_code, import_id) values ('patient.view', $1, $2)",
            [person(n), t.latestImport],
          ),
        ),
      ).rejects.toThrow(
        'qdp.audit: patient.view is recorded by the read itself (qdp.read_quarantines_as_gp), not by hand',
      );
    }
    // And as the reader, a person the session cannot read.
    await expect(
      asReader(db, t.users.gp1, (c) =>
        c.query(
          "insert into qdp.audit_log (action, fiscal_code, import_id) values ('patient.view', $1, $2)",
          [person(6), t.latestImport],
        ),
      ),
    ).rejects.toThrow(
      `qdp.audit: patient.view of a person this session cannot read in import ${t.latestImport} is refused`,
    );
    expect(await entries()).toBe(before);
  });
});

describe('qdp.patient_access_log', () => {
  it('tells an administrator who looked at a person, in order', async () => {
    const fiscalCode = person(6);
    const view = (code: string) => ({
      action: 'patient.view' as const,
      import_id: t.latestImport,
      columns: ['fiscal_code'],
      fiscal_code: code,
      client_address: '10.0.0.1',
    });
    for (const user of ['gp2', 'munA', 'staff'] as const) {
      expect(await readAs(login, t.users[user], view(fiscalCode))).toHaveLength(1);
    }
    expect(await readAs(login, t.users.gp1, view(person(1)))).toHaveLength(1);
    // A view of someone out of scope reads nothing and records nothing.
    expect(await readAs(login, t.users.gp1, view(fiscalCode))).toEqual([]);
    const log = await withUserSession(login.pool, t.users.admin, async (c) => {
      const { rows } = await c.query(
        'select user_id, username, role, action, import_id from qdp.patient_access_log($1)',
        [fiscalCode],
      );
      return rows;
    });
    const entry = (user: 'gp2' | 'munA' | 'staff', role: string, action: string) => ({
      user_id: String(t.users[user]),
      username: `test.${user}`,
      role,
      action,
      import_id: String(t.latestImport),
    });
    expect(log).toEqual([
      entry('gp2', 'gp', 'patient.view'),
      entry('munA', 'municipality', 'patient.view'),
      entry('staff', 'staff', 'patient.view'),
    ]);
  });

  it('is refused to every other role and to a session without an administrator', async () => {
    for (const user of ['staff', 'prefecture', 'munA', 'gp1'] as const) {
      await expect(
        withUserSession(login.pool, t.users[user], (c) =>
          c.query('select * from qdp.patient_access_log($1)', [person(1)]),
        ),
      ).rejects.toThrow('permission denied for function patient_access_log');
    }
    await expect(
      asRole(login, 'qdp_admin', String(t.users.staff), (c) =>
        c.query('select * from qdp.patient_access_log($1)', [person(1)]),
      ),
    ).rejects.toThrow(
      "qdp.patient_access_log: only an administrator's session may read the access log",
    );
  });

  it('administrators read the whole log; other roles cannot', async () => {
    const seen = await withUserSession(login.pool, t.users.admin, (c) =>
      c.query('select count(*) as n from qdp.audit_log'),
    );
    const total = Number(
      (await db.pool.query('select count(*) as n from qdp.audit_log')).rows[0].n,
    );
    expect(seen.rows).toEqual([{ n: String(total) }]);
    await expect(
      withUserSession(login.pool, t.users.staff, (c) => c.query('select id from qdp.audit_log')),
    ).rejects.toThrow('permission denied for table audit_log');
  });
});

describe('qdp.read_quarantines: the read writes the entry of what it returned (0072)', () => {
  const listViews = async () =>
    Number(
      (await db.pool.query("select count(*) as n from qdp.audit_log where action = 'list.view'"))
        .rows[0].n,
    );
  const page = (limit: number, shownLimit: number) => ({
    ...listRequest(t.latestImport, ['fiscal_code', 'surname']),
    limit,
    shown_limit: shownLimit,
  });

  it('a row read past shown_limit comes back empty and unrecorded: it only says there is more', async () => {
    // Municipality A's people in the latest import: persons 1 and 6.
    const before = await listViews();
    // A caller's own description of the read is not what the entry records: the request is.
    const described = { ...page(2, 1), detail: { page: 99, filters: { q: 'SOMEONE ELSE' } } };
    expect(await readAs(login, t.users.munA, described)).toEqual([
      { fiscal_code: person(1), surname: expect.any(String) as string },
      { fiscal_code: null, surname: null },
    ]);
    expect(await listViews()).toBe(before + 1);
    const { rows } = await db.pool.query(
      "select detail from qdp.audit_log where action = 'list.view' order by id desc limit 1",
    );
    expect(rows).toEqual([
      {
        detail: {
          filters: { sort: 'fiscal_code', dir: 'asc' },
          page: 1,
          rows: 1,
          shown: [person(1)],
        },
      },
    ]);
  });

  it('reads nothing it would not show but one row that says there is more', async () => {
    const before = await entries();
    for (const [limit, shown, message] of [
      [2, 0, 'list.view needs shown_limit, how many of the rows read are shown (at least 1)'],
      [5, 1, 'limit may be at most shown_limit + 1'],
    ] as const) {
      await expect(readAs(login, t.users.munA, page(limit, shown))).rejects.toThrow(
        `qdp.read_quarantines: ${message}`,
      );
    }
    expect(await entries()).toBe(before);
  });

  it('a person out of scope is neither returned nor recorded', async () => {
    const before = await entries();
    const view = {
      action: 'patient.view' as const,
      import_id: t.latestImport,
      columns: ['fiscal_code'],
      fiscal_code: person(6),
      client_address: '10.0.0.4',
    };
    expect(await readAs(login, t.users.gp1, view)).toEqual([]);
    expect(await readAs(login, t.users.munA, { ...view, import_id: t.olderImport })).toEqual([]);
    expect(await entries()).toBe(before);
  });

  it('refuses a bad request naming what is wrong, before reading or writing anything', async () => {
    const before = await entries();
    for (const [change, message] of [
      [{ sort: 'phone; drop table x' }, 'sort must be fiscal_code, surname'],
      [{ dir: 'sideways' }, 'dir must be asc or desc'],
      [{ columns: ['fiscal_code', 'password_hash'] }, 'columns: password_hash is not a column'],
      [{ filters: { municipality: "1' or true" } }, 'filters.municipality must be a 6-digit'],
      [{ filters: { to: "2020-01-01'::date or true" } }, 'filters.to must be a date yyyy-mm-dd'],
      [{ limit: -1 }, 'limit and offset must be whole numbers'],
      [{ action: 'list.steal' }, 'action must be patient.view, list.view'],
    ] as const) {
      await expect(
        withUserSession(login.pool, t.users.staff, (c) =>
          c.query('select count(*) from qdp.read_quarantines_as_staff($1::jsonb)', [
            JSON.stringify({ ...page(10, 10), ...change }),
          ]),
        ),
        JSON.stringify(change),
      ).rejects.toThrow(`qdp.read_quarantines: ${message}`);
    }
    // A column the role may not read: the column privilege refuses it.
    await expect(
      readAs(login, t.users.prefecture, { ...page(10, 10), columns: ['fiscal_code', 'reason'] }),
    ).rejects.toThrow('permission denied for table quarantines');
    expect(await entries()).toBe(before);
  });

  it("the patient's timeline answers only after the view of that person in the same transaction", async () => {
    const timeline = `select count(*)::int as n from qdp.portal_patient_timeline('${person(1)}')`;
    await expect(
      withUserSession(login.pool, t.users.staff, (c) => c.query(timeline)),
    ).rejects.toThrow('qdp.portal_patient_timeline: read with the view it belongs to');
    const counted = await withUserSession(login.pool, t.users.staff, async (c, opened) => {
      // Inside a savepoint, as a client may: the entry still belongs to this transaction.
      await c.query('savepoint view');
      await c.query(`select * from qdp.read_quarantines_as_staff($1::jsonb)`, [
        JSON.stringify({
          action: 'patient.view',
          import_id: t.latestImport,
          columns: ['fiscal_code'],
          fiscal_code: person(1),
          client_address: '10.0.0.4',
        }),
      ]);
      await c.query('release savepoint view');
      expect(opened.role).toBe('qdp_staff');
      return (await c.query<{ n: number }>(timeline)).rows[0]!.n;
    });
    // Person 1 is in the older import and the latest (both published).
    expect(counted).toBe(2);
  });
});
