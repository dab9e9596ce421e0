// The database credential alone reads nothing: connected as the portal's login role (a member of
// qdp_portal), with no live session's token, whatever the connection sets (a user id, a made-up or
// ended session's hash, another role's live session), whichever portal role it switches to and
// whatever it calls — every function the catalog says it may execute, as itself and as each
// portal role — no personal value comes back, no session opens and no audit entry can be written.
// The same probes with a live session of the role do find personal data (so they can see it when
// it is there). Sessions are opened only by the sign-in functions with a proof the database
// checks (0052): the login role cannot open one by naming a user. Admin-only functions refuse
// every other role with a message naming the action.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { PORTAL_GROUP_ROLE, POLICY_ROLES } from '../../contracts/roles.ts';
import {
  createPortalLogin,
  person,
  listRequest,
  seedTerritory,
  type PortalLogin,
  type Territory,
} from './access-fixtures.ts';

/** The access policy's roles a portal session switches to (every policy role but the group). */
const ROLES = POLICY_ROLES.filter((role) => role !== PORTAL_GROUP_ROLE);

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
  own_password: 'select count(qdp.portal_own_password_params()) as n',
};

/** The latest import's list as a role's reader function reads it (0072), as one count. */
const readThroughFunction = (role: string, importId: number) =>
  `select count(*)::int as n from qdp.read_quarantines_as_${role.replace(/^qdp_/, '')}('${JSON.stringify(
    listRequest(importId, ['fiscal_code']),
  )}')`;

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  await db.pool.query(
    "insert into qdp.audit_log (user_id, username, role, action, fiscal_code) values ($1, 'test.staff', 'staff', 'patient.view', $2)",
    [t.users.staff, person(1)],
  );
  login = await createPortalLogin(db);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

/**
 * A live portal session of `userId`, opened by the owner as the sign-in functions open it after a
 * verified proof (the login role itself may not); its token's hash.
 */
