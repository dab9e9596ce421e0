// "Who saw my record" (GDPR art. 15, DESIGN §15): the data-subject access report of one person,
// read from qdp.access_report (db/functions/privacy/access_report.sql) in an administrator's
// session, and written as Markdown or CSV (the PDF: access-report-pdf.ts), in Italian or English.
// The command line (`qdp access-report`) and the portal's page (/accessi) both use it.
import type pg from 'pg';
import { showBidiControls } from './bidi.ts';
import { csvLine, SPREADSHEET_CSV } from './csv-export.ts';
import { checkCharacter, FISCAL_CODE_SHAPE } from './synth/index.ts';

export class AccessReportError extends Error {}

export const REPORT_LANGUAGES = ['it', 'en'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];
export const REPORT_FORMATS = ['md', 'csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The times of the report are Italian time: the people and the authority are in Italy. */
export const REPORT_TIME_ZONE = 'Europe/Rome';

/**
 * The fiscal code a report is asked for, trimmed and upper-cased; a wrong one is refused with what
 * is wrong (never repeating the value: it is personal data and may reach a log).
 */
export function checkFiscalCode(input: string): string {
  const code = input.trim().toUpperCase();
  if (code.length !== 16) {
    throw new AccessReportError(
      `fiscal code: must be 16 characters long (got ${[...code].length})`,
    );
  }
  if (!FISCAL_CODE_SHAPE.test(code)) {
    throw new AccessReportError(
      'fiscal code: does not match the pattern of a fiscal code (6 letters, 2 digits, a month letter, 2 digits, a letter, 3 digits, a check letter; omocodia letters allowed in digit positions)',
    );
  }
  if (checkCharacter(code) !== code[15]) {
    throw new AccessReportError('fiscal code: the check character (the 16th) is wrong');
  }
  return code;
}

/** One access to the person's data (one audit entry). */
export interface AccessEntry {
  at: Date;
  auditId: string;
  username: string | null;
  displayName: string | null;
  role: string | null;
  istatCode: string | null;
  municipality: string | null;
  gpCode: string | null;
  gpName: string | null;
  action: string;
  importId: string | null;
  /** The fields of a patient the role could read at the time (qdp.role_fields: its column privileges then). */
  fields: string[];
  purpose: string | null;
  legalBasis: string | null;
}

export interface AccessReport {
  fiscalCode: string;
  generatedAt: Date;
  /** The start of the window: now minus audit_retention_months. */
  since: Date;
  retentionMonths: number;
  requestedBy: string;
  entries: AccessEntry[];
}

interface AccessRow {
  at: Date;
  audit_id: string;
  username: string | null;
  display_name: string | null;
  role: string | null;
  istat_code: string | null;
  municipality: string | null;
  gp_code: string | null;
  gp_name: string | null;
  action: string;
  import_id: string | null;
  fields: string[] | null;
  purpose: string | null;
  legal_basis: string | null;
}

/**
 * The report of `fiscalCode` (checked first), read in the caller's transaction, which must run as
 * an administrator's live session (db/session.ts): the database refuses every other role and
 * audits the report (access.report) in the same statement.
 */
export async function readAccessReport(
  client: pg.ClientBase,
  fiscalCode: string,
  clientAddress: string | null,
): Promise<AccessReport> {
  const code = checkFiscalCode(fiscalCode);
  const { rows } = await client.query<AccessRow>('select * from qdp.access_report($1, $2)', [
    code,
    clientAddress,
  ]);
  const context = await client.query<{
    generated_at: Date;
    since: Date;
    months: number;
    username: string;
  }>(
    `select now() as generated_at, now() - make_interval(months => s.value::integer) as since,
            s.value::integer as months, u.username
     from qdp.settings s join qdp.users u on u.id = qdp.current_user_id()
     where s.key = 'audit_retention_months'`,
  );
  const c = context.rows[0]!;
  return {
    fiscalCode: code,
    generatedAt: c.generated_at,
    since: c.since,
    retentionMonths: c.months,
    requestedBy: c.username,
    entries: rows.map((r) => ({
      at: r.at,
      auditId: r.audit_id,
      username: r.username,
      displayName: r.display_name,
      role: r.role,
      istatCode: r.istat_code,
      municipality: r.municipality,
      gpCode: r.gp_code,
      gpName: r.gp_name,
      action: r.action,
      importId: r.import_id,
      fields: r.fields ?? [],
      purpose: r.purpose,
      legalBasis: r.legal_basis,
    })),
  };
}

type Texts = Record<ReportLanguage, string>;

const ROLE_LABEL: Record<string, Texts> = {
  admin: { it: 'Amministratore', en: 'Administrator' },
  staff: { it: 'Operatore del Dipartimento di Prevenzione', en: 'Public-health staff' },
  prefecture: { it: 'Prefettura', en: 'Prefecture' },
  municipality: { it: 'Comune', en: 'Municipality' },
  gp: { it: 'Medico di medicina generale', en: 'General practitioner' },
};

const ACTION_LABEL: Record<string, Texts> = {
  'patient.view': { it: 'Scheda della persona', en: 'Patient page' },
  'list.view': { it: 'Elenco che mostrava la persona', en: 'List that showed the person' },
  'list.search': { it: 'Ricerca che mostrava la persona', en: 'Search that showed the person' },
  'list.export': { it: 'Esportazione CSV con la persona', en: 'CSV export with the person' },
  'access.report': { it: 'Report degli accessi', en: 'Access report' },
};

/** A patient's fields as the report names them. */
export const REPORT_FIELD_LABEL: Record<string, Texts> = {
  fiscal_code: { it: 'codice fiscale', en: 'fiscal code' },
  surname: { it: 'cognome', en: 'surname' },
  name: { it: 'nome', en: 'name' },
  sex: { it: 'sesso', en: 'sex' },
  birth_date: { it: 'data di nascita', en: 'date of birth' },
  residence_istat: { it: 'codice ISTAT di residenza', en: 'municipality code' },
  residence_name: { it: 'comune di residenza', en: 'municipality' },
  address: { it: 'indirizzo', en: 'address' },
  phone: { it: 'telefono', en: 'phone' },
  gp_code: { it: 'codice del medico', en: 'GP code' },
  gp_name: { it: 'medico', en: 'GP' },
  reason: { it: 'motivo', en: 'reason' },
  start_date: { it: 'inizio', en: 'start' },
  end_date: { it: 'fine', en: 'end' },
  change: { it: 'variazione', en: 'change' },
};

const TEXT = {
  it: {
    title: 'Report degli accessi ai dati di una persona',
    law: 'Regolamento (UE) 2016/679, art. 15',
    person: 'Persona (codice fiscale)',
    window: 'Periodo',
    windowValue: (from: string, to: string, months: number) =>
      `dal ${from} al ${to} (conservazione dei registri: ${months} mesi)`,
    generated: 'Prodotto il',
    by: 'da',
    count: 'Accessi',
    none: 'Nessun accesso ai dati di questa persona nel periodo.',
    when: 'Quando',
    user: 'Utente',
    role: 'Ruolo',
    organisation: 'Organizzazione',
    action: 'Azione',
    import: 'Importazione',
    fields: 'Campi visibili al ruolo',
    purpose: 'Finalità',
    legalBasis: 'Base giuridica',
    notes: 'Note',
    timeNote: 'Gli orari sono in ora italiana (Europe/Rome).',
    fieldsNote:
      'I campi visibili sono quelli che il ruolo poteva leggere al momento dell’accesso secondo i privilegi di colonna del database (la piattaforma ne conserva lo storico).',
    purposeNote:
      'Finalità e base giuridica sono quelle in vigore al momento dell’accesso (conservate a ogni modifica); il testo è registrato in inglese.',
    listNote:
      'Un elenco, una ricerca o un’esportazione conta come accesso quando mostrava la persona.',
    healthAuthority: 'Azienda sanitaria',
    municipalityOf: (name: string, code: string) => `Comune di ${name} (ISTAT ${code})`,
    gp: (code: string, name: string | null) => `Medico ${code}${name ? ` (${name})` : ''}`,
  },
  en: {
    title: 'Report of the accesses to a person’s data',
    law: 'Regulation (EU) 2016/679, Article 15',
    person: 'Person (fiscal code)',
    window: 'Period',
    windowValue: (from: string, to: string, months: number) =>
      `from ${from} to ${to} (access logs are kept ${months} months)`,
    generated: 'Produced on',
    by: 'by',
    count: 'Accesses',
    none: 'No access to this person’s data in the period.',
    when: 'When',
    user: 'User',
    role: 'Role',
    organisation: 'Organisation',
    action: 'Action',
    import: 'Import',
    fields: 'Fields the role could see',
    purpose: 'Purpose',
    legalBasis: 'Legal basis',
    notes: 'Notes',
    timeNote: 'Times are Italian time (Europe/Rome).',
    fieldsNote:
      'The fields are those the role could read at the time of the access under the database’s column privileges (the platform keeps their history).',
    purposeNote:
      'Purpose and legal basis are those in force at the time of the access (kept at every change).',
    listNote: 'A list, a search or an export counts as an access when it showed the person.',
    healthAuthority: 'Health authority',
    municipalityOf: (name: string, code: string) => `Municipality of ${name} (ISTAT ${code})`,
    gp: (code: string, name: string | null) => `GP ${code}${name ? ` (${name})` : ''}`,
  },
} as const;

export type ReportTexts = (typeof TEXT)[ReportLanguage];
export function reportTexts(lang: ReportLanguage): ReportTexts {
  return TEXT[lang];
}

const dateTimeFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: REPORT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `yyyy-mm-dd hh:mm:ss`, Italian time, in both languages (unambiguous). */
export function reportTime(date: Date): string {
  const part = Object.fromEntries(
    dateTimeFormat.formatToParts(date).map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`;
}

/** The cells of an entry, as a person reads them (values neutralised for display). */
export interface EntryCells {
  when: string;
  user: string;
  role: string;
  organisation: string;
  action: string;
  import: string;
  fields: string;
  purpose: string;
  legalBasis: string;
}

export function entryCells(entry: AccessEntry, lang: ReportLanguage): EntryCells {
  const t = TEXT[lang];
  const role = entry.role ?? '';
  const organisation =
    role === 'municipality'
      ? t.municipalityOf(entry.municipality ?? entry.istatCode ?? '', entry.istatCode ?? '')
      : role === 'gp'
        ? t.gp(entry.gpCode ?? '', entry.gpName)
        : role === 'prefecture'
          ? (ROLE_LABEL.prefecture?.[lang] ?? '')
          : t.healthAuthority;
  const user = entry.displayName
    ? `${entry.username} (${entry.displayName})`
    : (entry.username ?? '');
  return {
    when: reportTime(entry.at),
    user: showBidiControls(user),
    role: ROLE_LABEL[role]?.[lang] ?? role,
    organisation: showBidiControls(organisation),
    action: ACTION_LABEL[entry.action]?.[lang] ?? entry.action,
    import: entry.importId ?? '',
    fields: entry.fields.map((f) => REPORT_FIELD_LABEL[f]?.[lang] ?? f).join(', '),
    purpose: entry.purpose ?? '',
    legalBasis: entry.legalBasis ?? '',
  };
}

export const ENTRY_COLUMNS: readonly (keyof EntryCells)[] = [
  'when',
  'user',
  'role',
  'organisation',
  'action',
  'import',
  'fields',
  'purpose',
  'legalBasis',
];

/** The report's heading facts, in order (label, value). */
export function reportFacts(report: AccessReport, lang: ReportLanguage): [string, string][] {
  const t = TEXT[lang];
  return [
    [t.person, report.fiscalCode],
    [
      t.window,
      t.windowValue(
        reportTime(report.since),
        reportTime(report.generatedAt),
        report.retentionMonths,
      ),
    ],
    [
      t.generated,
      `${reportTime(report.generatedAt)} ${t.by} ${showBidiControls(report.requestedBy)}`,
    ],
    [t.count, String(report.entries.length)],
  ];
}

export function reportNotes(lang: ReportLanguage): string[] {
  const t = TEXT[lang];
  return [t.timeNote, t.listNote, t.fieldsNote, t.purposeNote];
}

/** Markdown text: a value cannot open a link, a table cell or emphasis. */
function markdownText(value: string): string {
  return value.replace(/[\\`*_[\]<>|#!]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

export function accessReportMarkdown(report: AccessReport, lang: ReportLanguage): string {
  const t = TEXT[lang];
  const lines = [`# ${t.title}`, '', t.law, ''];
  for (const [label, value] of reportFacts(report, lang)) {
    lines.push(`- ${label}: ${markdownText(value)}`);
  }
  lines.push('');
  if (report.entries.length === 0) {
    lines.push(t.none);
  } else {
    lines.push(`| ${ENTRY_COLUMNS.map((c) => t[c]).join(' | ')} |`);
    lines.push(`|${ENTRY_COLUMNS.map(() => '---').join('|')}|`);
    for (const entry of report.entries) {
      const cells = entryCells(entry, lang);
      lines.push(`| ${ENTRY_COLUMNS.map((c) => markdownText(cells[c])).join(' | ')} |`);
    }
  }
  lines.push('', `## ${t.notes}`, '');
  for (const note of reportNotes(lang)) lines.push(`- ${note}`);
  return `${lines.join('\n')}\n`;
}

/**
 * CSV for spreadsheets (`;`, cells neutralised by csv-export.ts): one row per access, the time in
 * UTC (ISO 8601), the role, action and fields as codes, so the file sorts and filters.
 */
export function accessReportCsv(report: AccessReport, lang: ReportLanguage): string {
  const t = TEXT[lang];
  const lines = [
    csvLine(
      [
        `${t.when} (UTC)`,
        t.user,
        t.role,
        t.organisation,
        t.action,
        t.import,
        t.fields,
        t.purpose,
        t.legalBasis,
      ],
      SPREADSHEET_CSV,
    ),
  ];
  for (const entry of report.entries) {
    const cells = entryCells(entry, lang);
    lines.push(
      csvLine(
        [
          entry.at.toISOString(),
          cells.user,
          entry.role,
          cells.organisation,
          entry.action,
          entry.importId,
          entry.fields.join(' '),
          entry.purpose,
          entry.legalBasis,
        ],
        SPREADSHEET_CSV,
      ),
    );
  }
  return lines.join('');
}
