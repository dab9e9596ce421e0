import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileRejectedError,
  inspectFile,
  openDailyFile,
  type Row,
} from '../../core/reader/index.ts';
import { DEFAULT_LIMITS } from '../../contracts/daily-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'qdp-reader-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(content: string | Buffer, name = `daily-${++counter}.csv`): string {
  const filePath = path.join(dir, name);
  writeFileSync(filePath, content);
  return filePath;
}

const HEADER =
  'CODICE_FISCALE;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;COMUNE_RESIDENZA;INDIRIZZO_RESIDENZA;TELEFONO;COD_MEDICO;MEDICO;MOTIVO;DATA_INIZIO;DATA_FINE';
// Synthetic people only.
const ROW_1 =
  'TSTPRS80A01L781X;PROVA;PRIMO;M;01/01/1980;023091;VERONA;VIA ROMA 1;3330000001;MMG001;DR. FINTO UNO;POSITIVO;01/11/2020;11/11/2020';
const ROW_2 =
  'TSTSCN85B41L781Y;PROVA;SECONDA;F;1985-02-01;023044;LEGNAGO;;;;;CONTATTO;2020-11-02;2020-11-12';
const VALUES_1 = ROW_1.split(';');
const VALUES_2 = ROW_2.split(';');

async function read(filePath: string, limits = DEFAULT_LIMITS) {
  const inspected = await inspectFile(filePath);
  const daily = await openDailyFile(filePath, inspected, limits);
  const rows: Row[] = [];
  for await (const batch of daily.rows) rows.push(...batch);
  return {
    inspected,
    header: daily.header,
    rows: rows.map(({ lineNo, values }) => ({ lineNo, values })),
  };
}

async function rejection(filePath: string, limits = DEFAULT_LIMITS): Promise<string> {
  try {
    await read(filePath, limits);
  } catch (error) {
    if (error instanceof FileRejectedError) return error.reason;
    throw error;
  }
  throw new Error('the file was not rejected');
}

describe('inspectFile', () => {
  it('hashes the file and finds strict UTF-8', async () => {
    const content = `${HEADER}\n${ROW_1}\nTSTPRS80A01L781X;NICOLÒ\n`;
    const filePath = file(content);
    expect(await inspectFile(filePath)).toEqual({
      sha256: createHash('sha256').update(content).digest('hex'),
      sizeBytes: Buffer.byteLength(content),
      format: 'csv',
      encoding: 'utf-8',
    });
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8, even at the very end', async () => {
    expect((await inspectFile(file(Buffer.from([0x41, 0x3b, 0xc8, 0x0a])))).encoding).toBe(
      'windows-1252',
    );
    // A multi-byte sequence cut at the end of the file.
    expect((await inspectFile(file(Buffer.from([0x41, 0xc3])))).encoding).toBe('windows-1252');
  });

  it('takes the format from the extension, in any case, and refuses other extensions', async () => {
    const upper = file('x', 'DAILY.CSV');
    expect((await inspectFile(upper)).format).toBe('csv');
    const xlsx = file('x', 'daily.XLSX');
    expect(await inspectFile(xlsx)).toEqual({
      sha256: createHash('sha256').update('x').digest('hex'),
      sizeBytes: 1,
      format: 'xlsx',
      encoding: null,
    });
    await expect(inspectFile(file('x', 'daily.txt'))).rejects.toThrow(
      new FileRejectedError('unsupported file type ".txt": the daily file must be .csv or .xlsx'),
    );
    await expect(inspectFile(file('x', 'daily'))).rejects.toThrow(
      'unsupported file type "daily": the daily file must be .csv or .xlsx',
    );
  });
});

