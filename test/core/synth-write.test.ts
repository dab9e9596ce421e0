import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { COLUMNS, planSyntheticDay } from '../../core/synth/generate.ts';
import { XLSX_SHEET, csvLine, formatDay, writeSyntheticDailyFile } from '../../core/synth/write.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'qdp-synth-'));
const file = (name: string) => path.join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV formatting', () => {
  it('writes dates as dd/mm/yyyy, the other fields in core/csv-export.ts machine mode', () => {
    expect(formatDay(Date.UTC(2021, 0, 4) / 86_400_000)).toBe('04/01/2021');
    expect(formatDay(Date.UTC(1930, 11, 31) / 86_400_000)).toBe('31/12/1930');
    expect(csvLine(['A', 18_631, 'B, C'], ',')).toBe('A,04/01/2021,"B, C"\n');
    expect(csvLine(['+39 045 800 1234', '-', 18_631], ';')).toBe('+39 045 800 1234;-;04/01/2021\n');
  });
});

describe('writeSyntheticDailyFile', () => {
  it('refuses bad options, naming each', async () => {
    await expect(
      writeSyntheticDailyFile({
        rows: 1,
        seed: 1,
        format: 'ods' as 'csv',
        delimiter: '|' as ';',
        outFile: '',
      }),
    ).rejects.toThrow(
      "invalid synthetic file options: format must be 'csv' or 'xlsx' (got ods); " +
        "delimiter must be ',' or ';' (got |); outFile must be a file path",
    );
    await expect(
      writeSyntheticDailyFile({ rows: 1, seed: 1, format: 'csv', outFile: '/nonexistent/x.csv' }),
    ).rejects.toThrow("ENOENT: no such file or directory, open '/nonexistent/x.csv'");
  });

  it('writes a semicolon CSV, UTF-8 without BOM, the same bytes for the same options', async () => {
    const options = { rows: 2_000, seed: 'csv', day: 3, format: 'csv', outFile: '' } as const;
    const a = await writeSyntheticDailyFile({ ...options, outFile: file('a.csv') });
    const b = await writeSyntheticDailyFile({ ...options, outFile: file('b.csv') });
    const c = await writeSyntheticDailyFile({ ...options, seed: 'other', outFile: file('c.csv') });
    expect(a).toEqual({ rows: 2_000, badRows: 40, file: file('a.csv') });
    expect(b.file).toBe(file('b.csv'));
    expect(c.rows).toBe(2_000);
    const bytes = readFileSync(file('a.csv'));
    expect(bytes.equals(readFileSync(file('b.csv')))).toBe(true);
    expect(bytes.equals(readFileSync(file('c.csv')))).toBe(false);
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'CODICE_FISCALE;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;COMUNE_RESIDENZA;' +
        'INDIRIZZO_RESIDENZA;TELEFONO;COD_MEDICO;MEDICO;MOTIVO;DATA_INIZIO;DATA_FINE',
    );
    expect(lines.length).toBe(2_002); // header, rows, and the empty string after the last \n
    expect(lines[2_001]).toBe('');
    const expected = [...planSyntheticDay({ rows: 2_000, seed: 'csv', day: 3 }).rows()];
    expect(text).toBe(
      `${COLUMNS.join(';')}\n${expected.map((r) => csvLine(r.fields, ';')).join('')}`,
    );
  });

  it('quotes fields holding the delimiter when writing with commas', async () => {
    await writeSyntheticDailyFile({
      rows: 1_000,
      seed: 'comma',
      format: 'csv',
      delimiter: ',',
      outFile: file('comma.csv'),
    });
    const text = readFileSync(file('comma.csv'), 'utf8');
    const parsed = Papa.parse<string[]>(text, { delimiter: ',', skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.length).toBe(1_001);
    expect(parsed.data.every((row) => row.length === 14)).toBe(true);
    const quoted = parsed.data.filter((row) => row[7]?.includes(','));
    expect(quoted.length).toBeGreaterThan(50);
    expect(text).toContain(`,"${quoted[0]?.[7]}",`);
  });

  it('writes an XLSX whose first sheet has the headers, the rows and real dates', async () => {
    const options = { rows: 600, seed: 'xlsx', day: 2, format: 'xlsx', outFile: '' } as const;
    const result = await writeSyntheticDailyFile({ ...options, outFile: file('a.xlsx') });
    await writeSyntheticDailyFile({ ...options, outFile: file('b.xlsx') });
    expect(result).toEqual({ rows: 600, badRows: 12, file: file('a.xlsx') });
    expect(readFileSync(file('a.xlsx')).equals(readFileSync(file('b.xlsx')))).toBe(true);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file('a.xlsx'));
    const sheet = workbook.worksheets[0];
    expect(sheet?.name).toBe(XLSX_SHEET);
    expect(sheet?.rowCount).toBe(601);
    expect((sheet?.getRow(1).values as unknown[]).slice(1)).toEqual([...COLUMNS]);
    const expected = [...planSyntheticDay({ rows: 600, seed: 'xlsx', day: 2 }).rows()];
    expected.forEach((row, i) => {
      const cells = (sheet?.getRow(i + 2).values as unknown[]).slice(1);
      const want = row.fields.map((v) =>
        typeof v === 'number' ? new Date(v * 86_400_000) : v === '' ? undefined : v,
      );
      // exceljs drops trailing empty cells.
      while (want.length > 0 && want[want.length - 1] === undefined) want.pop();
      expect(cells).toEqual(want);
    });
    const first = sheet?.getRow(2);
    expect(first?.getCell(5).value).toBeInstanceOf(Date);
    expect(first?.getCell(13).value).toBeInstanceOf(Date);
    expect(first?.getCell(13).numFmt).toBe('dd/mm/yyyy');
  });
});
