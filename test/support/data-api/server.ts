// A small RDS Data API endpoint over a real PostgreSQL, for the tests: AWS SDK clients reach it
// through AWS_ENDPOINT_URL_RDS_DATA (the emulators' own Data API does not run SQL). It speaks the
// service's REST-JSON protocol for what the platform uses: ExecuteStatement (named parameters,
// typed fields, column metadata), BeginTransaction, CommitTransaction, RollbackTransaction.
// Errors come back as the service sends them: BadRequestException (400) for SQL errors and
// unknown clusters, DatabaseUnavailableException (504) when the database cannot be reached.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/** pg type OIDs the Data API maps to something other than stringValue. */
const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  float4: 700,
  float8: 701,
} as const;

type Field =
  | { isNull: true }
  | { stringValue: string }
  | { longValue: number }
  | { doubleValue: number }
  | { booleanValue: boolean };

interface Parameter {
  name: string;
  typeHint?: string;
  value?: {
    isNull?: boolean;
    stringValue?: string;
    longValue?: number;
    doubleValue?: number;
    booleanValue?: boolean;
    blobValue?: string;
  };
}

export class DataApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `:name` placeholders (not `::type` casts, not inside quotes) to `$n`. */
export function bindNamed(
  sql: string,
  parameters: Parameter[],
): { text: string; values: unknown[] } {
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const order: string[] = [];
  let text = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      text += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === ':' && sql[i + 1] === ':') {
      text += '::';
      i += 2;
      continue;
    }
    const match = c === ':' ? /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i)) : null;
    if (match) {
      const name = match[1] as string;
      if (!byName.has(name)) {
        throw new DataApiError(
          'BadRequestException',
          400,
          `No value specified for parameter: ${name}`,
        );
      }
      let index = order.indexOf(name);
      if (index < 0) index = order.push(name) - 1;
      // The Data API binds each value with its type (a string as varchar unless a type hint
      // says otherwise): cast, so that PostgreSQL resolves functions as it does behind AWS.
      text += `$${index + 1}::${sqlTypeOf(byName.get(name) as Parameter)}`;
      i += match[0].length;
      continue;
    }
    text += c;
    i += 1;
  }
  const values = order.map((name) => {
    const value = byName.get(name)?.value ?? {};
    if (value.isNull) return null;
    if (value.stringValue !== undefined) return value.stringValue;
    if (value.longValue !== undefined) return value.longValue;
    if (value.doubleValue !== undefined) return value.doubleValue;
    if (value.booleanValue !== undefined) return value.booleanValue;
    if (value.blobValue !== undefined) return Buffer.from(value.blobValue, 'base64');
    throw new DataApiError('BadRequestException', 400, `Unsupported value for parameter: ${name}`);
  });
  return { text, values };
}

const TYPE_HINTS: Record<string, string> = {
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  DECIMAL: 'numeric',
  UUID: 'uuid',
  JSON: 'jsonb',
};

function sqlTypeOf(parameter: Parameter): string {
  const value = parameter.value ?? {};
  if (value.longValue !== undefined) return 'int8';
  if (value.doubleValue !== undefined) return 'float8';
  if (value.booleanValue !== undefined) return 'bool';
  if (value.blobValue !== undefined) return 'bytea';
  if (value.isNull) return 'unknown';
  return TYPE_HINTS[parameter.typeHint ?? ''] ?? 'varchar';
}

/** One result value as the Data API types it (raw text from PostgreSQL). */
export function fieldOf(raw: string | null, typeId: number): Field {
  if (raw === null) return { isNull: true };
  switch (typeId) {
    case OID.bool:
      return { booleanValue: raw === 't' };
    case OID.int2:
    case OID.int4:
    case OID.int8:
    case OID.oid:
      return { longValue: Number(raw) };
    case OID.float4:
    case OID.float8:
      return { doubleValue: Number(raw) };
    default:
      return { stringValue: raw };
  }
}

const RAW_TEXT = { getTypeParser: () => (value: string) => value };

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', '57P01', '57P03'].includes(code) ||
    /terminat|Connection terminated|connect/i.test((error as Error).message ?? '')
  );
}

export interface DataApiServer {
  /** http://127.0.0.1:port — the value for AWS_ENDPOINT_URL_RDS_DATA. */
  url: string;
  /** Routes a cluster ARN to a PostgreSQL connection string (`database` picks the database). */
  addCluster(resourceArn: string, connectionString: string): void;
  /** The statements executed so far (SQL text), newest last. */
  statements: string[];
  close(): Promise<void>;
}

