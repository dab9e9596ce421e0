// Per-test-file databases cloned from the migrated template (see global-setup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { TEMPLATE_DATABASE, withDatabase } from './global-setup.ts';

export interface TestDatabase {
  /** Superuser connection string of this database. */
  url: string;
  /** A pool connected as the superuser (owner of every table). */
  pool: pg.Pool;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject('adminUrl');
}

/**
 * Creates an empty, migrated database (Verona territory) for one test file; with `unmigrated`, a
 * database with nothing in it (a test that migrates it itself, as an upgrade does).
 */
export async function createTestDatabase(
  options: { unmigrated?: boolean } = {},
): Promise<TestDatabase> {
  const name = `qdp_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(
      options.unmigrated
        ? `create database ${name}`
        : `create database ${name} template ${TEMPLATE_DATABASE}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // `drop database … with (force)` ends any connection still open: not an error of the test.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Drops login roles a test made (roles belong to the cluster, not to the test's database). */
export async function dropTestRoles(roles: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    for (const role of roles) await admin.query(`drop role if exists ${role}`);
  } finally {
    await admin.end();
  }
}
