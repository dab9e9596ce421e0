// Measures qdp.reconcile_import on the embedded PostgreSQL (not a test): a first import of N
// generated rows into empty tables, an unchanged re-import, and one with every end date changed.
// Usage: npx tsx bench/reconcile.ts [rows]   (default 1,000,000)
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { syncMunicipalities } from '../core/municipalities.ts';
import { startEmbeddedPostgres } from '../local/embedded.ts';
import { loadGenerated, sha } from '../test/db/import-fixtures.ts';
import { migrate } from '../db/migrate.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(tmpdir(), 'qdp-measure-'));
chmodSync(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), persistent: false });
const client = new pg.Client({ connectionString: server.adminUrl });
try {
  await client.connect();
  await migrate(client);
  await syncMunicipalities(client, ['VR']);
  for (const [label, endDay] of [
    ['first import', 15],
    ['unchanged re-import', 15],
    ['every end date changed', 20],
  ] as const) {
    const { rows: registered } = await client.query<{ import_id: string }>(
      'select import_id from qdp.register_import($1, $2, 0)',
      [label, sha(label)],
    );
    const id = registered[0]!.import_id;
    let started = performance.now();
    await client.query('begin');
    await loadGenerated(client, id, rows, endDay);
    await client.query('commit');
    const loadSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await client.query('begin');
    const { rows: result } = await client.query('select qdp.reconcile_import($1) as status', [id]);
    await client.query('commit');
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: ${rows} rows generated in ${loadSeconds.toFixed(1)} s, reconciled (${result[0].status}) in ${seconds.toFixed(2)} s`,
    );
  }
} finally {
  await client.end();
  await server.stop();
}
