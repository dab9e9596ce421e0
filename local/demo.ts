// Demo data for local mode: two weeks of synthetic daily files imported through the real importer
// (so history and trends exist) and one demo user per kind of user.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { importDailyFile } from '../core/importer.ts';
import { hashPassword } from '../core/passwords.ts';
import { writeSyntheticDailyFile } from '../core/synth/index.ts';
import { USER_ROLES, type UserRole } from '../contracts/roles.ts';

/** Local demo only: printed at start, never used outside local mode. */
export const DEMO_PASSWORD = 'qdp-demo';
export const DEMO_SEED = 'demo';

export interface DemoUser {
  username: string;
  role: UserRole;
  scope: string;
}

export async function seedDemoHistory(
  pool: pg.Pool,
  options: { dataDir: string; days: number; rows: number; provinces: string[] },
  log: (line: string) => void,
): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(*) as n from qdp.imports');
  if (Number(rows[0]?.n) > 0) return 0;
  const dir = path.join(options.dataDir, 'demo');
  await mkdir(dir, { recursive: true });
  for (let day = 1; day <= options.days; day++) {
    const file = path.join(dir, `quarantene-demo-day${String(day).padStart(2, '0')}.csv`);
    await writeSyntheticDailyFile({
      rows: options.rows,
      seed: DEMO_SEED,
      day,
      format: 'csv',
      outFile: file,
      provinces: options.provinces,
    });
    const { summary } = await importDailyFile(pool, file);
    log(
      `  demo day ${day}/${options.days}: import ${summary.importId} ${summary.status} (${summary.rowsAccepted ?? 0} accepted, ${summary.rowsRejected ?? 0} rejected)`,
    );
  }
  return options.days;
}

/** The demo user of each portal role (contracts/roles.ts): a new role needs its demo user. */
export const DEMO_USERS: Record<UserRole, { username: string; display: string }> = {
  admin: { username: 'admin', display: 'Amministratore (demo)' },
  staff: { username: 'staff', display: 'Operatore ULSS (demo)' },
  prefecture: { username: 'prefettura', display: 'Prefettura (demo)' },
  municipality: { username: 'comune', display: 'Comune (demo)' },
  gp: { username: 'medico', display: 'Medico (demo)' },
};

/**
 * One user per role, scoped to the busiest municipality and GP of the latest import (no GP user
 * when no row names a GP).
 */
export async function seedDemoUsers(pool: pg.Pool): Promise<DemoUser[]> {
  const scope = await pool.query<{ istat: string | null; gp: string | null }>(
    `select (select residence_istat from qdp.quarantines
              where import_id = qdp.latest_import_id()
              group by residence_istat order by count(*) desc, residence_istat limit 1) as istat,
            (select gp_code from qdp.quarantines
              where import_id = qdp.latest_import_id() and gp_code is not null
              group by gp_code order by count(*) desc, gp_code limit 1) as gp`,
  );
  const istat = scope.rows[0]?.istat ?? '023091';
  const gp = scope.rows[0]?.gp ?? null;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const users = USER_ROLES.filter((role) => role !== 'gp' || gp !== null).map((role) => ({
    ...DEMO_USERS[role],
    role,
    istat: role === 'municipality' ? istat : null,
    gp: role === 'gp' ? gp : null,
  }));
  for (const u of users) {
    await pool.query(
      `insert into qdp.users (username, display_name, role, istat_code, gp_code, password_hash)
       values ($1, $2, $3, $4, $5, $6) on conflict (username) do nothing`,
      [u.username, u.display, u.role, u.istat, u.gp, passwordHash],
    );
  }
  return users.map((u) => ({
    username: u.username,
    role: u.role,
    scope: u.istat ? `municipality ${u.istat}` : u.gp ? `GP ${u.gp}` : 'all',
  }));
}