describe('reading a .csv', () => {
  it('reads a semicolon file into transit column order with physical line numbers', async () => {
    const { header, rows } = await read(file(`${HEADER}\n${ROW_1}\n${ROW_2}\n`));
    expect(header.found).toHaveLength(14);
    expect(header.missing).toEqual([]);
    expect(rows).toEqual([
      { lineNo: 2, values: VALUES_1 },
      { lineNo: 3, values: VALUES_2 },
    ]);
  });

  it('reads a comma file the same way, with CRLF line ends and no final newline', async () => {
    const comma = [HEADER, ROW_1, ROW_2].map((l) => l.replaceAll(';', ',')).join('\r\n');
    const { rows } = await read(file(comma));
    expect(rows).toEqual([
      { lineNo: 2, values: VALUES_1 },
      { lineNo: 3, values: VALUES_2 },
    ]);
  });

  it('strips a UTF-8 BOM before matching the header', async () => {
    const { header, rows } = await read(file(`\ufeff${HEADER}\n${ROW_1}\n`));
    expect(header.found[0]).toBe('CODICE_FISCALE');
    expect(rows).toEqual([{ lineNo: 2, values: VALUES_1 }]);
  });

  it('decodes Windows-1252 (È = 0xC8, à = 0xE0)', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${HEADER}\nTSTPRS80A01L781X;D`),
      Buffer.from([0xe0]),
      Buffer.from(';'),
      Buffer.from([0xc8]),
      Buffer.from('VA;F;01/01/1980;023091;;;;;;CONTATTO;01/11/2020;11/11/2020\n'),
    ]);
    const { inspected, rows } = await read(file(bytes));
    expect(inspected.encoding).toBe('windows-1252');
    expect(rows[0]?.values.slice(0, 3)).toEqual(['TSTPRS80A01L781X', 'Dà', 'ÈVA']);
  });

  it('reads quoted fields with delimiters, doubled quotes and newlines, numbering lines as in the file', async () => {
    const content = [
      `"CODICE_FISCALE";"COGNOME";"NOME";SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;INDIRIZZO_RESIDENZA;MOTIVO;DATA_INIZIO;DATA_FINE`,
      `TSTPRS80A01L781X;PROVA;PRIMO;M;01/01/1980;023091;"VIA ROMA; 1`,
      `SCALA ""B""";POSITIVO;01/11/2020;11/11/2020`,
      ``,
      `TSTSCN85B41L781Y;"D'ARCO";"";F;1985-02-01;023044;"VIA ""X""";CONTATTO;2020-11-02;2020-11-12`,
      `"TSTTRZ90C01L781Z"x;PROVA;TERZO;M;1990-03-01;023091;"A\r\nB";CONTATTO;2020-11-03;2020-11-13`,
      `TSTQRT70D01L781W;PROVA;QUARTO;M;1970-04-01;023091;VIA "NUOVA";CONTATTO;2020-11-04;2020-11-14`,
    ].join('\n');
    const { header, rows } = await read(file(content));
    expect(header.missing).toEqual(['COMUNE_RESIDENZA', 'TELEFONO', 'COD_MEDICO', 'MEDICO']);
    const n = null;
    expect(rows).toEqual([
      {
        lineNo: 2,
        values: [
          'TSTPRS80A01L781X',
          'PROVA',
          'PRIMO',
          'M',
          '01/01/1980',
          '023091',
          n,
          'VIA ROMA; 1\nSCALA "B"',
          n,
          n,
          n,
          'POSITIVO',
          '01/11/2020',
          '11/11/2020',
        ],
      },
      {
        lineNo: 5,
        values: [
          'TSTSCN85B41L781Y',
          "D'ARCO",
          '',
          'F',
          '1985-02-01',
          '023044',
          n,
          'VIA "X"',
          n,
          n,
          n,
          'CONTATTO',
          '2020-11-02',
          '2020-11-12',
        ],
      },
      {
        lineNo: 6,
        values: [
          'TSTTRZ90C01L781Zx',
          'PROVA',
          'TERZO',
          'M',
          '1990-03-01',
          '023091',
          n,
          'A\r\nB',
          n,
          n,
          n,
          'CONTATTO',
          '2020-11-03',
          '2020-11-13',
        ],
      },
      {
        lineNo: 8,
        values: [
          'TSTQRT70D01L781W',
          'PROVA',
          'QUARTO',
          'M',
          '1970-04-01',
          '023091',
          n,
          'VIA "NUOVA"',
          n,
          n,
          n,
          'CONTATTO',
          '2020-11-04',
          '2020-11-14',
        ],
      },
    ]);
  });

  it('passes short and long rows on: missing values are null, extra ones are ignored', async () => {
    const { rows } = await read(
      file(`${HEADER}\nTSTPRS80A01L781X;PROVA\n${ROW_1};EXTRA;MORE\n;;\n`),
    );
    expect(rows).toEqual([
      { lineNo: 2, values: ['TSTPRS80A01L781X', 'PROVA', ...Array(12).fill(null)] },
      { lineNo: 3, values: VALUES_1 },
      { lineNo: 4, values: ['', '', '', ...Array(11).fill(null)] },
    ]);
  });

  it('skips blank lines but keeps counting them', async () => {
    const { rows } = await read(file(`\n\r\n${HEADER}\n\n${ROW_1}\n\n\n${ROW_2}\n\n`));
    expect(rows.map((r) => r.lineNo)).toEqual([5, 8]);
  });

  it('gives no rows for a header alone (the SQL decides what that means)', async () => {
    expect((await read(file(`${HEADER}\n`))).rows).toEqual([]);
  });

  it('keeps line numbers right across read chunks, with records straddling them', async () => {
    const lines = [HEADER];
    const expected: number[] = [];
    let line = 2;
    for (let i = 0; i < 30_000; i++) {
      expected.push(line);
      if (i % 7 === 0) {
        lines.push(ROW_1.replace('VIA ROMA 1', `"VIA ROMA\n${i}; ""A"""`));
        line += 2;
      } else {
        lines.push(ROW_2);
        line += 1;
      }
    }
    const { rows } = await read(file(lines.join('\n')));
    expect(rows.length).toBe(30_000);
    expect(rows.map((r) => r.lineNo)).toEqual(expected);
    expect(rows[7]?.values[7]).toBe('VIA ROMA\n7; "A"');
    expect(rows[29_999]?.values).toEqual(VALUES_2);
  });

  it('refuses a file without required columns, saying what is missing and what was found', async () => {
    expect(
      await rejection(
        file('CF;COGNOME;NOME;SESSO;DATA_NASCITA;COD_ISTAT_RESIDENZA;DATA_INIZIO;TIPO\nX;Y\n'),
      ),
    ).toBe(
      'missing required columns: MOTIVO, DATA_FINE (found: CODICE_FISCALE, COGNOME, NOME, SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, DATA_INIZIO; not recognised: TIPO)',
    );
  });

  it('refuses a header in which two columns mean the same field', async () => {
    expect(await rejection(file(`${HEADER};CF\n${ROW_1}\n`))).toBe(
      'column CODICE_FISCALE appears more than once (as "CODICE_FISCALE", "CF")',
    );
  });

  it('refuses an empty file, or one holding only a BOM and blank lines', async () => {
    expect(await rejection(file(''))).toBe('the file is empty');
    expect(await rejection(file('\ufeff\r\n\n'))).toBe('the file is empty');
  });

  it('refuses a file over the size limit', async () => {
    const filePath = file(`${HEADER}\n${ROW_1}\n`);
    const size = Buffer.byteLength(`${HEADER}\n${ROW_1}\n`);
    expect(await rejection(filePath, { ...DEFAULT_LIMITS, maxFileBytes: 100 })).toBe(
      `the file has ${size} bytes, more than the limit of 100 bytes`,
    );
  });

  it('refuses a quote left open to the end of the file', async () => {
    expect(await rejection(file(`${HEADER}\n${ROW_1}\nTSTPRS80A01L781X;"PROVA\n${ROW_2}\n`))).toBe(
      'line 3: a quoted field is not closed before the end of the file',
    );
  });

  it('refuses a record longer than the limit instead of buffering it', async () => {
    const limits = { ...DEFAULT_LIMITS, csvMaxRecordChars: 1000 };
    const long = `${HEADER}\n${ROW_1}\nTSTPRS80A01L781X;"${'A\n'.repeat(300_000)}`;
    expect(await rejection(file(long), limits)).toBe(
      'line 3: a record longer than 1000 characters (an unclosed quote?)',
    );
    expect(await rejection(file('A'.repeat(300_000)), limits)).toBe(
      'line 1: a record longer than 1000 characters (an unclosed quote?)',
    );
  });
});