export async function startDataApi(port = 0): Promise<DataApiServer> {
  const clusters = new Map<string, string>();
  const pools = new Map<string, pg.Pool>();
  const transactions = new Map<string, pg.PoolClient>();
  const statements: string[] = [];

  const poolFor = (resourceArn: string, database: string | undefined): pg.Pool => {
    const base = clusters.get(resourceArn);
    if (!base) {
      throw new DataApiError(
        'BadRequestException',
        400,
        `Database cluster ${resourceArn} not found`,
      );
    }
    const url = new URL(base);
    if (database) url.pathname = `/${database}`;
    const key = url.toString();
    let pool = pools.get(key);
    if (!pool) {
      pool = new pg.Pool({ connectionString: key, max: 4, types: RAW_TEXT });
      pool.on('error', () => undefined);
      pools.set(key, pool);
    }
    return pool;
  };

  const run = async (client: pg.PoolClient | pg.Pool, body: Record<string, unknown>) => {
    const sql = String(body['sql'] ?? '');
    statements.push(sql);
    const { text, values } = bindNamed(sql, (body['parameters'] as Parameter[]) ?? []);
    const result = await client.query({ text, values, rowMode: 'array', types: RAW_TEXT });
    const fields = result.fields ?? [];
    const response: Record<string, unknown> = {
      numberOfRecordsUpdated: result.command === 'SELECT' ? 0 : (result.rowCount ?? 0),
      records: (result.rows as (string | null)[][]).map((row) =>
        row.map((raw, i) => fieldOf(raw, fields[i]?.dataTypeID ?? 25)),
      ),
    };
    if (body['includeResultMetadata']) {
      response['columnMetadata'] = fields.map((f) => ({ name: f.name, label: f.name }));
    }
    return response;
  };

  const handle = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const resourceArn = String(body['resourceArn'] ?? '');
    const database = body['database'] as string | undefined;
    switch (path) {
      case '/Execute': {
        const transactionId = body['transactionId'] as string | undefined;
        if (transactionId) {
          const client = transactions.get(transactionId);
          if (!client) {
            throw new DataApiError(
              'BadRequestException',
              400,
              `Transaction ${transactionId} is not found`,
            );
          }
          return run(client, body);
        }
        return run(poolFor(resourceArn, database), body);
      }
      case '/BeginTransaction': {
        const client = await poolFor(resourceArn, database).connect();
        await client.query('begin');
        const transactionId = randomUUID();
        transactions.set(transactionId, client);
        return { transactionId };
      }
      case '/CommitTransaction':
      case '/RollbackTransaction': {
        const transactionId = String(body['transactionId'] ?? '');
        const client = transactions.get(transactionId);
        if (!client) {
          throw new DataApiError(
            'NotFoundException',
            404,
            `Transaction ${transactionId} is not found`,
          );
        }
        transactions.delete(transactionId);
        const commit = path === '/CommitTransaction';
        try {
          await client.query(commit ? 'commit' : 'rollback');
        } finally {
          client.release();
        }
        return { transactionStatus: commit ? 'Transaction Committed' : 'Rollback Complete' };
      }
      default:
        throw new DataApiError('UnknownOperationException', 404, `unsupported operation ${path}`);
    }
  };

  const respond = (res: ServerResponse, status: number, payload: unknown, errorType?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers).end(JSON.stringify(payload));
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<
          string,
          unknown
        >;
      } catch {
        respond(res, 400, { message: 'body is not JSON' }, 'BadRequestException');
        return;
      }
      handle(new URL(req.url ?? '/', 'http://x').pathname, body).then(
        (payload) => respond(res, 200, payload),
        (error: unknown) => {
          if (error instanceof DataApiError) {
            respond(res, error.status, { message: error.message }, error.code);
          } else if (isConnectionError(error)) {
            respond(
              res,
              504,
              { message: `Database unavailable: ${(error as Error).message}` },
              'DatabaseUnavailableException',
            );
          } else {
            // SQL errors: the Data API puts the server's message in a BadRequestException.
            respond(
              res,
              400,
              { message: `ERROR: ${(error as Error).message}` },
              'BadRequestException',
            );
          }
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    addCluster(resourceArn, connectionString) {
      clusters.set(resourceArn, connectionString);
    },
    statements,
    async close() {
      for (const client of transactions.values()) client.release();
      transactions.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    },
  };
}
