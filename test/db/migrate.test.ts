import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FIRST_MIGRATION_WITHOUT_FUNCTIONS,
  FUNCTIONS_DIR,
  MIGRATION_LOCK_KEY,
  MIGRATIONS_DIR,
  migrate,
  readMigrations,
  readRepeatables,
} from '../../db/migrate.ts';
import { adminUrl } from '../support/database.ts';
import { TEMPLATE_DATABASE, withDatabase } from '../support/global-setup.ts';

describe('migration runner', () => {
  const name = `qdp_migrate_${process.pid}`;
  let client: pg.Client;
  let dir: string;
  let functionsDir: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    client = new pg.Client({ connectionString: withDatabase(adminUrl(), name) });
    await client.connect();
    const root = mkdtempSync(path.join(tmpdir(), 'qdp-migrations-'));
    dir = path.join(root, 'migrations');
    functionsDir = path.join(root, 'functions');
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    cpSync(FUNCTIONS_DIR, functionsDir, { recursive: true });
  });

  afterAll(async () => {
    await client.end();
    rmSync(path.dirname(dir), { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it('applies every migration once, in order, then every repeatable file, and records checksums', async () => {
    const files = readMigrations(dir).map((m) => m.file);
    const repeatables = readRepeatables(functionsDir).map((f) => f.path);
    const first = await migrate(client, dir, functionsDir);
    expect(first).toEqual({ applied: files, alreadyApplied: 0, functions: repeatables });
    const second = await migrate(client, dir, functionsDir);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length, functions: [] });
    const { rows } = await client.query(
      'select version, checksum from qdp_meta.schema_migrations order by version',
    );
    expect(rows.map((r) => r.checksum)).toEqual(readMigrations(dir).map((m) => m.checksum));
    const recorded = await client.query('select path, checksum from qdp_meta.schema_functions');
    expect(new Map(recorded.rows.map((r) => [r.path, r.checksum]))).toEqual(
      new Map(readRepeatables(functionsDir).map((f) => [f.path, f.checksum])),
    );
  });

  it('re-applies a repeatable file when it changed, and only that one', async () => {
    const file = path.join(functionsDir, 'lifecycle', 'setting.sql');
    const original = readFileSync(file, 'utf8');
    const changed = original.replace(
      'raise exception \'unknown setting "%"\'',
      'raise exception \'no such setting "%"\'',
    );
    expect(changed).not.toBe(original);
    writeFileSync(file, changed);
    try {
      expect(await migrate(client, dir, functionsDir)).toEqual({
        applied: [],
        alreadyApplied: readMigrations(dir).length,
        functions: ['lifecycle/setting.sql'],
      });
      await expect(client.query("select qdp.setting('nope')")).rejects.toThrow(
        'no such setting "nope"',
      );
    } finally {
      writeFileSync(file, original);
    }
    expect((await migrate(client, dir, functionsDir)).functions).toEqual(['lifecycle/setting.sql']);
    await expect(client.query("select qdp.setting('nope')")).rejects.toThrow(
      'unknown setting "nope"',
    );
  });

  it('applies a new migration and a broken repeatable file in one transaction: neither stays', async () => {
    writeFileSync(path.join(dir, '0998_new_table.sql'), 'create table qdp.new_table (id int);');
    mkdirSync(path.join(functionsDir, 'zz_broken'));
    writeFileSync(
      path.join(functionsDir, 'zz_broken', 'broken.sql'),
      'create or replace function qdp.broken() returns int language sql as $$ select from no_such_table $$;',
    );
    try {
      await expect(migrate(client, dir, functionsDir)).rejects.toThrow(
        'migration functions/zz_broken/broken.sql failed: relation "no_such_table" does not exist',
      );
      const { rows } = await client.query("select to_regclass('qdp.new_table') as t");
      expect(rows[0].t).toBeNull();
      const applied = await client.query(
        'select count(*)::int as n from qdp_meta.schema_migrations where version = 998',
      );
      expect(applied.rows[0].n).toBe(0);
    } finally {
      rmSync(path.join(dir, '0998_new_table.sql'));
      rmSync(path.join(functionsDir, 'zz_broken'), { recursive: true });
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    const first = readMigrations(dir)[0]!;
    writeFileSync(path.join(dir, first.file), `${first.sql}\n-- edited\n`);
    await expect(migrate(client, dir, functionsDir)).rejects.toThrow(
      `migration ${first.file} was edited after it was applied`,
    );
    writeFileSync(path.join(dir, first.file), first.sql);
  });

  it('rolls back a failing migration and names it', async () => {
    writeFileSync(
      path.join(dir, '0999_broken.sql'),
      'create table qdp.half_done (id int);\nselect * from no_such_table;',
    );
    await expect(migrate(client, dir, functionsDir)).rejects.toThrow(
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

/** Function names a piece of SQL defines (`create [or replace] function|procedure name(`). */
function definedFunctions(sql: string): string[] {
  const pattern = /\bcreate\s+(?:or\s+replace\s+)?(?:function|procedure)\s+([\w.]+)\s*\(/gi;
  return [...sql.matchAll(pattern)].map((m) => m[1]!.toLowerCase());
}

describe('where SQL functions live', () => {
  it(`defines no function or view in numbered migrations from ${FIRST_MIGRATION_WITHOUT_FUNCTIONS}`, () => {
    const later = readMigrations().filter((m) => m.version >= FIRST_MIGRATION_WITHOUT_FUNCTIONS);
    const offending = later.flatMap((m) => [
      ...definedFunctions(m.sql).map((f) => `${m.file}: function ${f}`),
      ...[
        ...m.sql.matchAll(/\bcreate\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\s+([\w.]+)/gi),
      ].map((v) => `${m.file}: view ${v[1]}`),
    ]);
    expect(offending).toEqual([]);
  });

  it('the check above catches a function body in a later migration', () => {
    expect(
      definedFunctions(
        'alter table qdp.x add column y int;\nCREATE OR REPLACE FUNCTION qdp.f(a int) returns int language sql as $$ select a $$;',
      ),
    ).toEqual(['qdp.f']);
  });

  it('holds each function of the migrated schema in exactly one file, as one create or replace with its grants', async () => {
    const byFile = readRepeatables().map((f) => ({
      path: f.path,
      defines: definedFunctions(f.sql),
    }));
    for (const file of byFile) expect(file.defines, file.path).toHaveLength(1);
    for (const file of readRepeatables()) {
      expect(file.sql, file.path).toMatch(/^create or replace function /m);
      expect(file.sql, file.path).toMatch(/^revoke all on function /m);
      expect(file.sql, file.path).toMatch(
        /^(grant execute on function |-- No grant: only the owner)/m,
      );
    }
    // The template database of this run, migrated by the runner.
    const template = new pg.Client({
      connectionString: withDatabase(adminUrl(), TEMPLATE_DATABASE),
    });
    await template.connect();
    try {
      const { rows } = await template.query<{ name: string }>(
        `select n.nspname || '.' || p.proname as name from pg_proc p
         join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('qdp', 'qdp_analytics', 'qdp_meta') order by 1`,
      );
      expect(byFile.map((f) => f.defines[0]).sort()).toEqual(rows.map((r) => r.name));
    } finally {
      await template.end();
    }
  });
});

describe('concurrent migration runs', () => {
  const name = `qdp_migrate_race_${process.pid}`;
  const admin = () => new pg.Client({ connectionString: adminUrl() });
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    const a = admin();
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.query(`create database ${name}`);
    await a.end();
    for (let i = 0; i < 3; i++) {
      const client = new pg.Client({ connectionString: withDatabase(adminUrl(), name) });
      await client.connect();
      clients.push(client);
    }
  });

  afterAll(async () => {
    for (const client of clients) await client.end();
    const a = admin();
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  });

  it('contend while every migration is pending: one applies them all, the other waits and applies none', async () => {
    const [holder, first, second] = clients as [pg.Client, pg.Client, pg.Client];
    // Both runs start while a third session holds the lock, so both meet it before anything is
    // applied, whichever gets it next.
    await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const runs = Promise.all([migrate(first), migrate(second)]);
    await vi.waitFor(
      async () => {
        const { rows } = await holder.query<{ waiting: number }>(
          `select count(*)::int as waiting from pg_locks
           where locktype = 'advisory' and objid = $1 and objsubid = 1 and not granted
             and database = (select oid from pg_database where datname = current_database())`,
          [MIGRATION_LOCK_KEY],
        );
        expect(rows[0]?.waiting).toBe(2);
      },
      { timeout: 30_000, interval: 50 },
    );
    const before = await holder.query<{ table: string | null }>(
      "select to_regclass('qdp_meta.schema_migrations')::text as table",
    );
    expect(before.rows).toEqual([{ table: null }]);
    await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);

    const files = readMigrations().map((m) => m.file);
    const results = (await runs).toSorted((a, b) => b.applied.length - a.applied.length);
    expect(results).toEqual([
      { applied: files, alreadyApplied: 0, functions: readRepeatables().map((f) => f.path) },
      { applied: [], alreadyApplied: files.length, functions: [] },
    ]);
    const { rows } = await holder.query<{ version: number }>(
      'select version from qdp_meta.schema_migrations order by version',
    );
    expect(rows.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });
});
