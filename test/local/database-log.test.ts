// The embedded PostgreSQL's log holds no personal data (contracts/database-log.ts): a failed
// statement's text, where the portal's one-trip pages inline their values, and an error's DETAIL
// (a unique key's values) stay out of it; the error itself is still logged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fiscalCode } from '../../core/synth/index.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../local/embedded.ts';

/** A synthetic person's fiscal code. */
const CODE = fiscalCode({
  surname: 'Logatti',
  name: 'Lucia',
  sex: 'F',
  birthYear: 1981,
  birthMonth: 2,
  birthDay: 3,
  belfiore: 'L781',
});

let dir: string;
let server: EmbeddedDatabase;
const logged: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'qdp-log-'));
  server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    persistent: false,
    onLog: (text) => logged.push(text),
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('logs a failed statement and a duplicate key without the values they held', async () => {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await expect(client.query(`select 1 / 0 as n, '${CODE}' as fiscal_code`)).rejects.toThrow(
      'division by zero',
    );
    await client.query('create temporary table people (fiscal_code text primary key)');
    await client.query('insert into people values ($1)', [CODE]);
    await expect(client.query('insert into people values ($1)', [CODE])).rejects.toThrow(
      'duplicate key value violates unique constraint',
    );
  } finally {
    await client.end();
  }
  // The server writes its log asynchronously: wait until both errors are in it.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !/duplicate key value/.test(logged.join(''))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = logged.join('');
  expect(log).toMatch(/ERROR: {2}division by zero/);
  expect(log).toMatch(/ERROR: {2}duplicate key value violates unique constraint "people_pkey"/);
  expect(log).not.toContain(CODE);
  expect(log).not.toMatch(/STATEMENT:|DETAIL:/);
});
