// The functions' SQL port in AWS: the RDS Data API (no connection pool, no VPC socket from a
// short-lived Lambda), one autocommitted statement per call. The port itself (`Sql`, `:name`
// parameters) and its pg implementation are db/sql.ts. The queries cast what they return to text
// or integer so that both give the same JavaScript values.
import {
  ExecuteStatementCommand,
  type Field,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import type { Sql, SqlParams, SqlValue } from '../db/sql.ts';

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
