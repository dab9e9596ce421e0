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
