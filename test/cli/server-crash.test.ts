// The PostgreSQL server itself stopped abruptly (`pg_ctl stop -m immediate`: no shutdown
// checkpoint, crash recovery on the next start) while an import's COPY runs and while the server
// reconciles, then started again: the previous latest is intact, the interrupted import holds
// nothing, and importing the same file again publishes it (DESIGN §7). A server of its own, so
// that stopping it leaves the suite's server alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../local/embedded.ts';
import { withDatabase } from '../support/global-setup.ts';
import { backendRunning, finished, importState, qdp, startQdp } from './support.ts';

const BIG_FILE_ROWS = 300_000;

describe('an import when the PostgreSQL server stops abruptly', () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let server: EmbeddedDatabase;
  let pool: pg.Pool;
  let env: Record<string, string>;
  let big: string;

  async function startServer(): Promise<void> {
    server = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    pool = new pg.Pool({ connectionString: withDatabase(server.adminUrl, 'qdp_crash'), max: 2 });
    // An idle client loses its server in the crash: the pool drops it.
    pool.on('error', () => undefined);
  }

  /** Stops the server at once, as a power cut would, and starts it again. */
  async function crashAndRestart(): Promise<void> {
    await server.pgCtl(['stop', '-m', 'immediate']);
    await pool.end().catch(() => undefined);
    await startServer();
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'qdp-crash-'));
    dataDir = path.join(dir, 'postgres');
    port = await freePort();
    server = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query('create database qdp_crash');
    await admin.end();
    await startServer();
    env = { DATABASE_URL: withDatabase(server.adminUrl, 'qdp_crash') };
    expect((await qdp(['db', 'migrate'], env)).code).toBe(0);
    const small = path.join(dir, 'day1.csv');
    big = path.join(dir, 'day2.csv');
    await writeSyntheticDailyFile({
      rows: 500,
      seed: 'crash',
      day: 1,
      format: 'csv',
      outFile: small,
    });
    await writeSyntheticDailyFile({
      rows: BIG_FILE_ROWS,
      seed: 'crash',
      day: 2,
      format: 'csv',
      outFile: big,
    });
    expect((await qdp(['import', small], env)).code).toBe(0);
  });

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await server?.pgCtl(['stop', '-m', 'fast']).catch(() => undefined);
    // As root the data lives in a folder of the server's user, `dataDir` a link to it.
    if (server) await rm(server.dataDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  const state = () => importState(pool);

  /**
   * The import registered after `before`: crash recovery may skip sequence values (PostgreSQL
   * logs them ahead), so a later id, not necessarily the next.
   */
  function newImport(
    before: Awaited<ReturnType<typeof state>>,
    after: Awaited<ReturnType<typeof state>>,
  ): { id: number; status: string } {
    expect(after.imports.length).toBe(before.imports.length + 1);
    const added = after.imports.at(-1);
    expect(added?.id).toBeGreaterThan(before.imports.at(-1)?.id ?? 0);
    return added as { id: number; status: string };
  }

  /** Starts `qdp import` of the big file, stops the server when `pattern` runs, restarts it. */
  async function crashDuring(pattern: string) {
    const before = await state();
    const run = finished(startQdp(['import', big], env));
    await backendRunning(pool, pattern);
    await crashAndRestart();
    expect((await run).code).toBe(1);
    const after = await state();
    expect(after.latest).toBe(before.latest);
    expect(after.visible).toBe(before.visible);
    return newImport(before, after);
  }

  it('during COPY: the previous latest stays, the import holds no row', async () => {
    const interrupted = await crashDuring('^copy ');
    expect(interrupted.status).toBe('loading');
    const transit = await pool.query(
      'select count(*)::int as n from qdp.transit where import_id = $1',
      [interrupted.id],
    );
    expect(transit.rows[0].n).toBe(0);
  });

  it('during reconciliation: the previous latest stays, the import is loaded and unpublished', async () => {
    const interrupted = await crashDuring('reconcile_import');
    expect(interrupted.status).toBe('loaded');
    const quarantines = await pool.query(
      'select count(*)::int as n from qdp.quarantines where import_id = $1',
      [interrupted.id],
    );
    expect(quarantines.rows[0].n).toBe(0);
  });

  it('then the same file imported again is published', async () => {
    const before = await state();
    const run = await qdp(['import', big, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout);
    expect(outcome).toMatchObject({ status: 'published', rowsTotal: BIG_FILE_ROWS });
    const after = await state();
    expect(newImport(before, after)).toEqual({ id: outcome.importId, status: 'published' });
    expect(after.latest).toBe(outcome.importId);
    expect(after.visible).toBe(outcome.rowsAccepted);
  });
});
