// The database credential alone reads nothing: connected as the portal's login role (a member of
// qdp_portal), with no live session's token, whatever the connection sets (a user id, a made-up or
// ended session's hash, another role's live session), whichever portal role it switches to and
// whatever it calls, no personal row comes back and no audit entry can be written. The same reads
// with a live session of the role return rows (so the probes can see data when it is there).
// Admin-only functions refuse every other role with a message naming the action.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  person,
  seedTerritory,
  type PortalLogin,
  type Territory,
} from './access-fixtures.ts';

const ROLES = ['qdp_admin', 'qdp_staff', 'qdp_prefecture', 'qdp_municipality', 'qdp_gp'] as const;

/** Each read of personal data a connection could try, as one count (or a refusal). */
const PERSONAL_READS: Record<string, string> = {
  quarantines: 'select count(*) as n from qdp.quarantines',
  patients: 'select count(*) as n from qdp.patients',
  gps: 'select count(*) as n from qdp.gps',
  transit: 'select count(*) as n from qdp.transit',
  rejects: 'select count(*) as n from qdp.rejects',
  users: 'select count(*) as n from qdp.users',
  audit_log: 'select count(*) as n from qdp.audit_log',
  portal_sessions: 'select count(*) as n from qdp.portal_sessions',
  timeline: `select count(*) as n from qdp.portal_patient_timeline('${person(1)}')`,
  access_log: `select count(*) as n from qdp.patient_access_log('${person(1)}')`,
  own_password: 'select count(qdp.portal_own_password_hash()) as n',
};

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  await db.pool.query(
    "insert into qdp.audit_log (user_id, username, role, action, fiscal_code) values ($1, 'x', 'staff', 'patient.view', $2)",
    [t.users.staff, person(1)],
  );
  login = await createPortalLogin(db);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

/** A live portal session of `userId` as the log-in opens it; its token's hash. */
async function liveSession(userId: number): Promise<Buffer> {
  const hash = createHash('sha256').update(randomBytes(32)).digest();
  await login.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.7')", [userId, hash]);
  return hash;
}

/** Runs `sql` in a rolled-back transaction as `role` with `settings`: the count, or the refusal. */
async function probe(
  role: string,
  settings: Record<string, string>,
  sql: string,
): Promise<number | string> {
  const client: pg.PoolClient = await login.pool.connect();
  try {
    await client.query('begin');
    await client.query(`set local role ${role}`);
    for (const [k, v] of Object.entries(settings))
      await client.query('select set_config($1, $2, true)', [k, v]);
    const { rows } = await client.query<{ n: string }>(sql);
    return Number(rows[0]!.n);
  } catch (error) {
    return (error as { code?: string }).code === '42501' ? 'refused' : String(error);
  } finally {
    await client.query('rollback');
    client.release();
  }
}

describe('the login role without a live session', () => {
  it('reads no personal row as any portal role, whatever it sets', async () => {
    const ended = await liveSession(t.users.admin);
    await login.pool.query('select qdp.portal_session_end($1)', [ended]);
    const staffSession = await liveSession(t.users.staff);
    const attempts: Record<string, Record<string, string>> = {
      nothing: {},
      'an administrator id': { 'qdp.user_id': String(t.users.admin) },
      'a made-up hash': {
        'qdp.user_id': String(t.users.admin),
        'qdp.session_token_hash': randomBytes(32).toString('hex'),
      },
      "an ended session's hash": { 'qdp.session_token_hash': ended.toString('hex') },
      garbage: { 'qdp.session_token_hash': "x' or true --" },
    };
    const found: string[] = [];
    for (const role of ROLES) {
      const settings = { ...attempts };
      // Another role's live session: a staff session under every other role.
      if (role !== 'qdp_staff')
        settings["a staff session's hash"] = {
          'qdp.session_token_hash': staffSession.toString('hex'),
        };
      for (const [what, set] of Object.entries(settings)) {
        for (const [read, sql] of Object.entries(PERSONAL_READS)) {
          const result = await probe(role, set, sql);
          if (result !== 0 && result !== 'refused')
            found.push(`${role}, ${what}: ${read} → ${result}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('reads the same with a live session of the role (the probes see data when it is there)', async () => {
    const admin = (await liveSession(t.users.admin)).toString('hex');
    const gp = (await liveSession(t.users.gp1)).toString('hex');
    expect(
      await probe('qdp_admin', { 'qdp.session_token_hash': admin }, PERSONAL_READS.quarantines!),
    ).toBeGreaterThan(0);
    expect(
      await probe('qdp_admin', { 'qdp.session_token_hash': admin }, PERSONAL_READS.audit_log!),
    ).toBeGreaterThan(0);
    expect(
      await probe('qdp_gp', { 'qdp.session_token_hash': gp }, PERSONAL_READS.quarantines!),
    ).toBeGreaterThan(0);
  });

  it('cannot write an audit entry, as any role, without a live session', async () => {
    for (const role of ROLES) {
      await expect(
        probe(
          role,
          { 'qdp.user_id': String(t.users.admin) },
          "select count(qdp.audit('patient.view', 'RSSMRA80A01H501U')) as n",
        ),
      ).resolves.toBe('refused');
    }
    // The login role itself may not call it at all.
    await expect(
      login.pool.query("select qdp.audit('patient.view', 'RSSMRA80A01H501U')"),
    ).rejects.toThrow(/permission denied for function audit/);
  });
});

describe('admin-only functions called directly in the database', () => {
  const actions: [string, string][] = [
    ["select qdp.portal_import_action('publish', $1, null)", 'publish import'],
    ["select qdp.portal_import_action('discard', $1, null)", 'discard import'],
    ["select qdp.portal_import_action('rollback', $1, null)", 'roll back to import'],
    ['select qdp.portal_end_user_sessions($1)', 'end the sessions of user'],
  ];

  it('refuse every other role with a live session, naming the action and the session', async () => {
    const sessions = {
      qdp_staff: t.users.staff,
      qdp_prefecture: t.users.prefecture,
      qdp_municipality: t.users.munA,
      qdp_gp: t.users.gp1,
    };
    for (const [role, userId] of Object.entries(sessions)) {
      const hash = (await liveSession(userId)).toString('hex');
      const roleName = role.replace('qdp_', '');
      for (const [sql, action] of actions) {
        const client = await login.pool.connect();
        try {
          await client.query('begin');
          await client.query(`set local role ${role}`);
          await client.query("select set_config('qdp.session_token_hash', $1, true)", [hash]);
          await expect(client.query(sql, [t.heldImport]), `${role} ${action}`).rejects.toThrow(
            `${action} ${t.heldImport}: only an administrator's session may do this, not a ${roleName} session`,
          );
        } finally {
          await client.query('rollback');
          client.release();
        }
      }
    }
  });

  it('refuse the administrator role without a live session, and the login role outright', async () => {
    const client = await login.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local role qdp_admin');
      await client.query("select set_config('qdp.user_id', $1, true)", [String(t.users.admin)]);
      await expect(
        client.query("select qdp.portal_import_action('publish', $1, null)", [t.heldImport]),
      ).rejects.toThrow(
        `publish import ${t.heldImport}: only an administrator's session may do this, not a connection without a live session`,
      );
    } finally {
      await client.query('rollback');
      client.release();
    }
    await expect(
      login.pool.query("select qdp.portal_import_action('publish', $1, null)", [t.heldImport]),
    ).rejects.toThrow('permission denied for function portal_import_action');
    const held = await db.pool.query('select status from qdp.imports where id = $1', [
      t.heldImport,
    ]);
    expect(held.rows).toEqual([{ status: 'held' }]);
  });
});