async function liveSession(userId: number): Promise<Buffer> {
  const hash = createHash('sha256').update(randomBytes(32)).digest();
  await db.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.7')", [userId, hash]);
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
        for (const [read, sql] of Object.entries({
          ...PERSONAL_READS,
          read_function: readThroughFunction(role, t.latestImport),
        })) {
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
    // Quarantines only through the role's function, which writes the entry (0072): the role
    // itself reads none even with a live session.
    for (const [role, hash, people] of [
      ['qdp_admin', admin, 6],
      ['qdp_gp', gp, 2],
    ] as const) {
      const session = { 'qdp.session_token_hash': hash };
      expect(await probe(role, session, readThroughFunction(role, t.latestImport))).toBe(people);
      expect(await probe(role, session, PERSONAL_READS.quarantines!)).toBe(0);
    }
    expect(
      await probe('qdp_admin', { 'qdp.session_token_hash': admin }, PERSONAL_READS.audit_log!),
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

/** A function the catalog says a role may execute, and how to call it. */
interface Callable {
  name: string;
  args: string[];
  returnsTrigger: boolean;
}

/** Every function outside PostgreSQL's own schemas that `role` may execute (as the catalog says). */
async function executable(role: string): Promise<Callable[]> {
  const { rows } = await db.pool.query<{ name: string; args: string[]; trigger: boolean }>(
    `select n.nspname || '.' || p.proname as name,
            coalesce((select array_agg(format_type(t, null) order by i)
                      from unnest(p.proargtypes::oid[]) with ordinality a (t, i)), '{}') as args,
            p.prorettype = 'trigger'::regtype as trigger
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname not in ('pg_catalog', 'information_schema') and p.prokind = 'f'
       and has_function_privilege($1, p.oid, 'execute')
     order by 1, 2`,
    [role],
  );
  return rows.map((r) => ({ name: r.name, args: r.args, returnsTrigger: r.trigger }));
}

/**
 * Arguments a caller without a session would try: real identifiers (a username, a person's fiscal
 * code, a user id, an import id) in two sets, never a live session's token hash.
 */
function argumentSets(types: string[]): string[][] {
  const sets: Record<string, [string, string]> = {
    text: ["'test.admin'", `'${person(1)}'`],
    bigint: [String(t.users.admin), String(t.latestImport)],
    integer: ['1', '50'],
    bytea: [`'\\x${randomBytes(32).toString('hex')}'`, `'\\x${'00'.repeat(32)}'`],
    boolean: ['true', 'false'],
    jsonb: [`'{}'`, `'{"fiscal_code":"${person(1)}"}'`],
    'text[]': [`'{test.admin}'`, `'{${person(1)}}'`],
    date: ['current_date', "'2020-01-01'"],
  };
  return [0, 1].map((i) => types.map((type) => `${sets[type]?.[i as 0 | 1] ?? 'null'}::${type}`));
}

describe("the session's temporary objects", () => {
  it('are never found by the database functions in place of the catalog or of a type', async () => {
    // A portal role may create temporary objects (PUBLIC's TEMP on the database). Searched
    // first, as an unlisted pg_temp is, a temporary view named pg_attribute or a domain named
    // text would run the caller's code as a function's owner: a reader's (reading its scope
    // with no entry) or the migrating role's. Every function lists pg_temp last.
    const gp = await liveSession(t.users.gp1);
    const client = await login.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local role qdp_gp');
      await client.query("select set_config('qdp.session_token_hash', $1, true)", [
        gp.toString('hex'),
      ]);
      await client.query(
        "create function pg_temp.hijacked() returns boolean language plpgsql as $$ begin raise exception 'hijacked as %', current_user; end $$",
      );
      await client.query(
        'create view pg_temp.pg_attribute as select a.attrelid, a.attname, a.attnum, a.attisdropped, a.atttypid, a.atttypmod from pg_catalog.pg_attribute a where pg_temp.hijacked()',
      );
      await client.query(
        'create domain pg_temp.text as pg_catalog.text check (pg_temp.hijacked())',
      );
      const read = await client.query<{ n: number }>(readThroughFunction('qdp_gp', t.latestImport));
      expect(read.rows).toEqual([{ n: 2 }]);
      // (No cast to text here: in this session's own statements text is the temporary domain.)
      const user = await client.query<{ id: string }>('select qdp.current_user_id() as id');
      expect(user.rows).toEqual([{ id: String(t.users.gp1) }]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});

describe('every function the login role may execute, without a live session', () => {
  let personal: string[];

  beforeAll(async () => {
    const { rows } = await db.pool.query<{ v: string }>(
      `select distinct v from (
         select unnest(array[fiscal_code, surname, name, address, phone]) as v from qdp.quarantines
         union all select unnest(array[fiscal_code, surname, name]) from qdp.patients
         union all select unnest(array[username, display_name]) from qdp.users
         union all select fiscal_code from qdp.audit_log) x
       where v is not null and length(v) >= 4`,
    );
    personal = rows.map((r) => r.v);
    expect(personal).toContain(person(1));
    expect(personal).toContain('test.admin');
  });

  /** Calls each function as `role` (none: the login role itself) with `settings`: what leaked. */
  async function callEverything(
    role: string | null,
    settings: Record<string, string>,
  ): Promise<{ calls: number; leaks: string[] }> {
    const functions = await executable(role ?? login.role);
    const leaks: string[] = [];
    let calls = 0;
    const client = await login.pool.connect();
    try {
      for (const fn of functions) {
        if (fn.returnsTrigger) continue;
        for (const args of argumentSets(fn.args)) {
          const sql = `select coalesce(json_agg(r), '[]')::text as out from ${fn.name}(${args.join(', ')}) r`;
          await client.query('begin');
          try {
            if (role) await client.query(`set local role ${role}`);
            for (const [k, v] of Object.entries(settings))
              await client.query('select set_config($1, $2, true)', [k, v]);
            calls += 1;
            const { rows } = await client.query<{ out: string }>(sql);
            const out = rows[0]!.out;
            // A value the call was given may come back (a function that quotes its argument).
            for (const value of personal)
              if (out.includes(value) && !sql.includes(value))
                leaks.push(`${role ?? 'login'}: ${sql} → ${value}`);
          } catch {
            // A refusal (or a call that cannot be made this way) reads nothing.
          } finally {
            await client.query('rollback');
          }
        }
      }
    } finally {
      client.release();
    }
    return { calls, leaks };
  }

  it('returns nothing personal, as the login role or any portal role, whatever it sets', async () => {
    const ended = await liveSession(t.users.admin);
    await db.pool.query('select qdp.portal_session_end($1)', [ended]);
    const staff = (await liveSession(t.users.staff)).toString('hex');
    const settings = {
      'qdp.user_id': String(t.users.admin),
      'qdp.session_token_hash': ended.toString('hex'),
    };
    const sessionsBefore = await db.pool.query(
      'select count(*)::int as n from qdp.portal_sessions',
    );
    const auditBefore = await db.pool.query('select count(*)::int as n from qdp.audit_log');
    const found: string[] = [];
    let calls = 0;
    for (const role of [null, ...ROLES]) {
      const run = await callEverything(role, settings);
      found.push(...run.leaks);
      calls += run.calls;
      if (role && role !== 'qdp_staff') {
        const other = await callEverything(role, { 'qdp.session_token_hash': staff });
        found.push(...other.leaks);
      }
    }
    expect(found).toEqual([]);
    // Every call was rolled back; none could have opened a session for lack of a proof anyway.
    expect(calls).toBeGreaterThan(100);
    expect(
      (await db.pool.query('select count(*)::int as n from qdp.portal_sessions')).rows,
    ).toEqual(sessionsBefore.rows);
    expect((await db.pool.query('select count(*)::int as n from qdp.audit_log')).rows).toEqual(
      auditBefore.rows,
    );
  });

  it('the same probes with a live administrator session do find personal data', async () => {
    const admin = (await liveSession(t.users.admin)).toString('hex');
    const { leaks } = await callEverything('qdp_admin', { 'qdp.session_token_hash': admin });
    expect(leaks.length).toBeGreaterThan(0);
  });

  it('cannot open a session by naming a user, nor switch to a role it is not granted', async () => {
    await expect(
      login.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.7')", [
        t.users.admin,
        randomBytes(32),
      ]),
    ).rejects.toThrow('permission denied for function portal_login_succeeded');
    for (const role of ['postgres', 'pg_read_all_data', 'pg_write_server_files']) {
      await expect(login.pool.query(`set role ${role}`), role).rejects.toThrow(
        `permission denied to set role "${role}"`,
      );
    }
    await expect(login.pool.query('set session authorization postgres')).rejects.toThrow(
      'permission denied to set session authorization',
    );
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
