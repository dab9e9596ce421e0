// The access policy of DESIGN §6, probed as the portal sees it: a NOINHERIT login role (a member
// of qdp_portal, never a superuser: superusers bypass row-level security) switching to one portal
// role per transaction. For every role, what a user's session can read is enumerated and compared
// with the table of DESIGN §6.
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
  login = await createPortalLogin(db);
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
          transit: 1,
          rejects: 1,
          gps: 3,
          patients: 7,
          quarantines,
          roles: 5,
          users: 8,
          audit_log: 2,
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
    it(`a ${user} session reads exactly what the policy grants`, async () => {
      const seen = await withUserSession(login.pool, t.users[user], probe);
      expect(seen).toEqual(expected());
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
