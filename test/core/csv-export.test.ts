import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import {
  csvField,
  csvLine,
  machineCsvField,
  SPREADSHEET_CSV,
  spreadsheetCsvField,
  type CsvFormat,
} from '../../core/csv-export.ts';
import { rejectsReportCsv, rejectsReportText, type RejectLine } from '../../core/rejects-report.ts';

// Values a spreadsheet would run (formula starters) or show reordered (bidirectional controls).
const HOSTILE = ['=1+1', '+39 045 8001234', '-2', '@SUM(A1)', '\tx', '\rx', 'ROSSI\u202Efdp.exe'];
const MACHINE_COMMA: CsvFormat = { mode: 'machine', delimiter: ',', lineEnd: '\r\n' };

describe('spreadsheet mode', () => {
  it('neutralises what a spreadsheet would run as a formula', () => {
    expect(HOSTILE.map(spreadsheetCsvField)).toEqual([
      "'=1+1",
      "'+39 045 8001234",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
      'ROSSI[U+202E]fdp.exe',
    ]);
  });

  it('quotes either delimiter, quotes and newlines, and leaves plain text alone', () => {
    expect(
      csvLine(['ROSSI', 'a;b', 'a,b', 'say "hi"', 'two\nlines', null, 3], SPREADSHEET_CSV),
    ).toBe('ROSSI;"a;b";"a,b";"say ""hi""";"two\nlines";;3\r\n');
  });

  it('shows bidirectional controls as markers, keeps a 5,000-character value whole', () => {
    expect(spreadsheetCsvField('\u2067=1+1\u2069')).toBe('[U+2067]=1+1[U+2069]');
    expect(spreadsheetCsvField('=A1\u202E')).toBe("'=A1[U+202E]");
    expect(spreadsheetCsvField('A'.repeat(5000))).toBe('A'.repeat(5000));
    expect(spreadsheetCsvField(new Date(Date.UTC(2021, 2, 4)))).toBe('2021-03-04T00:00:00.000Z');
  });
});

describe('machine mode', () => {
  it('writes the hostile values exactly (quoting only the carriage return)', () => {
    expect(HOSTILE.map((value) => machineCsvField(value, ','))).toEqual([
      '=1+1',
      '+39 045 8001234',
      '-2',
      '@SUM(A1)',
      '\tx',
      '"\rx"',
      'ROSSI\u202Efdp.exe',
    ]);
    expect(HOSTILE.map((value) => csvField(value, MACHINE_COMMA))).toEqual(
      HOSTILE.map((value) => machineCsvField(value, ',')),
    );
  });

  it('quotes its own delimiter only, quotes, line breaks and edge spaces', () => {
    expect(machineCsvField('VIA ROMA 1', ';')).toBe('VIA ROMA 1');
    expect(machineCsvField('VIA ROMA, 1', ';')).toBe('VIA ROMA, 1');
    expect(machineCsvField('VIA ROMA, 1', ',')).toBe('"VIA ROMA, 1"');
    expect(machineCsvField('A;B', ';')).toBe('"A;B"');
    expect(machineCsvField('A;B', ',')).toBe('A;B');
    expect(machineCsvField('DETTO "IL ROSSO"', ';')).toBe('"DETTO ""IL ROSSO"""');
    expect(machineCsvField('A\nB', ';')).toBe('"A\nB"');
    expect(machineCsvField('   ', ';')).toBe('"   "');
    expect(machineCsvField('', ';')).toBe('');
    expect(machineCsvField(null, ';')).toBe('');
    expect(csvLine([7, 'a', null, 'b c'], { mode: 'machine', delimiter: ';', lineEnd: '\n' })).toBe(
      '7;a;;b c\n',
    );
  });

  it('reads back as written with a CSV parser, every value equal', () => {
    const values = [...HOSTILE, 'VIA ROMA, 1', 'DETTO "IL ROSSO"', 'A\nB', ' edge ', ''];
    const parsed = Papa.parse<string[]>(csvLine(values, MACHINE_COMMA), { delimiter: ',' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data[0]).toEqual(values);
  });
});

describe('rejects report', () => {
  const lines: RejectLine[] = [
    { line: 0, field: null, reason: 'missing required columns: SESSO' },
    { line: 4, field: 'COD_ISTAT_RESIDENZA', reason: 'must be 6 digits: "-12"' },
    { line: 9, field: 'SESSO', reason: 'must be M or F' },
  ];

  it('is one spreadsheet CSV with its header', () => {
    expect(rejectsReportCsv(lines).join('')).toBe(
      'line;field;reason\r\n' +
        '0;;missing required columns: SESSO\r\n' +
        '4;COD_ISTAT_RESIDENZA;"must be 6 digits: ""-12"""\r\n' +
        '9;SESSO;must be M or F\r\n',
    );
    expect(rejectsReportCsv([]).join('')).toBe('line;field;reason\r\n');
  });

  it('is one console line per rejected field, or says there are none', () => {
    expect(rejectsReportText(7, lines).join('')).toBe(
      'line 0: missing required columns: SESSO\n' +
        'line 4 COD_ISTAT_RESIDENZA: must be 6 digits: "-12"\n' +
        'line 9 SESSO: must be M or F\n',
    );
    expect(rejectsReportText(7, []).join('')).toBe('import 7 has no rejected lines\n');
  });
});
