// A reconcile killed half-way leaves nothing behind, and the same file then imports cleanly.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { loadGenerated, sha } from './import-fixtures.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function registerAndLoad(fileSha: string, rows: number, endDay: number): Promise<string> {
  const { rows: registered } = await db.pool.query<{ import_id: string; status: string }>(
    'select import_id, status from qdp.register_import($1, $2, 0)',
    ['big.csv', fileSha],
  );
  expect(registered[0]!.status).toBe('loading');
  const id = registered[0]!.import_id;
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    await loadGenerated(client, id, rows, endDay);
    await client.query('commit');
  } finally {
    client.release();
  }
  return id;
}

async function state() {
  const { rows } = await db.pool.query(`
    select qdp.latest_import_id() as latest,
      (select count(*)::int from qdp.patients) as patients,
      (select count(*)::int from qdp.patients where last_import_id <> first_import_id) as changed,
      (select count(*)::int from qdp.quarantines) as quarantines,
      (select count(*)::int from qdp.publications) as publications,
      (select count(*)::int from qdp.rejects) as rejects`);
  return rows[0];
}

it('rolls back everything when the backend is killed during reconcile', async () => {
  const rows = 150_000;
  const first = await registerAndLoad(sha('day 1'), rows, 15);
  await db.pool.query('select qdp.reconcile_import($1)', [first]);
  const before = await state();
  expect(before).toEqual({
    latest: first,
    patients: rows,
    changed: 0,
    quarantines: rows,
    publications: 1,
    rejects: 0,
  });

  const second = await registerAndLoad(sha('day 2'), rows, 20);
  const victim = new pg.Client({ connectionString: db.url });
  await victim.connect();
  victim.on('error', () => undefined);
  const { rows: pidRows } = await victim.query<{ pid: number }>('select pg_backend_pid() as pid');
  const reconcile = victim.query('select qdp.reconcile_import($1)', [second]).then(
    () => 'finished',
    (error: Error) => error.message,
  );
  // Kill it well inside the function (its work is invisible to other sessions until commit, so
  // wait on the clock: reconciling 150k rows takes seconds).
  let killed = false;
  for (let i = 0; i < 400 && !killed; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const { rows: seen } = await db.pool.query(
      `select 1 from pg_stat_activity
       where pid = $1 and state = 'active' and now() - query_start > interval '700 milliseconds'`,
      [pidRows[0]!.pid],
    );
    if (seen.length > 0) {
      await db.pool.query('select pg_terminate_backend($1)', [pidRows[0]!.pid]);
      killed = true;
    }
  }
  expect(killed).toBe(true);
  expect(await reconcile).toBe('terminating connection due to administrator command');
  await victim.end().catch(() => undefined);

  expect(await state()).toEqual(before);
  const { rows: leftovers } = await db.pool.query(
    `select to_regclass('qdp.quarantines_' || $1::text) as q, status from qdp.imports where id = $1::bigint`,
    [second],
  );
  expect(leftovers).toEqual([{ q: null, status: 'loaded' }]);

  // The same file again: not a duplicate (the killed import never completed), and it publishes.
  const retry = await registerAndLoad(sha('day 2'), rows, 20);
  const { rows: result } = await db.pool.query('select qdp.reconcile_import($1) as status', [
    retry,
  ]);
  expect(result[0].status).toBe('published');
  const { rows: changes } = await db.pool.query(
    'select change, count(*)::int as n from qdp.quarantines where import_id = $1 group by 1',
    [retry],
  );
  expect(changes).toEqual([{ change: 'extended', n: rows }]);
  expect((await state())!.latest).toBe(retry);
});
