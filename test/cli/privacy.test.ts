// `qdp privacy record` and `qdp privacy retention` through the real command on a real database:
// the JSON is the database's record, the Markdown its rendering, the settings' sections and the
// retention preview exact, bad options refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  privacyRecordMarkdown,
  type PrivacyRecord,
  type RetentionPreview,
} from '../../core/privacy-record.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { qdp } from './support.ts';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
});

afterAll(async () => {
  await db.drop();
});

/** The retention settings' table with the daily files' retention recorded as 90 days. */
const RETENTION_TABLE = [
  '| Data | Kept for | Setting |',
  '|---|---|---|',
  '| Daily files (landing bucket) | 90 days | `raw_file_retention_days` |',
  '| Imports: quarantines, transit rows, publications | 730 days | `retention_days` |',
  '| Rejected lines | 730 days | `retention_days` |',
  '| Access logs (audit) | 24 months | `audit_retention_months` |',
];

/** The text between a `## title` line and the next `## ` line. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  expect(start, title).toBeGreaterThan(-1);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, end === -1 ? undefined : end + 1);
}

describe('qdp privacy record', () => {
  it('prints the database’s record as JSON, and as Markdown the same record rendered', async () => {
    await db.pool.query(
      `update qdp.settings set value = case key
         when 'controller_name' then 'Azienda ULSS 9 Scaligera'
         when 'data_region' then 'eu-south-1'
         when 'raw_file_retention_days' then '90'
         when 'second_factor_roles' then 'admin' end
       where key in ('controller_name', 'data_region', 'raw_file_retention_days', 'second_factor_roles')`,
    );
    const json = await qdp(['privacy', 'record', '--format', 'json'], env);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const record = JSON.parse(json.stdout) as PrivacyRecord;
    const { rows } = await db.pool.query<{ r: PrivacyRecord }>('select qdp.privacy_record() as r');
    expect({ ...record, generatedAt: null }).toEqual({ ...rows[0]!.r, generatedAt: null });

    const md = await qdp(['privacy', 'record'], env);
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    const generated = /^Generated (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC from/m.exec(md.stdout);
    expect(generated).not.toBeNull();
    const { rows: again } = await db.pool.query<{ r: PrivacyRecord }>(
      'select qdp.privacy_record() as r',
    );
    expect(md.stdout).toBe(
      privacyRecordMarkdown({
        ...again[0]!.r,
        generatedAt: `${generated![1]!.replace(' ', 'T')}Z`,
      }),
    );
    expect(md.stdout.startsWith('# Record of processing activities (GDPR art. 30)\n\n')).toBe(true);
    expect(section(md.stdout, 'Controller')).toBe('## Controller\n\nAzienda ULSS 9 Scaligera\n\n');
    expect(section(md.stdout, 'Where the data are kept')).toBe(
      '## Where the data are kept\n\nAWS region eu-south-1\n\n',
    );
    expect(section(md.stdout, 'Retention')).toBe(
      ['## Retention', '', ...RETENTION_TABLE, '', ''].join('\n'),
    );
    const rls = record.security.rowLevelSecurity.join(', ');
    expect(section(md.stdout, 'Security measures')).toBe(
      [
        '## Security measures',
        '',
        "- Encryption at rest with the authority's key: not recorded (setting encryption_key_arn)",
        "- TLS: the database server has TLS off; this request's connection is not encrypted",
        '- Audit log of every view and export: append-only (its trigger refuses changes), entries kept at least 24 months',
        `- Row-level security enabled and forced on: ${rls}`,
        '- Second factor (TOTP) required for password sign-in of: admin',
        '- Sessions end after 30 idle minutes or 12 hours; 5 wrong passwords in a row lock an account for 15 minutes',
        '- Counts below 5 are shown as "< 5" to roles narrowed to aggregates',
        '',
      ].join('\n'),
    );
    // The Prefecture's section as the grants make it: no reason, GP or phone.
    const prefecture = md.stdout.slice(
      md.stdout.indexOf('### prefecture'),
      md.stdout.indexOf('### staff'),
    );
    expect(prefecture).toContain(
      "| qdp.quarantines | import_id, line_no, **fiscal_code**, **surname**, **name**, **sex**, **birth_date**, **residence_istat**, **residence_name**, **address**, **start_date**, **end_date**, **change** | quarantines_prefecture: ((CURRENT_USER = 'qdp_prefecture_reader'::name) AND (import_id = latest_import_id()) AND current_row_access()) |\n",
    );
  });

  it('refuses bad options, naming them', async () => {
    const cases: [string[], string][] = [
      [['privacy'], 'qdp privacy takes: record or retention'],
      [['privacy', 'records'], 'qdp privacy takes: record or retention'],
      [['privacy', 'record', '--format', 'pdf'], '--format must be md or json'],
      [['privacy', 'record', '--lang', 'de'], '--lang must be en or it'],
      [['privacy', 'record', '--days', '3'], '--days goes with qdp privacy retention only'],
      [['privacy', 'retention', '--days', '3x'], '--days must be a whole number of days'],
    ];
    for (const [args, message] of cases) {
      const run = await qdp(args, env);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')[0], args.join(' ')).toBe(`qdp: ${message}`);
    }
  });
});

describe('qdp privacy retention', () => {
  it('prints every retention and what the next purge would remove, as the purge then does', async () => {
    const imported = await db.pool.query<{ id: number }>(
      `insert into qdp.imports (source_name, sha256, size_bytes, status, rows_total, received_at)
       values ('vecchio.csv', repeat('a', 64), 10, 'rejected', 3, '2020-01-02T03:04:05Z'),
              ('sospeso.csv', repeat('b', 64), 10, 'held', 4, '2020-01-03T03:04:05Z')
       returning id::int`,
    );
    const [old, held] = imported.rows.map((r) => r.id) as [number, number];
    await db.pool.query(
      `insert into qdp.rejects (import_id, line_no, field, reason) values ($1, 0, null, 'empty')`,
      [old],
    );
    const json = await qdp(['privacy', 'retention', '--days', '30', '--format', 'json'], env);
    expect(json.code).toBe(0);
    const preview = JSON.parse(json.stdout) as RetentionPreview;
    const md = await qdp(['privacy', 'retention', '--days', '30'], env);
    expect(md.stderr).toBe('');
    expect(md.code).toBe(0);
    const cutoff = /received before (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)\)/.exec(md.stdout)![1];
    const auditCutoff = /older than (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)\.$/m.exec(md.stdout)![1];
    // Access logs go only when older than both cut-offs: the 24 months' is the earlier.
    expect(new Date(auditCutoff!.replace(' UTC', 'Z')).getTime()).toBeLessThan(
      new Date(cutoff!.replace(' UTC', 'Z')).getTime(),
    );
    expect(md.stdout).toBe(
      [
        '# Retention',
        '',
        ...RETENTION_TABLE,
        '',
        `## What the next purge would remove (retention 30 days: received before ${cutoff})`,
        '',
        `- Import ${old} (vecchio.csv, rejected, received 2020-01-02 03:04:05 UTC, 3 rows)`,
        '',
        `With them: 1 rejected line, 0 publications, 0 patients no kept import names, and 0 audit entries older than ${auditCutoff}.`,
        '',
        `Kept although older than the retention: import ${held} (held: awaiting an administrator's decision)`,
        '',
      ].join('\n'),
    );
    const purge = await qdp(['purge', '--days', '30'], env);
    expect(purge.stdout).toBe(
      `purged: ${preview.imports.length} import, 0 audit entries, 0 patients no kept import names\n` +
        `kept although older than the retention: import ${held} (held: awaiting an administrator's decision)\n`,
    );
    const left = await db.pool.query('select id::int from qdp.imports order by id');
    expect(left.rows).toEqual([{ id: held }]);
    const it = await qdp(['privacy', 'retention', '--days', '30', '--lang', 'it'], env);
    expect(it.stdout.split('\n').slice(-4)).toEqual([
      `Con esse: 0 righe scartate, 0 pubblicazioni, 0 pazienti non più presenti in alcuna importazione conservata, e 0 voci del registro anteriori al ${/anteriori al (.*)\./.exec(it.stdout)![1]}.`,
      '',
      `Conservato benché più vecchio della conservazione: importazione ${held} (sospesa: in attesa della decisione di un amministratore)`,
      '',
    ]);
  });
});
