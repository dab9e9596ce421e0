// Fixtures of the access-policy tests: a login role standing for the portal's qdp_portal, and a
// small synthetic territory (two published imports and a held one, people in three
// municipalities, three GPs, users of every role) seeded directly as the superuser.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withUserSession } from '../../db/session.ts';
import { hashPassword } from '../../core/passwords.ts';
import {
  readQuarantinesStatement,
  type ReadRequest,
} from '../../portal/queries/read-quarantines.ts';
import { adminUrl, type TestDatabase } from '../support/database.ts';

export interface PortalLogin {
  role: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/**
 * A transaction on the login pool as `role` setting qdp.user_id to `userId`, bypassing
 * withUserSession (to try what a misbehaving application could send: without a live session's
 * token hash the user id counts for nothing); always rolled back.
 */
export async function asRole<T>(
  login: PortalLogin,
  role: string,
  userId: string | null,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await login.pool.connect();
  try {
    await client.query('begin');
    await client.query(`set local role ${role}`);
    if (userId !== null) await client.query("select set_config('qdp.user_id', $1, true)", [userId]);
    return await fn(client);
  } finally {
    await client.query('rollback');
    client.release();
  }
}

/**
 * `fn` in a session of user `userId` switched to the role's reader (0072), as
 * qdp.read_quarantines_as_<role> runs: only the owner may switch to a reader, so through the
 * superuser's pool; the role switched back before the session's check and COMMIT.
 */
export async function asReader<T>(
  db: TestDatabase,
  userId: number,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withUserSession(db.pool, userId, async (client, opened) => {
    await client.query(`set local role ${opened.role}_reader`);
    const result = await fn(client);
    await client.query(`set local role ${opened.role}`);
    return result;
  });
}

/** A list read of `importId` by fiscal code: up to 100 rows, each shown (and audited). */
export function listRequest(
  importId: number,
  columns: readonly string[],
): Extract<ReadRequest, { shown_limit: number }> {
  return {
    action: 'list.view',
    import_id: importId,
    columns,
    filters: {},
    sort: 'fiscal_code',
    dir: 'asc',
    limit: 100,
    offset: 0,
    shown_limit: 100,
    reference_day: null,
    client_address: '192.0.2.9',
  };
}

/** The rows `request` reads in a session of user `userId`, through the portal's login role. */
export async function readAs(
  login: PortalLogin,
  userId: number,
  request: ReadRequest,
): Promise<Record<string, unknown>[]> {
  return withUserSession(login.pool, userId, async (client, opened) => {
    return (await client.query(readQuarantinesStatement(opened.role, request))).rows;
  });
}

/** The one function that opens a session for a user id, without any proof (owner only, 0052). */
const OPEN_SESSION_FUNCTION = 'qdp.portal_login_succeeded(bigint, bytea, text)';

/**
 * A login role that is a member of qdp_portal, as the portal's connection is in production.
 * With `opensSessions`, it may also open a session for a user id without any proof (for tests that
 * act as a user through withUserSession, as tools would with the owner's grant); the portal's own
 * login role may not. Roles are cluster-wide: each test file makes its own and drops it.
 */
export async function createPortalLogin(
  db: TestDatabase,
  options: { opensSessions?: boolean } = {},
): Promise<PortalLogin> {
  const role = `qdp_test_login_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await db.pool.query(`create role ${role} login password '${password}' in role qdp_portal`);
  if (options.opensSessions)
    await db.pool.query(`grant execute on function ${OPEN_SESSION_FUNCTION} to ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 3 });
  pool.on('error', () => undefined);
  return {
    role,
    pool,
    drop: async () => {
      await pool.end();
      if (options.opensSessions)
        await db.pool.query(`revoke execute on function ${OPEN_SESSION_FUNCTION} from ${role}`);
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      try {
        await admin.query(`drop role if exists ${role}`);
      } finally {
        await admin.end();
      }
    },
  };
}

export interface Territory {
  /** Two municipalities of the territory (VR) and one outside it. */
  munA: string;
  munB: string;
  outside: string;
  olderImport: number;
  latestImport: number;
  heldImport: number;
  users: Record<UserKey, number>;
}

export type UserKey =
  'admin' | 'staff' | 'prefecture' | 'munA' | 'munB' | 'gp1' | 'gp2' | 'gp1Disabled';

/** A live user of each role but the administrator, with the role's name (messages name it). */
export const NON_ADMIN_USERS = [
  ['staff', 'staff'],
  ['prefecture', 'prefecture'],
  ['munA', 'municipality'],
  ['gp1', 'gp'],
] as const satisfies readonly (readonly [UserKey, string])[];

/** Synthetic people (16 characters; the policy does not validate fiscal codes). */
export const person = (n: number): string => `TSTPRS00A01Z${String(n).padStart(3, '0')}X`;

type Place = 'A' | 'B' | 'X';
/** [person, municipality, GP code or null] per import. */
const QUARANTINES: Record<'older' | 'latest' | 'held', [number, Place, string | null][]> = {
  older: [
    [1, 'A', 'G1'],
    [2, 'B', 'G2'],
    [3, 'X', 'G3'],
    [4, 'A', null],
  ],
  latest: [
    [1, 'A', 'G1'],
    [2, 'B', 'G1'],
    [3, 'X', 'G3'],
    [5, 'B', 'G2'],
    [6, 'A', 'G2'],
    [7, 'X', null],
  ],
  held: [
    [1, 'A', 'G1'],
    [8, 'A', 'G1'],
  ],
};

