// The smaller qdp commands: db migrate, settings, synth, purge.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { qdp } from './support.ts';

describe('qdp db migrate, settings, synth and purge', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
    dir = mkdtempSync(path.join(tmpdir(), 'qdp-commands-'));
  });

  afterAll(async () => {
    await db.drop();
  });

  it('db migrate reports a current schema and marks the configured territory', async () => {
    const run = await qdp(['db', 'migrate'], { ...env, QDP_TERRITORY_PROVINCES: 'VR,VI' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const port = new URL(db.url).port;
    const name = new URL(db.url).pathname;
    expect(run.stdout).toBe(
      `schema is current (127.0.0.1:${port}${name}); 7896 municipalities, 211 in the territory (VR, VI)\n`,
    );
    const { rows } = await db.pool.query(
      'select province, count(*)::int as n from qdp.municipalities where in_territory group by province order by province',
    );
    expect(rows).toEqual([
      { province: 'VI', n: 113 },
      { province: 'VR', n: 98 },
    ]);
  });

  it('settings lists the limits and changes one; an unknown key is refused', async () => {
    const list = await qdp(['settings'], env);
    expect(list.code).toBe(0);
    // Every setting the migrations define, in key order (later migrations add their own).
    const { rows: settings } = await db.pool.query<{ key: string; value: string }>(
      'select key, value from qdp.settings order by key',
    );
    expect(list.stdout.split('\n').filter((l) => !l.startsWith(' '))).toEqual([
      ...settings.map((s) => `${s.key} = ${s.value}`),
      '',
    ]);
    expect(list.stdout).toContain('hold_max_reject_ratio = 0.20\n');
    expect(list.stdout).toContain('retention_days = 730\n');
    expect(list.stdout).toContain('stale_import_minutes = 180\n');
    const set = await qdp(['settings', 'set', 'retention_days', '800'], env);
    expect(set).toMatchObject({ code: 0, stdout: 'retention_days = 800\n' });
    const unknown = await qdp(['settings', 'set', 'nope', '1'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toBe('qdp: unknown setting "nope"');
  });

  it('synth writes a daily file and refuses bad options', async () => {
    const out = path.join(dir, 'day3.csv');
    const run = await qdp(
      ['synth', '--rows', '50', '--day', '3', '--seed', 's', '--out', out],
      env,
    );
    expect(run).toMatchObject({ code: 0, stdout: `${out}: 50 rows (1 bad), day 3\n` });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe(
      'CODICE_FISCALE;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;COMUNE_RESIDENZA;INDIRIZZO_RESIDENZA;TELEFONO;COD_MEDICO;MEDICO;MOTIVO;DATA_INIZIO;DATA_FINE',
    );
    const bad = await qdp(['synth', '--rows', '0x10'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n')[0]).toBe('qdp: --rows must be a positive whole number');
    const format = await qdp(['synth', '--rows', '10', '--format', 'pdf'], env);
    expect(format.stderr.split('\n')[0]).toBe('qdp: --format must be csv or xlsx');
  });

  it('purge removes nothing recent and reports what it did', async () => {
    const run = await qdp(['purge', '--days', '30'], env);
    expect(run).toMatchObject({
      code: 0,
      stdout:
        'purged: 0 imports, 0 audit entries, 0 patients no kept import names\nkept although older than the retention: nothing\n',
    });
    const bad = await qdp(['purge', '--days', 'soon'], env);
    expect(bad.stderr.split('\n')[0]).toBe('qdp: --days must be a whole number of days');
  });
});
