// The migration runner: applies db/migrations/NNNN_name.sql in order, once each, and records a
// SHA-256 of every applied file. An applied migration that was edited or removed stops the run:
// migrations are forward-only, a change is a new file.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Serialises concurrent runners (two deploys, two `qdp db migrate`): only one applies. */
const MIGRATION_LOCK_KEY = 727_001;

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
        checksum: createHash('sha256').update(sql).digest('hex'),
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

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies every pending migration, each in its own transaction, under an advisory lock. */
export async function migrate(
  client: pg.ClientBase,
  dir = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(`
      create schema if not exists qdp_meta;
      create table if not exists qdp_meta.schema_migrations (
        version integer primary key,
        name text not null,
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
    for (const migration of migrations) {
      if (appliedVersions.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(
          'insert into qdp_meta.schema_migrations (version, name, checksum) values ($1, $2, $3)',
          [migration.version, migration.name, migration.checksum],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        const message = error instanceof Error ? error.message : String(error);
        throw new MigrationError(`migration ${migration.file} failed: ${message}`);
      }
      applied.push(migration.file);
    }
    return { applied, alreadyApplied: rows.length };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}
