// The record of processing and the retention preview rendered as Markdown, from fixed data: every
// line exact, in English and Italian (the database side is tested in test/db/privacy-record.test.ts
// and test/db/retention.test.ts, the command in test/cli/privacy.test.ts).
import { describe, expect, it } from 'vitest';
import {
  privacyRecordMarkdown,
  retentionMarkdown,
  type PrivacyRecord,
  type RetentionPreview,
} from '../../core/privacy-record.ts';

const SETTINGS: PrivacyRecord['retention'] = [
  {
    data: 'dailyFiles',
    setting: 'raw_file_retention_days',
    value: null,
    unit: 'days',
    description: '',
  },
  {
    data: 'accessLogs',
    setting: 'audit_retention_months',
    value: '36',
    unit: 'months',
    description: '',
  },
];

/** The Markdown of SETTINGS. */
const RETENTION_TABLE = [
  '| Data | Kept for | Setting |',
  '|---|---|---|',
  '| Daily files (landing bucket) | not recorded (setting raw_file_retention_days) | `raw_file_retention_days` |',
  '| Access logs (audit) | 36 months | `audit_retention_months` |',
];

const RECORD: PrivacyRecord = {
  generatedAt: '2026-12-07T08:09:10.123+00:00',
  controller: null,
  dataRegion: 'eu-south-1',
  roles: [
    {
      role: 'municipality',
      dbRole: 'qdp_municipality',
      description: 'A municipality.',
      purpose: 'Support to residents.',
      legalBasis: 'Art. 50 | D.lgs. 267/2000.',
      aggregatesOnly: true,
      tables: [
        {
          table: 'qdp.quarantines',
          columns: [
            { column: 'import_id', dataSubjects: null, category: null },
            { column: 'surname', dataSubjects: 'quarantined', category: 'identity' },
          ],
          rowLevelSecurity: true,
          policies: [
            { name: 'by_place', command: 'SELECT', using: "(a || b) = 'x'" },
            { name: 'all_rows', command: 'ALL', using: null },
          ],
        },
        {
          table: 'qdp.users',
          columns: [{ column: 'username', dataSubjects: 'user', category: 'identity' }],
          rowLevelSecurity: true,
          policies: [],
        },
        {
          table: 'qdp_analytics.by_gp',
          columns: [{ column: 'gp_code', dataSubjects: 'gp', category: 'identity' }],
          rowLevelSecurity: false,
          policies: [],
        },
        {
          table: 'qdp.roles',
          columns: [{ column: 'name', dataSubjects: null, category: null }],
          rowLevelSecurity: false,
          policies: [],
        },
      ],
    },
    {
      role: 'gp',
      dbRole: 'qdp_gp',
      description: 'A GP.',
      purpose: 'Care.',
      legalBasis: 'Art. 9(2)(h).',
      aggregatesOnly: false,
      tables: [],
    },
  ],
  personalData: [
    { dataSubjects: 'quarantined', category: 'health', fields: ['qdp.quarantines.reason'] },
  ],
  retention: SETTINGS,
  security: {
    encryptionKeyArn: 'arn:aws:kms:eu-south-1:1:key/k',
    databaseTls: true,
    connectionTls: true,
    auditLog: { appendOnly: false, retentionMonths: 36 },
    rowLevelSecurity: ['qdp.a', 'qdp.b'],
    secondFactorRoles: [],
    sessionIdleMinutes: 20,
    sessionMaxHours: 8,
    loginMaxFailures: 3,
    loginLockoutMinutes: 10,
    dashboardMinCount: 4,
  },
};

