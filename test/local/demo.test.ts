// Local mode's demo users: one per portal role of contracts/roles.ts, scoped to the latest import
// (no GP user while no row names a GP), stored as the portal reads them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { USER_ROLES } from '../../contracts/roles.ts';
import { importDailyFile } from '../../core/importer.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { DEMO_USERS, seedDemoUsers } from '../../local/demo.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'qdp-demo-'));
});

afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('seeds one user per portal role, the GP only once an import names one', async () => {
  const before = await seedDemoUsers(db.pool);
  expect(before.map((u) => u.role)).toEqual(USER_ROLES.filter((role) => role !== 'gp'));
  const file = path.join(dir, 'day.csv');
  await writeSyntheticDailyFile({ rows: 50, seed: 'demo-users', format: 'csv', outFile: file });
  expect((await importDailyFile(db.pool, file)).summary.status).toBe('published');
  const users = await seedDemoUsers(db.pool);
  expect(users.map((u) => [u.role, u.username])).toEqual(
    USER_ROLES.map((role) => [role, DEMO_USERS[role].username]),
  );
  const { rows } = await db.pool.query<{ username: string; role: string; scoped: boolean }>(
    `select username, role, (istat_code is not null or gp_code is not null) as scoped
     from qdp.users order by id`,
  );
  expect(rows).toEqual([
    { username: 'admin', role: 'admin', scoped: false },
    { username: 'staff', role: 'staff', scoped: false },
    { username: 'prefettura', role: 'prefecture', scoped: false },
    { username: 'comune', role: 'municipality', scoped: true },
    { username: 'medico', role: 'gp', scoped: true },
  ]);
});
