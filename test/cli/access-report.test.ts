// `qdp access-report CF --by ADMIN`: the report of a synthetic person's accesses as Markdown, CSV
// and PDF (read back), audited under the administrator's name; bad arguments refused with what
// was wrong, never repeating the fiscal code.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportNotes, reportTime } from '../../core/access-report.ts';
import { fiscalCode } from '../../core/synth/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { readPdfText } from '../support/pdf-text.ts';
import { qdp } from './support.ts';

let db: TestDatabase;
let env: Record<string, string>;
let municipality: { code: string; name: string };

const PERSON = fiscalCode({
  surname: 'Sintetico',
  name: 'Carlo',
  sex: 'M',
  birthYear: 1975,
  birthMonth: 7,
  birthDay: 9,
  belfiore: 'L781',
});
const OTHER = fiscalCode({
  surname: 'Finto',
  name: 'Dario',
  sex: 'M',
  birthYear: 1990,
  birthMonth: 2,
  birthDay: 3,
  belfiore: 'L781',
});

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const m = await db.pool.query<{ istat_code: string; name: string }>(
    "select istat_code, name from qdp.municipalities where province = 'VR' order by istat_code limit 1",
  );
  municipality = { code: m.rows[0]!.istat_code, name: m.rows[0]!.name };
  const users = await db.pool.query<{ id: string }>(
    `insert into qdp.users (username, display_name, role, istat_code, password_hash) values
       ('dpo.admin', 'Responsabile Sintetica', 'admin', null, null),
       ('comune.uno', 'Ufficio Servizi', 'municipality', $1, null),
       ('staff.off', 'Spento', 'staff', null, null)
     returning id`,
    [municipality.code],
  );
  const mun = users.rows[1]!.id;
  // Two accesses to PERSON (a patient page, a list that showed them) and one to someone else.
  await db.pool.query(
    `insert into qdp.audit_log (at, user_id, username, role, action, fiscal_code, import_id, detail) values
       ('2026-06-01T08:00:00Z', $1, 'comune.uno', 'municipality', 'patient.view', $2, 1, null),
       ('2026-06-02T09:30:00Z', $1, 'comune.uno', 'municipality', 'list.view', null, 1, $3),
       ('2026-06-03T10:00:00Z', $1, 'comune.uno', 'municipality', 'patient.view', $4, 1, null)`,
    [mun, PERSON, JSON.stringify({ rows: 2, shown: [OTHER, PERSON] }), OTHER],
  );
});

afterAll(async () => {
  await db?.drop();
});

/** The time and window of the latest report (its audit entry's time is the report's). */
async function lastReport() {
  const { rows } = await db.pool.query<{ at: Date; since: Date }>(
    `select at, at - interval '24 months' as since from qdp.audit_log
     where action = 'access.report' order by id desc limit 1`,
  );
  return rows[0]!;
}

