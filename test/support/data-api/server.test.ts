// The Data API endpoint of the tests, driven by the real AWS SDK client, against the real test
// PostgreSQL; and functions/sql.ts's Data API port through it.
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataApiSql } from '../../../functions/sql.ts';
import { createTestDatabase, type TestDatabase } from '../database.ts';
import { bindNamed, startDataApi, type DataApiServer } from './server.ts';

const CLUSTER = 'arn:aws:rds:eu-south-1:123456789012:cluster:qdp';
const SECRET = 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:qdp';
const DOWN = 'arn:aws:rds:eu-south-1:123456789012:cluster:down';

let db: TestDatabase;
let api: DataApiServer;
let client: RDSDataClient;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startDataApi();
  api.addCluster(CLUSTER, db.url);
  api.addCluster(DOWN, 'postgres://nobody:x@127.0.0.1:1/none');
  client = new RDSDataClient({
    endpoint: api.url,
    region: 'eu-south-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await api.close();
  await db.drop();
});

const target = {
  resourceArn: CLUSTER,
  secretArn: SECRET,
  database: undefined as string | undefined,
};

describe('bindNamed', () => {
  it('numbers named parameters in order of first use, leaving casts and quoted text alone', () => {
    expect(
      bindNamed("select :a::bigint, ':b', :b, :a, x::text from t where y = 'it''s :a'", [
        { name: 'a', value: { longValue: 1 } },
        { name: 'b', value: { stringValue: 'x' } },
      ]),
    ).toEqual({
      text: "select $1::int8::bigint, ':b', $2::varchar, $1::int8, x::text from t where y = 'it''s :a'",
      values: [1, 'x'],
    });
  });
});

describe('ExecuteStatement', () => {
  it('types every field as the Data API does and names the columns', async () => {
    const result = await client.send(
      new ExecuteStatementCommand({
        ...target,
        sql: `select :id::bigint as id, :name as name, true as yes, null::text as nothing,
                1.5::float8 as ratio, 2.50::numeric as amount, '{"a":1}'::jsonb as doc`,
        parameters: [
          { name: 'id', value: { longValue: 9007199254740991 } },
          { name: 'name', value: { stringValue: 'Verona' } },
        ],
        includeResultMetadata: true,
      }),
    );
    expect(result.columnMetadata?.map((c) => c.name)).toEqual([
      'id',
      'name',
      'yes',
      'nothing',
      'ratio',
      'amount',
      'doc',
    ]);
    expect(result.records).toEqual([
      [
        { longValue: 9007199254740991 },
        { stringValue: 'Verona' },
        { booleanValue: true },
        { isNull: true },
        { doubleValue: 1.5 },
        { stringValue: '2.50' },
        { stringValue: '{"a": 1}' },
      ],
    ]);
  });

  it('reports an SQL error as BadRequestException with the server message', async () => {
    await expect(
      client.send(
        new ExecuteStatementCommand({ ...target, sql: 'select qdp.import_summary(424242)' }),
      ),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: 'ERROR: import 424242 does not exist',
    });
  });

  it('refuses a parameter without a value and an unknown cluster', async () => {
    await expect(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'select :missing' })),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: 'No value specified for parameter: missing',
    });
    await expect(
      client.send(
        new ExecuteStatementCommand({ ...target, resourceArn: `${CLUSTER}-x`, sql: 'select 1' }),
      ),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
      message: `Database cluster ${CLUSTER}-x not found`,
    });
  });

  it('answers DatabaseUnavailableException when the database cannot be reached', async () => {
    await expect(
      client.send(new ExecuteStatementCommand({ ...target, resourceArn: DOWN, sql: 'select 1' })),
    ).rejects.toMatchObject({ name: 'DatabaseUnavailableException' });
  });
});

describe('transactions', () => {
  it('commits and rolls back', async () => {
    await db.pool.query('create table t (n integer)');
    for (const [n, end] of [
      [1, CommitTransactionCommand],
      [2, RollbackTransactionCommand],
    ] as const) {
      const { transactionId } = await client.send(new BeginTransactionCommand(target));
      await client.send(
        new ExecuteStatementCommand({
          ...target,
          transactionId,
          sql: 'insert into t values (:n)',
          parameters: [{ name: 'n', value: { longValue: n } }],
        }),
      );
      await client.send(new end({ resourceArn: CLUSTER, secretArn: SECRET, transactionId }));
    }
    expect((await db.pool.query('select n from t')).rows).toEqual([{ n: 1 }]);
  });
});

describe('functions/sql.ts over the Data API', () => {
  it('returns rows as objects keyed by column, with named parameters of every kind', async () => {
    const sql = dataApiSql(client, {
      resourceArn: CLUSTER,
      secretArn: SECRET,
      database: new URL(db.url).pathname.slice(1),
    });
    expect(
      await sql.query('select :n as n, :s as s, :b as b, :z::text as z, :d as d', {
        n: 42,
        s: 'x',
        b: false,
        z: null,
        d: 0.25,
      }),
    ).toEqual([{ n: 42, s: 'x', b: false, z: null, d: 0.25 }]);
  });
});
