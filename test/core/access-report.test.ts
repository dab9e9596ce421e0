// The access report's rendering (Markdown, CSV, PDF read back with pdfjs-dist) and the fiscal
// code's check, on a fixed report of synthetic people; the database side is in
// test/db/access-report.test.ts, the command in test/cli/access-report.test.ts.
import { describe, expect, it } from 'vitest';
import {
  accessReportCsv,
  accessReportMarkdown,
  AccessReportError,
  checkFiscalCode,
  type AccessReport,
} from '../../core/access-report.ts';
import { accessReportPdf } from '../../core/access-report-pdf.ts';
import { fiscalCode } from '../../core/synth/index.ts';
import { readPdfText } from '../support/pdf-text.ts';

const PERSON = fiscalCode({
  surname: 'Sintetica',
  name: 'Maria',
  sex: 'F',
  birthYear: 1980,
  birthMonth: 1,
  birthDay: 1,
  belfiore: 'L781',
});

const REPORT: AccessReport = {
  fiscalCode: PERSON,
  generatedAt: new Date('2026-12-07T08:00:00Z'),
  since: new Date('2024-12-07T08:00:00Z'),
  retentionMonths: 24,
  requestedBy: 'admin.one',
  entries: [
    {
      at: new Date('2026-07-01T09:15:02Z'),
      auditId: '5',
      username: 'mun.a',
      displayName: '=Ufficio | *Servizi* \u202Eabc',
      role: 'municipality',
      istatCode: '023091',
      municipality: 'VERONA',
      gpCode: null,
      gpName: null,
      action: 'list.search',
      importId: '3',
      fields: ['fiscal_code', 'surname', 'phone'],
      purpose: 'Support to residents.',
      legalBasis: 'Art. 50 of D.lgs. 267/2000.',
    },
    {
      at: new Date('2026-12-01T23:30:00Z'),
      auditId: '9',
      username: 'gp.one',
      displayName: null,
      role: 'gp',
      istatCode: null,
      municipality: null,
      gpCode: 'MG00001',
      gpName: 'DOTT. SINTETICO',
      action: 'patient.view',
      importId: '4',
      fields: ['reason'],
      purpose: 'Clinical follow-up.',
      legalBasis: 'GDPR art. 9(2)(h).',
    },
  ],
};

describe('checkFiscalCode', () => {
  it('accepts a valid code, trimmed and upper-cased', () => {
    expect(checkFiscalCode(` ${PERSON.toLowerCase()} `)).toBe(PERSON);
  });

  it('says what is wrong without repeating the value', () => {
    const problems = [
      PERSON.slice(0, 15),
      `1${PERSON.slice(1)}`,
      `${PERSON.slice(0, 15)}${PERSON[15] === 'A' ? 'B' : 'A'}`,
    ].map((code) => {
      try {
        checkFiscalCode(code);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(AccessReportError);
        return (error as Error).message;
      }
    });
    expect(problems).toEqual([
      'fiscal code: must be 16 characters long (got 15)',
      'fiscal code: does not match the pattern of a fiscal code (6 letters, 2 digits, a month letter, 2 digits, a letter, 3 digits, a check letter; omocodia letters allowed in digit positions)',
      'fiscal code: the check character (the 16th) is wrong',
    ]);
  });
});

