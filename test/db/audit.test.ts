// The audit log: written only through qdp.audit() by a valid session user, never changed,
// deleted only by the retention purge (qdp.purging = on), and read by administrators, who can
// answer "who looked at this person's record".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  person,
  seedTerritory,
  type PortalLogin,
  type Territory,
  asRole,
} from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

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
    const id = await withUserSession(login.pool, t.users.munA, async (c) => {
      const { rows } = await c.query(
        "select qdp.audit('view_patient', $1, $2, '{\"page\": \"detail\"}', '10.0.0.7') as id",
        [person(1), t.latestImport],
      );
      return rows[0].id as string;
    });
    const { rows } = await db.pool.query(
      `select user_id, username, role, action, fiscal_code, import_id, client_address, detail,
         at > now() - interval '1 minute' as recent from qdp.audit_log where id = $1`,
      [id],
    );
    expect(rows).toEqual([
      {
        user_id: String(t.users.munA),
        username: 'test.munA',
        role: 'municipality',
        action: 'view_patient',
        fiscal_code: person(1),
        import_id: String(t.latestImport),
        client_address: '10.0.0.7',
        detail: { page: 'detail' },
        recent: true,
      },
    ]);
  });

  it('takes the optional arguments by default', async () => {
    const id = await withUserSession(login.pool, t.users.prefecture, async (c) => {
      const { rows } = await c.query("select qdp.audit('export') as id");
      return rows[0].id as string;
    });
    const { rows } = await db.pool.query(
      'select role, action, fiscal_code, import_id, client_address, detail from qdp.audit_log where id = $1',
      [id],
    );
    expect(rows).toEqual([
      {
        role: 'prefecture',
        action: 'export',
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

  it('portal roles cannot write or change it directly', async () => {
    for (const user of ['admin', 'staff', 'gp1'] as const) {
      for (const sql of [
        "insert into qdp.audit_log (action) values ('forged')",
        "update qdp.audit_log set action = 'forged'",
        'delete from qdp.audit_log',
      ]) {
        await expect(
          withUserSession(login.pool, t.users[user], (c) => c.query(sql)),
        ).rejects.toThrow('permission denied for table audit_log');
      }
    }
  });
});

describe('qdp.patient_access_log', () => {
  it('tells an administrator who looked at a person, in order', async () => {
    const fiscalCode = person(6);
    for (const [user, action] of [
      ['gp2', 'view_patient'],
      ['munA', 'view_patient'],
      ['staff', 'export'],
    ] as const) {
      await withUserSession(login.pool, t.users[user], (c) =>
        c.query('select qdp.audit($1, $2, $3)', [action, fiscalCode, t.latestImport]),
      );
    }
    await withUserSession(login.pool, t.users.gp1, (c) =>
      c.query("select qdp.audit('view_patient', $1)", [person(1)]),
    );
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
      entry('gp2', 'gp', 'view_patient'),
      entry('munA', 'municipality', 'view_patient'),
      entry('staff', 'staff', 'export'),
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
