// The SQL port of the import protocol (core/import-protocol.ts) and the functions: one small
// interface with named parameters (`:name`, the RDS Data API's syntax), so the same calls run
// through pg (local mode, the CLI, the tests) and through the Data API (functions/sql.ts).
import type pg from 'pg';

export type SqlValue = string | number | boolean | null;
export type SqlParams = Record<string, SqlValue>;

export interface Sql {
  query<T extends object>(sql: string, params?: SqlParams): Promise<T[]>;
}

/** `:name` placeholders, not `::type` casts. */
const PLACEHOLDER = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)/g;

/** Rewrites `:name` placeholders to pg's `$n`, with the values in order. */
export function toPositional(
  sql: string,
  params: SqlParams = {},
): { text: string; values: SqlValue[] } {
  const order: string[] = [];
  const text = sql.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in params)) throw new Error(`SQL parameter :${name} has no value`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((name) => params[name] as SqlValue) };
}

export function pgSql(db: pg.Pool | pg.ClientBase): Sql {
  return {
    async query<T extends object>(sql: string, params?: SqlParams) {
      const { text, values } = toPositional(sql, params);
      const result = await db.query(text, values);
      return result.rows as T[];
    },
  };
}

/** A transaction on one pooled connection: the port for its statements, the client for COPY. */
export type PgTransaction = Sql & { client: pg.PoolClient };

/** Runs `work` in one transaction on one pooled connection: COMMIT when it ends, else ROLLBACK. */
export async function pgTransaction<T>(
  pool: pg.Pool,
  work: (tx: PgTransaction) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    try {
      const result = await work({ ...pgSql(client), client });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    client.release();
  }
}
