// The migration runner. Numbered migrations (db/migrations/NNNN_name.sql: tables, columns, indexes,
// roles, policies, data changes, a function's change of signature) apply in order, once each, with
// a SHA-256 of every applied file recorded; an applied migration that was edited or removed stops
// the run (forward-only: a change is a new file). Then the repeatable files
// (db/functions/<area>/<name>.sql: one function's `create or replace` with its revoke and grant)
// are applied again whenever their checksum changed, as Flyway's repeatable migrations are. All of
// it in one transaction: a failure anywhere leaves the database as it was.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const MIGRATIONS_DIR = path.join(HERE, 'migrations');
/** The repeatable SQL files, next to the migrations (also in the migrate and CLI bundles). */
export const FUNCTIONS_DIR = path.join(HERE, 'functions');

/**
 * The first numbered migration that may no longer define a function: from here on a function's
 * body lives only in db/functions (test/db/migrate.test.ts enforces it).
 */
export const FIRST_MIGRATION_WITHOUT_FUNCTIONS = 27;

/**
 * The advisory lock a migration run holds (per database): it serialises concurrent runners (two
 * deploys, two `qdp db migrate`), so only one applies and the others wait, then find nothing to do.
 */
export const MIGRATION_LOCK_KEY = 727_001;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) {
        throw new MigrationError(
          `migration file name "${file}" must look like NNNN_lower_snake_name.sql`,
        );
      }
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2] as string,
        file,
        sql,
        checksum: checksumOf(sql),
      };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new MigrationError(`two migrations share version ${migrations[i]?.version}`);
    }
  }
  return migrations;
}

export interface RepeatableFile {
  /** `<area>/<name>.sql`, relative to the functions directory: the file's identity. */
  path: string;
  sql: string;
  checksum: string;
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** The repeatable files, in the order they apply: by area, then by name. */
export function readRepeatables(dir = FUNCTIONS_DIR): RepeatableFile[] {
  const files: RepeatableFile[] = [];
  for (const area of readdirSync(dir, { withFileTypes: true })) {
    if (!area.isDirectory()) {
      throw new MigrationError(
        `${area.name} in ${dir}: repeatable SQL lives in <area>/<name>.sql folders`,
      );
    }
    for (const file of readdirSync(path.join(dir, area.name))) {
      const relative = `${area.name}/${file}`;
      if (!/^[a-z0-9_]+\/[a-z0-9_]+\.sql$/.test(relative)) {
        throw new MigrationError(
          `repeatable file "${relative}" must look like <area>/<lower_snake_name>.sql`,
        );
      }
      const sql = readFileSync(path.join(dir, area.name, file), 'utf8');
      files.push({ path: relative, sql, checksum: checksumOf(sql) });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface MigrationResult {
  /** Numbered migrations applied by this run, in order. */
  applied: string[];
  alreadyApplied: number;
  /** Repeatable files (re)applied by this run because they were new or changed. */
  functions: string[];
}

/**
 * Applies every pending migration, then every new or changed repeatable file, in one transaction
 * under an advisory lock (two deploys, two `qdp db migrate`: the second waits, then finds nothing
 * to do).
 */
export async function migrate(
  client: pg.ClientBase,
  dir = MIGRATIONS_DIR,
  /** Another migrations folder alone (a test's older database) applies no repeatable files. */
  functionsDir: string | null = dir === MIGRATIONS_DIR ? FUNCTIONS_DIR : null,
): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  const repeatables = functionsDir === null ? [] : readRepeatables(functionsDir);
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`
      create schema if not exists qdp_meta;
      create table if not exists qdp_meta.schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );
      create table if not exists qdp_meta.schema_functions (
        path text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'select version, name, checksum from qdp_meta.schema_migrations order by version',
    );
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    for (const applied of rows) {
      const file = byVersion.get(applied.version);
      const label = `${String(applied.version).padStart(4, '0')}_${applied.name}.sql`;
      if (!file) {
        throw new MigrationError(
          `migration ${label} was applied to this database but its file is missing from ${dir}`,
        );
      }
      if (file.checksum !== applied.checksum) {
        throw new MigrationError(
          `migration ${file.file} was edited after it was applied (checksum ${applied.checksum.slice(0, 12)}… in the database, ${file.checksum.slice(0, 12)}… on disk); migrations are forward-only: restore the file and add a new migration`,
        );
      }
    }
    const appliedVersions = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    const functions: string[] = [];
    await client.query('begin');
    try {
      for (const migration of migrations) {
        if (appliedVersions.has(migration.version)) continue;
        await applyOne(client, migration.file, migration.sql);
        await client.query(
          'insert into qdp_meta.schema_migrations (version, name, checksum) values ($1, $2, $3)',
          [migration.version, migration.name, migration.checksum],
        );
        applied.push(migration.file);
      }
      const recorded = await client.query<{ path: string; checksum: string }>(
        'select path, checksum from qdp_meta.schema_functions',
      );
      const recordedChecksum = new Map(recorded.rows.map((r) => [r.path, r.checksum]));
      for (const file of repeatables) {
        if (recordedChecksum.get(file.path) === file.checksum) continue;
        await applyOne(client, `functions/${file.path}`, file.sql);
        await client.query(
          `insert into qdp_meta.schema_functions (path, checksum) values ($1, $2)
           on conflict (path) do update set checksum = excluded.checksum, applied_at = now()`,
          [file.path, file.checksum],
        );
        functions.push(file.path);
      }
      if (functionsDir !== null) {
        // A removed file's function stays until a numbered migration drops it: forget the file.
        await client.query('delete from qdp_meta.schema_functions where not (path = any($1))', [
          repeatables.map((f) => f.path),
        ]);
        // What each role may read, recorded for the access report (0069): also after changes
        // no event trigger sees (role memberships) or where none could be created.
        const keeper = await client.query<{ exists: boolean }>(
          "select to_regprocedure('qdp.access_report_keep_role_fields()') is not null as exists",
        );
        if (keeper.rows[0]?.exists)
          await client.query('select qdp.access_report_keep_role_fields()');
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
    return { applied, alreadyApplied: rows.length, functions };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

/** Runs one file's SQL inside the run's transaction; a failure names the file. */
async function applyOne(client: pg.ClientBase, file: string, sql: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${file} failed: ${message}`);
  }
}