describe('privacyRecordMarkdown', () => {
  it('renders every part of the record, in English', () => {
    expect(privacyRecordMarkdown(RECORD)).toBe(
      [
        '# Record of processing activities (GDPR art. 30)',
        '',
        "Generated 2026-12-07 08:09:10 UTC from the database's grants, row-level security policies and settings at that moment.",
        '',
        '## Controller',
        '',
        'not recorded (setting controller_name)',
        '',
        '## Where the data are kept',
        '',
        'AWS region eu-south-1',
        '',
        '## Data subjects and categories of personal data',
        '',
        '| Data subjects | Category | Fields |',
        '|---|---|---|',
        '| People in isolation or quarantine (positive cases and close contacts) | Health: isolation or quarantine, its reason and dates | qdp.quarantines.reason |',
        '',
        '## Recipients: purpose, legal basis and the fields each role reads',
        '',
        "Fields are the columns a session of the role can read (the database's column privileges); rows are limited by the row-level security policies shown.",
        '',
        '### municipality (`qdp_municipality`): A municipality.',
        '',
        '- Purpose: Support to residents.',
        '- Legal basis: Art. 50 | D.lgs. 267/2000.',
        '- Narrowed to aggregates: yes',
        '- Other tables it reads (no personal data): qdp.roles',
        '',
        '| Table | Fields it reads (personal data in bold) | Rows |',
        '|---|---|---|',
        "| qdp.quarantines | import_id, **surname** | by_place: (a \\|\\| b) = 'x'; all_rows: true |",
        '| qdp.users | **username** | none (row-level security, no policy for this role) |',
        '| qdp_analytics.by_gp | **gp_code** | every row (no row-level security) |',
        '',
        '### gp (`qdp_gp`): A GP.',
        '',
        '- Purpose: Care.',
        '- Legal basis: Art. 9(2)(h).',
        '- Narrowed to aggregates: no',
        '- Other tables it reads (no personal data): none',
        '',
        'Fields it reads (personal data in bold): none',
        '',
        '## Retention',
        '',
        ...RETENTION_TABLE,
        '',
        '## Security measures',
        '',
        "- Encryption at rest with the authority's key: arn:aws:kms:eu-south-1:1:key/k",
        "- TLS: the database server accepts TLS connections; this request's connection is encrypted",
        '- Audit log: its append-only trigger is DISABLED; entries kept 36 months',
        '- Row-level security enabled and forced on: qdp.a, qdp.b',
        '- Second factor (TOTP) for password sign-in: required of no role',
        '- Sessions end after 20 idle minutes or 8 hours; 3 wrong passwords in a row lock an account for 10 minutes',
        '- Counts below 4 are shown as "< 4" to roles narrowed to aggregates',
        '',
      ].join('\n'),
    );
  });

  it('renders the record in Italian with the same structure', () => {
    const it = privacyRecordMarkdown(RECORD, 'it').split('\n');
    expect(it.length).toBe(privacyRecordMarkdown(RECORD).split('\n').length);
    expect(it.filter((line) => line.startsWith('#'))).toEqual([
      '# Registro delle attività di trattamento (art. 30 GDPR)',
      '## Titolare del trattamento',
      '## Dove sono conservati i dati',
      '## Categorie di interessati e di dati personali',
      '## Destinatari: finalità, base giuridica e campi letti da ciascun ruolo',
      '### municipality (`qdp_municipality`): A municipality.',
      '### gp (`qdp_gp`): A GP.',
      '## Conservazione',
      '## Misure di sicurezza',
    ]);
    expect(it[6]).toBe('non registrato (impostazione controller_name)');
    expect(it).toContain('| Registro degli accessi | 36 mesi | `audit_retention_months` |');
  });
});

describe('retentionMarkdown', () => {
  const preview: RetentionPreview = {
    retentionDays: 30,
    cutoff: '2026-11-07T08:00:00+00:00',
    auditCutoff: '2024-12-07T08:00:00+00:00',
    settings: SETTINGS,
    imports: [
      {
        id: 3,
        sourceName: 'a.csv',
        status: 'published',
        receivedAt: '2026-10-01T06:00:00+00:00',
        rowsTotal: 1,
      },
      {
        id: 4,
        sourceName: 'b.csv',
        status: 'failed',
        receivedAt: '2026-10-02T06:00:00+00:00',
        rowsTotal: null,
      },
    ],
    rejects: 2,
    publications: 1,
    patients: 1,
    auditEntries: 5,
    kept: { latest: 9, held: [5, 6], inFlight: [7], auditEntries: 1, auditRetentionMonths: 36 },
  };

  it('says what the next purge removes and keeps, and why', () => {
    expect(retentionMarkdown(preview)).toBe(
      [
        '# Retention',
        '',
        ...RETENTION_TABLE,
        '',
        '## What the next purge would remove (retention 30 days: received before 2026-11-07 08:00:00 UTC)',
        '',
        '- Import 3 (a.csv, published, received 2026-10-01 06:00:00 UTC, 1 row)',
        '- Import 4 (b.csv, failed, received 2026-10-02 06:00:00 UTC)',
        '',
        'With them: 2 rejected lines, 1 publication, 1 patient no kept import names, and 5 audit entries older than 2024-12-07 08:00:00 UTC.',
        '',
        "Kept although older than the retention: import 9 (the latest published); imports 5, 6 (held: awaiting an administrator's decision); import 7 (still being imported); 1 audit entry (access logs are kept 36 months: audit_retention_months)",
        '',
      ].join('\n'),
    );
  });
});
