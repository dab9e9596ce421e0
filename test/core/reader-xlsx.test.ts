import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileRejectedError,
  inspectFile,
  openDailyFile,
  type Row,
} from '../../core/reader/index.ts';
import {
  cellText,
  openFirstSheet,
  plainNumber,
  XLSX_OPEN_ATTEMPTS,
} from '../../core/reader/xlsx.ts';
import { DEFAULT_LIMITS } from '../../contracts/daily-file.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'qdp-reader-xlsx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const next = (name = `daily-${++counter}.xlsx`) => path.join(dir, name);

const HEADER = [
  'Codice Fiscale',
  'COGNOME',
  'NOME',
  'SESSO',
  'DATA_NASCITA',
  'COD_ISTAT_RESIDENZA',
  'COMUNE_RESIDENZA',
  'TELEFONO',
  'TIPO_QUARANTENA',
  'DATA_INIZIO',
  'DATA_FINE',
];

async function workbook(rows: ExcelJS.CellValue[][], extraSheet = false): Promise<string> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Quarantene');
  for (const row of rows) sheet.addRow(row);
  if (extraSheet) book.addWorksheet('Altro').addRow(['CF', 'NOTHING']);
  const filePath = next();
  await book.xlsx.writeFile(filePath);
  return filePath;
}