describe('qdp access-report', () => {
  it('prints the Markdown report in Italian by default', async () => {
    const run = await qdp(['access-report', PERSON.toLowerCase(), '--by', 'dpo.admin'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { at, since } = await lastReport();
    const fields =
      'codice fiscale, cognome, nome, sesso, data di nascita, codice ISTAT di residenza, comune di residenza, indirizzo, telefono, inizio, fine, variazione';
    const mun = `Comune di ${municipality.name} (ISTAT ${municipality.code})`;
    const purpose = (
      await db.pool.query("select purpose, legal_basis from qdp.roles where name = 'municipality'")
    ).rows[0] as { purpose: string; legal_basis: string };
    const cell = (s: string) => s.replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`);
    expect(run.stdout).toBe(`# Report degli accessi ai dati di una persona

Regolamento (UE) 2016/679, art. 15

- Persona (codice fiscale): ${PERSON}
- Periodo: dal ${reportTime(since)} al ${reportTime(at)} (conservazione dei registri: 24 mesi)
- Prodotto il: ${reportTime(at)} da dpo.admin
- Accessi: 2

| Quando | Utente | Ruolo | Organizzazione | Azione | Importazione | Campi visibili al ruolo | Finalità | Base giuridica |
|---|---|---|---|---|---|---|---|---|
| 2026-06-01 10:00:00 | comune.uno (Ufficio Servizi) | Comune | ${mun} | Scheda della persona | 1 | ${fields} | ${cell(purpose.purpose)} | ${cell(purpose.legal_basis)} |
| 2026-06-02 11:30:00 | comune.uno (Ufficio Servizi) | Comune | ${mun} | Elenco che mostrava la persona | 1 | ${fields} | ${cell(purpose.purpose)} | ${cell(purpose.legal_basis)} |

## Note

${reportNotes('it')
  .map((note) => `- ${note}\n`)
  .join('')}`);
  });

  it('writes CSV in English, and a PDF read back', async () => {
    const csv = await qdp(
      ['access-report', PERSON, '--by', 'dpo.admin', '--format', 'csv', '--lang', 'en'],
      env,
    );
    expect(csv.code).toBe(0);
    const lines = csv.stdout.split('\r\n');
    expect(lines.slice(0, 1)).toEqual([
      'When (UTC);User;Role;Organisation;Action;Import;Fields the role could see;Purpose;Legal basis',
    ]);
    expect(lines.slice(1, -1).map((l) => l.split(';').slice(0, 7))).toEqual([
      [
        '2026-06-01T08:00:00.000Z',
        'comune.uno (Ufficio Servizi)',
        'municipality',
        `Municipality of ${municipality.name} (ISTAT ${municipality.code})`,
        'patient.view',
        '1',
        'fiscal_code surname name sex birth_date residence_istat residence_name address phone start_date end_date change',
      ],
      [
        '2026-06-02T09:30:00.000Z',
        'comune.uno (Ufficio Servizi)',
        'municipality',
        `Municipality of ${municipality.name} (ISTAT ${municipality.code})`,
        'list.view',
        '1',
        'fiscal_code surname name sex birth_date residence_istat residence_name address phone start_date end_date change',
      ],
      // The first report (previous test) is an access too.
      [
        expect.stringMatching(/^\d{4}-/),
        'dpo.admin (Responsabile Sintetica)',
        'admin',
        'Health authority',
        'access.report',
        '',
        expect.stringMatching(/^fiscal_code /),
      ],
    ]);
    expect(lines.at(-1)).toBe('');

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'qdp-access-report-')), 'report.pdf');
    const pdf = await qdp(
      [
        'access-report',
        PERSON,
        '--by',
        'dpo.admin',
        '--format',
        'pdf',
        '--lang',
        'en',
        '--out',
        out,
      ],
      env,
    );
    expect(pdf.stderr).toBe('');
    expect(pdf.stdout).toBe(`${out}: 4 accesses\n`);
    const { at } = await lastReport();
    const text = await readPdfText(readFileSync(out));
    const first = text.pages[0]!.split('\n');
    expect(first.slice(0, 6)).toEqual([
      'Report of the accesses to a person’s data',
      'Regulation (EU) 2016/679, Article 15',
      `Person (fiscal code): ${PERSON}`,
      expect.stringMatching(/^Period: from .* \(access logs are kept 24 months\)$/),
      `Produced on: ${reportTime(at)} by dpo.admin`,
      'Accesses: 4',
    ]);
    expect(first.filter((l) => /^\d+\. /.test(l))).toEqual([
      '1. 2026-06-01 10:00:00 · Patient page · Import 1',
      '2. 2026-06-02 11:30:00 · List that showed the person · Import 1',
      expect.stringMatching(/^3\. .* · Access report$/),
      expect.stringMatching(/^4\. .* · Access report$/),
    ]);
    expect(text.language).toBe('en-GB');
  });

  it('is audited under the administrator, from the command line', async () => {
    const { rows } = await db.pool.query(
      "select username, role, fiscal_code, client_address, detail from qdp.audit_log where action = 'access.report' order by id",
    );
    expect(rows).toEqual([
      {
        username: 'dpo.admin',
        role: 'admin',
        fiscal_code: PERSON,
        client_address: 'qdp access-report',
        detail: { entries: 2 },
      },
      {
        username: 'dpo.admin',
        role: 'admin',
        fiscal_code: PERSON,
        client_address: 'qdp access-report',
        detail: { entries: 3 },
      },
      {
        username: 'dpo.admin',
        role: 'admin',
        fiscal_code: PERSON,
        client_address: 'qdp access-report',
        detail: { entries: 4 },
      },
    ]);
  });

  it('refuses bad arguments saying what is wrong, never repeating the fiscal code', async () => {
    const wrongCheck = `${PERSON.slice(0, 15)}${PERSON[15] === 'A' ? 'B' : 'A'}`;
    const cases: [string[], string][] = [
      [
        [wrongCheck, '--by', 'dpo.admin'],
        'qdp: error: fiscal code: the check character (the 16th) is wrong\n',
      ],
      [
        [PERSON.slice(0, 12), '--by', 'dpo.admin'],
        'qdp: error: fiscal code: must be 16 characters long (got 12)\n',
      ],
      [
        [PERSON, '--by', 'comune.uno'],
        'qdp: error: --by: "comune.uno" is not an enabled administrator of the platform\n',
      ],
      [
        [PERSON, '--by', 'nobody'],
        'qdp: error: --by: "nobody" is not an enabled administrator of the platform\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const run = await qdp(['access-report', ...args], env);
      expect(run.stderr, args.join(' ')).toBe(stderr);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
    }
    const usage: [string[], string][] = [
      [
        [PERSON],
        'qdp: qdp access-report needs --by ADMIN: the administrator who asks (the report is audited under that name)',
      ],
      [['--by', 'dpo.admin'], 'qdp: qdp access-report needs one fiscal code'],
      [
        [PERSON, '--by', 'dpo.admin', '--format', 'xml'],
        'qdp: --format must be one of md, csv, pdf',
      ],
      [[PERSON, '--by', 'dpo.admin', '--lang', 'de'], 'qdp: --lang must be one of it, en'],
      [[PERSON, '--by', 'dpo.admin', '--format', 'pdf'], 'qdp: --format pdf needs --out FILE'],
    ];
    for (const [args, first] of usage) {
      const run = await qdp(['access-report', ...args], env);
      expect(run.stderr.split('\n')[0], args.join(' ')).toBe(first);
      expect(run.code).toBe(1);
    }
    // None of these reached the report: still three.
    const { rows } = await db.pool.query(
      "select count(*)::int as n from qdp.audit_log where action = 'access.report'",
    );
    expect(rows).toEqual([{ n: 3 }]);
  });
});
