// qdp.portal_patient_timeline (0014) answers exactly when the row policy shows the person in the
// latest import, for every user of every role, after the view of that person in the same
// transaction (0072), and then lists every published import that names the person; the held
// import never appears.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { readQuarantinesStatement } from '../../portal/queries/read-quarantines.ts';
import {
  createPortalLogin,
  person,
  seedTerritory,
  type PortalLogin,
  type Territory,
  type UserKey,
} from '../db/access-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
  await db.pool.query("update qdp.imports set status = 'published' where id in ($1, $2)", [
    t.olderImport,
    t.latestImport,
  ]);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

const USERS: UserKey[] = ['admin', 'staff', 'prefecture', 'munA', 'munB', 'gp1', 'gp2'];
const PEOPLE = [1, 2, 3, 4, 5, 6, 7, 8];

describe('qdp.portal_patient_timeline', () => {
  it.each(USERS)(
    'for %s: a timeline exactly for the people the policy shows in the latest import',
    async (user) => {
      let checkedVisible = 0;
      for (const n of PEOPLE) {
        const { visible, timeline } = await withUserSession(
          login.pool,
          t.users[user],
          async (c, opened) => {
            // The view first, as the patient page reads it (0072: the timeline answers after it).
            const seen = await c.query(
              readQuarantinesStatement(opened.role, {
                action: 'patient.view',
                import_id: t.latestImport,
                columns: ['fiscal_code'],
                fiscal_code: person(n),
                client_address: '10.0.0.5',
              }),
            );
            const rows = await c.query(
              'select import_id::int from qdp.portal_patient_timeline($1)',
              [person(n)],
            );
            return {
              visible: seen.rowCount === 1,
              timeline: rows.rows.map((r) => r.import_id as number),
            };
          },
        );
        if (!visible) {
          expect(timeline, `${user} person ${n}`).toEqual([]);
          continue;
        }
        checkedVisible += 1;
        const expected = await db.pool.query(
          "select q.import_id::int from qdp.quarantines q join qdp.imports i on i.id = q.import_id and i.status = 'published' where q.fiscal_code = $1 order by 1",
          [person(n)],
        );
        expect(timeline, `${user} person ${n}`).toEqual(expected.rows.map((r) => r.import_id));
        expect(timeline).not.toContain(t.heldImport);
      }
      expect(checkedVisible).toBeGreaterThan(0);
    },
  );

  it('a disabled user and a session without a user get nothing', async () => {
    await expect(
      withUserSession(login.pool, t.users.gp1Disabled, async () => undefined),
    ).rejects.toThrow(/disabled/);
    const client = await login.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local role qdp_staff');
      const { rows } = await client.query('select * from qdp.portal_patient_timeline($1)', [
        person(1),
      ]);
      expect(rows).toEqual([]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  it("the portal's login role itself cannot call it", async () => {
    await expect(
      login.pool.query('select * from qdp.portal_patient_timeline($1)', [person(1)]),
    ).rejects.toThrow(/permission denied/);
  });
});

describe("the timeline reads from the person's first import on", () => {
  /** The quarantine partitions the transaction holds a lock on after `fn`. */
  const lockedPartitions = (c: { query: (sql: string) => Promise<{ rows: unknown[] }> }) =>
    c
      .query(
        `select c.relname as name from pg_locks l join pg_class c on c.oid = l.relation
         where l.pid = pg_backend_pid() and c.relkind = 'r' and c.relname ~ '^quarantines_[0-9]+$'
         order by 1`,
      )
      .then((r) => (r.rows as { name: string }[]).map((x) => x.name));

  it('locks only the partitions from that import on, whatever plan the session prefers', async () => {
    const locked = async (n: number) =>
      withUserSession(login.pool, t.users.staff, async (c, opened) => {
        await c.query('set local plan_cache_mode = force_generic_plan');
        // Several calls: PL/pgSQL would switch to a cached generic plan after five.
        for (let i = 0; i < 7; i++) {
          await c.query(
            readQuarantinesStatement(opened.role, {
              action: 'patient.view',
              import_id: t.latestImport,
              columns: ['fiscal_code'],
              fiscal_code: person(n),
              client_address: '10.0.0.6',
            }),
          );
          await c.query(`select * from qdp.portal_patient_timeline('${person(n)}')`);
        }
        return lockedPartitions(c);
      });
    // Person 5 is first named by the latest import; person 1 by the older one.
    expect(await locked(5)).toEqual(
      [`quarantines_${t.latestImport}`, `quarantines_${t.heldImport}`].sort(),
    );
    expect(await locked(1)).toEqual(
      [
        `quarantines_${t.olderImport}`,
        `quarantines_${t.latestImport}`,
        `quarantines_${t.heldImport}`,
      ].sort(),
    );
  });

  it("a held import published after a newer one moves the person's first import back to it", async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      const ids: number[] = [];
      for (const n of [1, 2]) {
        const { rows } = await client.query<{ id: string }>(
          `insert into qdp.imports (source_name, sha256, size_bytes, status, rows_total, rows_accepted, rows_rejected)
           values ($1, repeat($2, 64), 100, 'held', 1, 1, 0) returning id`,
          [`timeline_${n}.csv`, String.fromCharCode(96 + n)],
        );
        const id = Number(rows[0]!.id);
        ids.push(id);
        await client.query(
          `create table qdp.quarantines_${id} partition of qdp.quarantines for values in (${id})`,
        );
        await client.query(
          `insert into qdp.quarantines (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
             residence_istat, reason, start_date, end_date, change)
           values ($1, 2, $2, 'SINTETICO', 'PERSONA', 'F', '1980-01-01', '023091', 'CONTATTO',
             '2020-11-01', '2020-11-10', 'new')`,
          [id, person(40)],
        );
      }
      const [older, newer] = ids as [number, number];
      const first = async () =>
        (
          await client.query<{ first: string; last: string }>(
            'select first_import_id as first, last_import_id as last from qdp.patients where fiscal_code = $1',
            [person(40)],
          )
        ).rows;
      await client.query('select qdp.publish_import($1)', [newer]);
      expect(await first()).toEqual([{ first: String(newer), last: String(newer) }]);
      await client.query('select qdp.publish_import($1)', [older]);
      // The data did not change: the import that last changed it stays the newer one.
      expect(await first()).toEqual([{ first: String(older), last: String(newer) }]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
