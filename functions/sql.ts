// The SQL the functions run, behind one small interface with named parameters (`:name`, the RDS
// Data API's syntax): in AWS through the Data API (no connection pool, no VPC socket from a
// short-lived Lambda), in the unit tests through pg against the real test PostgreSQL. The
// queries cast what they return to text or integer so that both give the same JavaScript values.
import {
  ExecuteStatementCommand,
  type Field,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
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

export interface DataApiTarget {
  resourceArn: string;
  secretArn: string;
  database: string;
}

function parameter(name: string, value: SqlValue): SqlParameter {
  if (value === null) return { name, value: { isNull: true } };
  if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, value: { longValue: value } }
      : { name, value: { doubleValue: value } };
  }
  return { name, value: { stringValue: value } };
}

function fieldValue(field: Field): SqlValue {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  throw new Error('Data API returned a field of an unsupported type (cast it to text in the SQL)');
}

/** Each call is one ExecuteStatement: its own transaction (the SQL functions lock what they need). */
export function dataApiSql(client: RDSDataClient, target: DataApiTarget): Sql {
  return {
    async query<T extends object>(sql: string, params: SqlParams = {}) {
      const result = await client.send(
        new ExecuteStatementCommand({
          resourceArn: target.resourceArn,
          secretArn: target.secretArn,
          database: target.database,
          sql,
          parameters: Object.entries(params).map(([name, value]) => parameter(name, value)),
          includeResultMetadata: true,
        }),
      );
      const names = (result.columnMetadata ?? []).map((c, i) => c.label ?? c.name ?? `column${i}`);
      return (result.records ?? []).map(
        (record) =>
          Object.fromEntries(record.map((field, i) => [names[i], fieldValue(field)])) as T,
      );
    },
  };
}