export async function seedTerritory(pool: pg.Pool): Promise<Territory> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const inVr = await client.query<{ istat_code: string }>(
      "select istat_code from qdp.municipalities where province = 'VR' and in_territory order by istat_code limit 2",
    );
    const out = await client.query<{ istat_code: string }>(
      'select istat_code from qdp.municipalities where not in_territory order by istat_code limit 1',
    );
    const munA = inVr.rows[0]!.istat_code;
    const munB = inVr.rows[1]!.istat_code;
    const outside = out.rows[0]!.istat_code;
    const places: Record<Place, string> = { A: munA, B: munB, X: outside };

    const importIds: number[] = [];
    for (const [n, status] of [
      [1, 'published'],
      [2, 'published'],
      [3, 'held'],
    ] as const) {
      const { rows } = await client.query<{ id: string }>(
        `insert into qdp.imports (source_name, sha256, size_bytes, status, rows_total, rows_accepted, rows_rejected, error)
         values ($1, repeat($2, 64), 100, $3, 9, 9, 0, $4) returning id`,
        [
          `quarantene_${n}.csv`,
          String(n),
          status,
          status === 'held' ? 'held: row count drop' : null,
        ],
      );
      importIds.push(Number(rows[0]!.id));
    }
    const [olderImport, latestImport, heldImport] = importIds as [number, number, number];
    await client.query(
      "insert into qdp.publications (import_id, action, by_user) values ($1, 'publish', 'test'), ($2, 'publish', 'test')",
      [olderImport, latestImport],
    );
    for (const code of ['G1', 'G2', 'G3']) {
      await client.query(
        'insert into qdp.gps (code, name, updated_import_id) values ($1, $2, $3)',
        [code, `DOTT. SINTETICO ${code}`, latestImport],
      );
    }
    const byImport = { older: olderImport, latest: latestImport, held: heldImport };
    const lastSeen = new Map<number, [number, Place, string | null]>();
    const firstSeen = new Map<number, number>();
    for (const [key, importId] of Object.entries(byImport) as [keyof typeof byImport, number][]) {
      await client.query(
        `create table qdp.quarantines_${importId} partition of qdp.quarantines for values in (${importId})`,
      );
      let line = 1;
      for (const [n, place, gp] of QUARANTINES[key]) {
        line += 1;
        await client.query(
          `insert into qdp.quarantines (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
             residence_istat, residence_name, address, phone, gp_code, gp_name, reason, start_date, end_date, change)
           values ($1, $2, $3, $4, 'PERSONA', 'F', '1980-01-01', $5, 'COMUNE', 'VIA FINTA 1', '0450000000',
             $6::text, case when $6::text is null then null else 'DOTT. SINTETICO ' || $6::text end,
             'CONTATTO', '2020-11-01', '2020-11-10', 'new')`,
          [importId, line, person(n), `SINTETICO${n}`, places[place], gp],
        );
        if (key !== 'held') {
          lastSeen.set(n, [importId, place, gp]);
          if (!firstSeen.has(n)) firstSeen.set(n, importId);
        }
      }
    }
    for (const [n, [importId, place, gp]] of lastSeen) {
      await client.query(
        `insert into qdp.patients (fiscal_code, surname, name, sex, birth_date, residence_istat, address, phone,
           gp_code, first_import_id, last_import_id)
         values ($1, $2, 'PERSONA', 'F', '1980-01-01', $3, 'VIA FINTA 1', '0450000000', $4, $6, $5)`,
        [person(n), `SINTETICO${n}`, places[place], gp, importId, firstSeen.get(n)],
      );
    }
    await client.query(
      `create table qdp.transit_${latestImport} partition of qdp.transit for values in (${latestImport})`,
    );
    await client.query(
      `insert into qdp.transit (import_id, line_no, codice_fiscale, cognome) values ($1, 2, $2, 'SINTETICO1')`,
      [latestImport, person(1)],
    );
    await client.query(
      "insert into qdp.rejects (import_id, line_no, field, reason) values ($1, 9, 'DATA_FINE', 'end before start')",
      [latestImport],
    );

    const users = {} as Record<UserKey, number>;
    const userRows: [UserKey, string, string | null, string | null, boolean][] = [
      ['admin', 'admin', null, null, false],
      ['staff', 'staff', null, null, false],
      ['prefecture', 'prefecture', null, null, false],
      ['munA', 'municipality', munA, null, false],
      ['munB', 'municipality', munB, null, false],
      ['gp1', 'gp', null, 'G1', false],
      ['gp2', 'gp', null, 'G2', false],
      ['gp1Disabled', 'gp', null, 'G1', true],
    ];
    // One real Argon2id hash (the database keeps only its parameters and verifier, 0052).
    const passwordHash = await hashPassword(randomBytes(16).toString('hex'));
    for (const [key, role, istat, gp, disabled] of userRows) {
      const { rows } = await client.query<{ id: string }>(
        `insert into qdp.users (username, display_name, role, istat_code, gp_code, password_hash, disabled)
         values ($1, $2, $3, $4, $5, $6, $7) returning id`,
        [`test.${key}`, `Test ${key}`, role, istat, gp, passwordHash, disabled],
      );
      users[key] = Number(rows[0]!.id);
    }
    await client.query('commit');
    return { munA, munB, outside, olderImport, latestImport, heldImport, users };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
