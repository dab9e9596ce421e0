// Which database a command talks to: DATABASE_URL when given, otherwise the embedded PostgreSQL
// of local mode, started on demand with its data under <QDP_DATA_DIR>/postgres.
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../core/config.ts';
import { migrate } from '../db/migrate.ts';
import { syncMunicipalities } from '../core/municipalities.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export const LOCAL_DATABASE_NAME = 'qdp';

export interface Database {
  pool: pg.Pool;
  /** Where the data is, for messages (never includes a password). */
  description: string;
  embedded: boolean;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {}

/** Describes a connection string without its password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured database';
  }
}

async function checkReachable(pool: pg.Pool, description: string): Promise<void> {
  try {
    await pool.query('select 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(
      `cannot connect to the database at ${description}: ${reason || 'connection refused'}`,
    );
  }
}

export async function openDatabase(
  config: Config,
  options: { log?: (line: string) => void } = {},
): Promise<Database> {
  if (config.databaseUrl) {
    const description = describeUrl(config.databaseUrl);
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', () => undefined);
    try {
      await checkReachable(pool, description);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return { pool, description, embedded: false, close: () => pool.end() };
  }
  const dataDir = path.join(config.dataDir, 'postgres');
  const server = await startEmbeddedPostgres({
    dataDir,
    persistent: true,
    ...(options.log ? { onLog: options.log } : {}),
  });
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [
      LOCAL_DATABASE_NAME,
    ]);
    if (exists.rowCount === 0) await admin.query(`create database ${LOCAL_DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server.adminUrl);
  url.pathname = `/${LOCAL_DATABASE_NAME}`;
  const pool = new pg.Pool({ connectionString: url.toString() });
  pool.on('error', () => undefined);
  // Local mode keeps its schema current by itself; a given server is migrated explicitly.
  const client = await pool.connect();
  try {
    await migrate(client);
    await syncMunicipalities(client, config.territoryProvinces);
  } finally {
    client.release();
  }
  return {
    pool,
    description: `embedded PostgreSQL in ${dataDir} (port ${url.port})`,
    embedded: true,
    close: async () => {
      await pool.end();
      await server.stop();
    },
  };
}
