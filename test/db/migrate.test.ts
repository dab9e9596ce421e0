import { cpSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../db/migrate.ts';
import { adminUrl } from '../support/database.ts';
import { withDatabase } from '../support/global-setup.ts';

describe('migration runner', () => {
  const name = `qdp_migrate_${process.pid}`;
  let client: pg.Client;
  let dir: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    client = new pg.Client({ connectionString: withDatabase(adminUrl(), name) });
    await client.connect();
    dir = mkdtempSync(path.join(tmpdir(), 'qdp-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  });

  afterAll(async () => {
    await client.end();
    rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('applies every migration once, in order, and records its checksum', async () => {
    const files = readMigrations(dir).map((m) => m.file);
    const first = await migrate(client, dir);
    expect(first).toEqual({ applied: files, alreadyApplied: 0 });
    const second = await migrate(client, dir);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length });
    const { rows } = await client.query(
      'select version, checksum from qdp_meta.schema_migrations order by version',
    );
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations(dir).map((m) => m.checksum));
  });

  it('refuses to run when an applied migration was edited', async () => {
    const first = readMigrations(dir)[0]!;
    writeFileSync(path.join(dir, first.file), `${first.sql}\n-- edited\n`);
    await expect(migrate(client, dir)).rejects.toThrow(
      `migration ${first.file} was edited after it was applied`,
    );
    writeFileSync(path.join(dir, first.file), first.sql);
  });

  it('rolls back a failing migration and names it', async () => {
    writeFileSync(
      path.join(dir, '0999_broken.sql'),
      'create table qdp.half_done (id int);\nselect * from no_such_table;',
    );
    await expect(migrate(client, dir)).rejects.toThrow(
      'migration 0999_broken.sql failed: relation "no_such_table" does not exist',
    );
    const { rows } = await client.query("select to_regclass('qdp.half_done') as t");
    expect(rows[0].t).toBeNull();
    rmSync(path.join(dir, '0999_broken.sql'));
  });

  it('rejects badly named migration files', () => {
    writeFileSync(path.join(dir, '12-oops.sql'), 'select 1');
    expect(() => readMigrations(dir)).toThrow(
      'migration file name "12-oops.sql" must look like NNNN_lower_snake_name.sql',
    );
    rmSync(path.join(dir, '12-oops.sql'));
  });
});