describe('the access report', () => {
  it('as Markdown, in English: values cannot open a cell, a link or emphasis', () => {
    expect(accessReportMarkdown(REPORT, 'en')).toBe(`# Report of the accesses to a person’s data

Regulation (EU) 2016/679, Article 15

- Person (fiscal code): ${PERSON}
- Period: from 2024-12-07 09:00:00 to 2026-12-07 09:00:00 (access logs are kept 24 months)
- Produced on: 2026-12-07 09:00:00 by admin.one
- Accesses: 2

| When | User | Role | Organisation | Action | Import | Fields the role could see | Purpose | Legal basis |
|---|---|---|---|---|---|---|---|---|
| 2026-07-01 11:15:02 | mun.a (=Ufficio \\| \\*Servizi\\* \\[U+202E\\]abc) | Municipality | Municipality of VERONA (ISTAT 023091) | Search that showed the person | 3 | fiscal code, surname, phone | Support to residents. | Art. 50 of D.lgs. 267/2000. |
| 2026-12-02 00:30:00 | gp.one | General practitioner | GP MG00001 (DOTT. SINTETICO) | Patient page | 4 | reason | Clinical follow-up. | GDPR art. 9(2)(h). |

## Notes

- Times are Italian time (Europe/Rome).
- A list, a search or an export counts as an access when it showed the person.
- The fields are those the role could read at the time of the access under the database’s column privileges (the platform keeps their history).
- Purpose and legal basis are those in force at the time of the access (kept at every change).
`);
  });

  it('as Markdown, in Italian, with no access', () => {
    expect(accessReportMarkdown({ ...REPORT, entries: [] }, 'it'))
      .toBe(`# Report degli accessi ai dati di una persona

Regolamento (UE) 2016/679, art. 15

- Persona (codice fiscale): ${PERSON}
- Periodo: dal 2024-12-07 09:00:00 al 2026-12-07 09:00:00 (conservazione dei registri: 24 mesi)
- Prodotto il: 2026-12-07 09:00:00 da admin.one
- Accessi: 0

Nessun accesso ai dati di questa persona nel periodo.

## Note

- Gli orari sono in ora italiana (Europe/Rome).
- Un elenco, una ricerca o un’esportazione conta come accesso quando mostrava la persona.
- I campi visibili sono quelli che il ruolo poteva leggere al momento dell’accesso secondo i privilegi di colonna del database (la piattaforma ne conserva lo storico).
- Finalità e base giuridica sono quelle in vigore al momento dell’accesso (conservate a ogni modifica); il testo è registrato in inglese.
`);
  });

  it('as CSV: codes and UTC times, cells neutralised', () => {
    expect(accessReportCsv(REPORT, 'it')).toBe(
      'Quando (UTC);Utente;Ruolo;Organizzazione;Azione;Importazione;Campi visibili al ruolo;Finalità;Base giuridica\r\n' +
        '2026-07-01T09:15:02.000Z;mun.a (=Ufficio | *Servizi* [U+202E]abc);municipality;Comune di VERONA (ISTAT 023091);list.search;3;fiscal_code surname phone;Support to residents.;Art. 50 of D.lgs. 267/2000.\r\n' +
        '2026-12-01T23:30:00.000Z;gp.one;gp;Medico MG00001 (DOTT. SINTETICO);patient.view;4;reason;Clinical follow-up.;GDPR art. 9(2)(h).\r\n',
    );
    // A cell a spreadsheet would run is neutralised.
    const formula = accessReportCsv(
      { ...REPORT, entries: [{ ...REPORT.entries[1]!, username: '=HYPERLINK("x")' }] },
      'en',
    );
    expect(formula.split('\r\n')[1]).toBe(
      `2026-12-01T23:30:00.000Z;"'=HYPERLINK(""x"")";gp;GP MG00001 (DOTT. SINTETICO);patient.view;4;reason;Clinical follow-up.;GDPR art. 9(2)(h).`,
    );
  });

  it('as a PDF in Italian, read back', async () => {
    const pdf = await readPdfText(await accessReportPdf(REPORT, 'it'));
    expect(pdf.pages).toEqual([
      `Report degli accessi ai dati di una persona
Regolamento (UE) 2016/679, art. 15
Persona (codice fiscale): ${PERSON}
Periodo: dal 2024-12-07 09:00:00 al 2026-12-07 09:00:00 (conservazione dei registri: 24 mesi)
Prodotto il: 2026-12-07 09:00:00 da admin.one
Accessi: 2
1. 2026-07-01 11:15:02 · Ricerca che mostrava la persona · Importazione 3
Utente: mun.a (=Ufficio | *Servizi* [U+202E]abc)
Ruolo: Comune
Organizzazione: Comune di VERONA (ISTAT 023091)
Campi visibili al ruolo: codice fiscale, cognome, telefono
Finalità: Support to residents.
Base giuridica: Art. 50 of D.lgs. 267/2000.
2. 2026-12-02 00:30:00 · Scheda della persona · Importazione 4
Utente: gp.one
Ruolo: Medico di medicina generale
Organizzazione: Medico MG00001 (DOTT. SINTETICO)
Campi visibili al ruolo: motivo
Finalità: Clinical follow-up.
Base giuridica: GDPR art. 9(2)(h).
Note
– Gli orari sono in ora italiana (Europe/Rome).
– Un elenco, una ricerca o un’esportazione conta come accesso quando mostrava la persona.
– I campi visibili sono quelli che il ruolo poteva leggere al momento dell’accesso secondo i privilegi di colonna
del database (la piattaforma ne conserva lo storico).
– Finalità e base giuridica sono quelle in vigore al momento dell’accesso (conservate a ogni modifica); il testo è
registrato in inglese.`,
    ]);
    expect(pdf.info.Title).toBe('Report degli accessi ai dati di una persona');
    expect(pdf.language).toBe('it-IT');
  });

  it('as a PDF in English, read back', async () => {
    const pdf = await readPdfText(
      await accessReportPdf({ ...REPORT, entries: [REPORT.entries[1]!] }, 'en'),
    );
    expect(pdf.pages).toEqual([
      `Report of the accesses to a person’s data
Regulation (EU) 2016/679, Article 15
Person (fiscal code): ${PERSON}
Period: from 2024-12-07 09:00:00 to 2026-12-07 09:00:00 (access logs are kept 24 months)
Produced on: 2026-12-07 09:00:00 by admin.one
Accesses: 1
1. 2026-12-02 00:30:00 · Patient page · Import 4
User: gp.one
Role: General practitioner
Organisation: GP MG00001 (DOTT. SINTETICO)
Fields the role could see: reason
Purpose: Clinical follow-up.
Legal basis: GDPR art. 9(2)(h).
Notes
– Times are Italian time (Europe/Rome).
– A list, a search or an export counts as an access when it showed the person.
– The fields are those the role could read at the time of the access under the database’s column privileges (the
platform keeps their history).
– Purpose and legal basis are those in force at the time of the access (kept at every change).`,
    ]);
    expect(pdf.info.Title).toBe('Report of the accesses to a person’s data');
    expect(pdf.language).toBe('en-GB');
  });

  it('the same report makes the same PDF bytes', async () => {
    const [a, b] = await Promise.all([
      accessReportPdf(REPORT, 'en'),
      accessReportPdf(REPORT, 'en'),
    ]);
    expect(a.equals(b)).toBe(true);
  });
});
