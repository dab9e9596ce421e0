// A kill at any moment leaves either the old latest or the new one, never a mix, and importing
// the same file again converges (DESIGN §7). The importer is SIGKILLed while its COPY runs and
// while the server reconciles, as observed from pg_stat_activity.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { backendRunning, finished, importState, qdp, startQdp } from './support.ts';

const BIG_FILE_ROWS = 300_000;

describe('atomicity of an import under SIGKILL', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let small: string;
  let big: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
    const dir = mkdtempSync(path.join(tmpdir(), 'qdp-kill-'));
    small = path.join(dir, 'day1.csv');
    big = path.join(dir, 'day2.csv');
    await writeSyntheticDailyFile({
      rows: 500,
      seed: 'kill',
      day: 1,
      format: 'csv',
      outFile: small,
    });
    await writeSyntheticDailyFile({
      rows: BIG_FILE_ROWS,
      seed: 'kill',
      day: 2,
      format: 'csv',
      outFile: big,
    });
    expect((await qdp(['import', small], env)).code).toBe(0);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function backendGone(pid: number): Promise<void> {
    for (let attempt = 0; attempt < 6000; attempt++) {
      const { rowCount } = await db.pool.query('select 1 from pg_stat_activity where pid = $1', [
        pid,
      ]);
      if (rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`backend ${pid} did not end`);
  }

  const state = () => importState(db.pool);

  it('leaves the previous latest intact when killed during COPY', async () => {
    const before = await state();
    const child = startQdp(['import', big], env);
    const done = finished(child);
    const pid = await backendRunning(db.pool, '^copy ');
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await backendGone(pid);
    const after = await state();
    expect(after.latest).toBe(before.latest);
    expect(after.visible).toBe(before.visible);
    expect(after.imports.at(-1)).toEqual({ id: 2, status: 'loading' });
    const transit = await db.pool.query(
      'select count(*)::int as n from qdp.transit where import_id = 2',
    );
    expect(transit.rows[0].n).toBe(0);
  });

  it('leaves the previous latest intact when killed during reconciliation', async () => {
    const before = await state();
    const child = startQdp(['import', big], env);
    const done = finished(child);
    const pid = await backendRunning(db.pool, 'reconcile_import');
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await backendGone(pid);
    const after = await state();
    expect(after.latest).toBe(before.latest);
    expect(after.visible).toBe(before.visible);
    expect(after.imports.at(-1)).toEqual({ id: 3, status: 'loaded' });
    const quarantines = await db.pool.query(
      'select count(*)::int as n from qdp.quarantines where import_id = 3',
    );
    expect(quarantines.rows[0].n).toBe(0);
  });

  it('publishes the same file when it is imported again', async () => {
    const run = await qdp(['import', big, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout);
    expect(outcome).toMatchObject({ importId: 4, status: 'published', rowsTotal: BIG_FILE_ROWS });
    const after = await state();
    expect(after.latest).toBe(4);
    expect(after.visible).toBe(outcome.rowsAccepted);
  });
});