async function read(filePath: string, limits = DEFAULT_LIMITS) {
  const daily = await openDailyFile(filePath, await inspectFile(filePath), limits);
  const rows: Row[] = [];
  for await (const batch of daily.rows) rows.push(...batch);
  return { header: daily.header, rows };
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

/** A minimal zip writer, so that hostile archives are built byte for byte. */
function zip(entries: { name: string; data: Buffer; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, declaredSize } of entries) {
    const compressed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const size = declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

function zipFile(entries: Parameters<typeof zip>[0]): string {
  const filePath = next();
  writeFileSync(filePath, zip(entries));
  return filePath;
}

describe('reading an .xlsx', () => {
  it('reads the first sheet: dates, serial dates, numeric ISTAT codes, plain numbers, rich text and formulas', async () => {
    const filePath = await workbook(
      [
        HEADER,
        [
          'TSTPRS80A01L781X',
          'PROVA',
          { richText: [{ text: 'PRI' }, { text: 'MO' }] },
          'M',
          new Date(Date.UTC(1980, 0, 1)),
          23091,
          'VERONA',
          3330000001,
          'POSITIVO',
          44136, // 2020-11-01 as an Excel serial number in a general-format cell
          { formula: 'J2+10', result: 44146 },
        ],
        [],
        [
          'TSTSCN85B41L781Y',
          'PROVA',
          'SECONDA',
          'F',
          '01/02/1985',
          '023044',
          null,
          1e21,
          'CONTATTO',
          '2020-11-02',
          20201112,
        ],
      ],
      true,
    );
    const { header, rows } = await read(filePath);
    expect(header).toEqual({
      found: [
        'CODICE_FISCALE',
        'COGNOME',
        'NOME',
        'SESSO',
        'DATA_NASCITA',
        'COD_ISTAT_RESIDENZA',
        'COMUNE_RESIDENZA',
        'TELEFONO',
        'MOTIVO',
        'DATA_INIZIO',
        'DATA_FINE',
      ],
      missing: ['INDIRIZZO_RESIDENZA', 'COD_MEDICO', 'MEDICO'],
      columns: [0, 1, 2, 3, 4, 5, 6, 8, 11, 12, 13],
    });
    const n = null;
    expect(rows).toEqual([
      {
        lineNo: 2,
        values: [
          'TSTPRS80A01L781X',
          'PROVA',
          'PRIMO',
          'M',
          '1980-01-01',
          '023091',
          'VERONA',
          n,
          '3330000001',
          n,
          n,
          'POSITIVO',
          '2020-11-01',
          '2020-11-11',
        ],
      },
      {
        lineNo: 4,
        values: [
          'TSTSCN85B41L781Y',
          'PROVA',
          'SECONDA',
          'F',
          '01/02/1985',
          '023044',
          '',
          n,
          '1000000000000000000000',
          n,
          n,
          'CONTATTO',
          '2020-11-02',
          '20201112',
        ],
      },
    ]);
  });

  it('converts cell values to text as documented', () => {
    expect(plainNumber(0.0000001)).toBe('0.0000001');
    expect(plainNumber(12.5)).toBe('12.5');
    expect(plainNumber(-3)).toBe('-3');
    expect(cellText(23091.5, 'istat_code')).toBe('23091.5');
    expect(cellText(0, 'date')).toBe('0');
    expect(cellText(2_958_466, 'date')).toBe('2958466');
    expect(cellText(true, 'text')).toBe('TRUE');
    expect(cellText({ error: '#N/A' } as ExcelJS.CellErrorValue, 'text')).toBe('#N/A');
    expect(cellText({ text: 'LINK', hyperlink: 'http://example.org' }, 'text')).toBe('LINK');
  });

  it('opens the file again while exceljs loses its race (issue #3064), and only then', async () => {
    const race = () => new TypeError("Cannot read properties of undefined (reading 'sheets')");
    /** An opener whose first `failures` attempts fail with `failure`, then find `sheet`. */
    const opener = (failures: number, failure: () => Error) => {
      let calls = 0;
      const open = () => {
        calls += 1;
        const fails = calls <= failures;
        return {
          next: async () => {
            if (fails) throw failure();
            return { done: false, value: 'sheet' };
          },
        } as AsyncIterator<unknown>;
      };
      return { open, calls: () => calls };
    };
    const twice = opener(XLSX_OPEN_ATTEMPTS - 1, race);
    expect(await openFirstSheet(twice.open)).toBe('sheet');
    expect(twice.calls()).toBe(XLSX_OPEN_ATTEMPTS);
    const always = opener(Infinity, race);
    await expect(openFirstSheet(always.open)).rejects.toThrow(
      new FileRejectedError(
        "not a readable xlsx file: Cannot read properties of undefined (reading 'sheets')",
      ),
    );
    expect(always.calls()).toBe(XLSX_OPEN_ATTEMPTS);
    const other = opener(1, () => new TypeError('something else'));
    await expect(openFirstSheet(other.open)).rejects.toThrow(
      'not a readable xlsx file: something else',
    );
    expect(other.calls()).toBe(1);
  });

  it('refuses a sheet without required columns, and an empty sheet', async () => {
    expect(
      await rejection(
        await workbook([
          ['CF', 'COGNOME'],
          ['X', 'Y'],
        ]),
      ),
    ).toBe(
      'missing required columns: NOME, SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, MOTIVO, DATA_INIZIO, DATA_FINE (found: CODICE_FISCALE, COGNOME)',
    );
    expect(await rejection(await workbook([]))).toBe('the file is empty');
  });

  it('refuses more zip entries than the limit', async () => {
    const filePath = await workbook([HEADER]);
    const limits = { ...DEFAULT_LIMITS, xlsxMaxEntries: 3 };
    // One central directory header per entry.
    const entries = readFileSync(filePath).toString('latin1').split('PK\u0001\u0002').length - 1;
    expect(await rejection(filePath, limits)).toBe(
      `xlsx has ${entries} entries, more than the limit of 3`,
    );
    const many = zipFile(
      Array.from({ length: 12_000 }, (_, i) => ({ name: `x/${i}`, data: Buffer.from('') })),
    );
    expect(await rejection(many)).toBe('xlsx has 12000 entries, more than the limit of 10000');
  });

  it('refuses a highly compressible entry (zip bomb) by its ratio and by its unzipped size', async () => {
    const bomb = zipFile([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(5_000_000, 0x20) },
    ]);
    const ratio = Number(((5_000_000 + 11) / statSync(bomb).size).toFixed(1));
    expect(ratio).toBeGreaterThan(100);
    expect(await rejection(bomb)).toBe(
      `xlsx compression ratio ${ratio}:1 exceeds the limit of 100:1`,
    );
    expect(await rejection(bomb, { ...DEFAULT_LIMITS, xlsxMaxUnzippedBytes: 1_000_000 })).toBe(
      'xlsx unzipped size 5000011 bytes exceeds the limit of 1000000 bytes',
    );
  });

  it('refuses an entry that unzips to more than it declares', async () => {
    const liar = zipFile([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(300_000, 0x41), declaredSize: 1000 },
    ]);
    expect(await rejection(liar)).toBe(
      'not a readable xlsx file: too many bytes in the stream. expected 1000. got at least 16384',
    );
  });

  it('refuses corrupt files and zips that are not workbooks', async () => {
    const garbage = next();
    writeFileSync(garbage, 'this is not a zip file at all, just text');
    expect(await rejection(garbage)).toBe(
      'not a readable xlsx file: End of central directory record signature not found. Either not a zip file, or file is truncated.',
    );
    const notBook = zipFile([{ name: 'hello.txt', data: Buffer.from('hello') }]);
    expect(await rejection(notBook)).toBe('not a readable xlsx file: it has no xl/workbook.xml');
    const broken = zipFile([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(
          '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"<<',
        ),
      },
    ]);
    expect(await rejection(broken)).toBe(
      'not a readable xlsx file: 1:73: disallowed character in attribute name.',
    );
  });
});
