// Writes a synthetic daily file: CSV streamed with backpressure, or XLSX with exceljs's streaming
// writer (sheet 'Quarantene', real date cells).
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { machineCsvField, type CsvDelimiter } from '../csv-export.ts';
import {
  COLUMNS,
  DATE_COLUMNS,
  checkSyntheticDayOptions,
  planSyntheticDay,
  type Field,
  type SyntheticDayOptions,
} from './generate.ts';

export interface WriteSyntheticOptions extends SyntheticDayOptions {
  format: 'csv' | 'xlsx';
  outFile: string;
  /** CSV only. @default ';' */
  delimiter?: CsvDelimiter;
}

export interface WriteSyntheticResult {
  rows: number;
  badRows: number;
  file: string;
}

export const XLSX_SHEET = 'Quarantene';

/** Every problem with the options, each naming the option (empty when valid). */
export function checkWriteSyntheticOptions(options: WriteSyntheticOptions): string[] {
  const problems = checkSyntheticDayOptions(options);
  if (options.format !== 'csv' && options.format !== 'xlsx') {
    problems.push(`format must be 'csv' or 'xlsx' (got ${String(options.format)})`);
  }
  if (options.delimiter !== undefined && options.delimiter !== ',' && options.delimiter !== ';') {
    problems.push(`delimiter must be ',' or ';' (got ${String(options.delimiter)})`);
  }
  if (typeof options.outFile !== 'string' || options.outFile === '') {
    problems.push('outFile must be a file path');
  }
  return problems;
}

/** Writes one day's synthetic file; the same options always give the same bytes. */
export async function writeSyntheticDailyFile(
  options: WriteSyntheticOptions,
): Promise<WriteSyntheticResult> {
  const problems = checkWriteSyntheticOptions(options);
  if (problems.length > 0) {
    throw new Error(`invalid synthetic file options: ${problems.join('; ')}`);
  }
  const plan = planSyntheticDay(options);
  if (options.format === 'csv') {
    await writeCsv(options.outFile, plan.rows(), options.delimiter ?? ';');
  } else {
    await writeXlsx(options.outFile, plan.rows());
  }
  return { rows: plan.goodRows + plan.badRows, badRows: plan.badRows, file: options.outFile };
}

const dateTexts = new Map<number, string>();

/** dd/mm/yyyy of a day number (days since 1970-01-01, UTC). */
export function formatDay(day: number): string {
  let text = dateTexts.get(day);
  if (text === undefined) {
    const iso = new Date(day * 86_400_000).toISOString();
    text = `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
    dateTexts.set(day, text);
  }
  return text;
}

/** One CSV line (with its line feed): the machine mode of core/csv-export.ts, dates as dd/mm/yyyy. */
export function csvLine(fields: readonly Field[], delimiter: CsvDelimiter): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const value = fields[i] as Field;
    if (i > 0) line += delimiter;
    line += typeof value === 'number' ? formatDay(value) : machineCsvField(value, delimiter);
  }
  return `${line}\n`;
}

const CHUNK = 256 * 1024;

async function writeCsv(
  file: string,
  rows: Iterable<{ fields: Field[] }>,
  delimiter: CsvDelimiter,
): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  let buffer = `${COLUMNS.join(delimiter)}\n`;
  for (const row of rows) {
    buffer += csvLine(row.fields, delimiter);
    if (buffer.length >= CHUNK) {
      await write(out, buffer, failed);
      buffer = '';
    }
  }
  await write(out, buffer, failed);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}

async function write(out: WriteStream, text: string, failed: Promise<never>): Promise<void> {
  // Backpressure: wait for 'drain' when the stream's buffer is full.
  if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
}

const FIXED_DATE = new Date(Date.UTC(2021, 0, 1));

async function writeXlsx(file: string, rows: Iterable<{ fields: Field[] }>): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: false,
  });
  // Same options, same bytes: fixed document dates here, fixed zip entry times below.
  workbook.created = FIXED_DATE;
  workbook.modified = FIXED_DATE;
  const sheet = workbook.addWorksheet(XLSX_SHEET);
  sheet.columns = COLUMNS.map((header, i) => ({
    header,
    key: header,
    width: DATE_COLUMNS.includes(i) ? 12 : 20,
    style: DATE_COLUMNS.includes(i) ? { numFmt: 'dd/mm/yyyy' } : {},
  }));
  for (const row of rows) {
    const values = row.fields.map((value) =>
      typeof value === 'number' ? new Date(value * 86_400_000) : value,
    );
    sheet.addRow(values).commit();
  }
  sheet.commit();
  await workbook.commit();
  await fixZipEntryTimes(file, FIXED_DATE);
}

/**
 * Sets every entry's modification time in a zip file (local headers and central directory) to
 * `date`: exceljs gives the zip writer no date, so each entry would carry the current time.
 */
export async function fixZipEntryTimes(file: string, date: Date): Promise<void> {
  const time = 0; // midnight, in DOS time
  const dosDate =
    ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate();
  const handle = await open(file, 'r+');
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file} is not a zip file (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const directorySize = tail.readUInt32LE(eocd + 12);
    const directoryOffset = tail.readUInt32LE(eocd + 16);
    const directory = Buffer.alloc(directorySize);
    await handle.read(directory, 0, directorySize, directoryOffset);
    const stamp = Buffer.alloc(4);
    stamp.writeUInt16LE(time, 0);
    stamp.writeUInt16LE(dosDate, 2);
    let at = 0;
    for (let n = 0; n < entries; n++) {
      if (directory.readUInt32LE(at) !== 0x02014b50) {
        throw new Error(`${file}: malformed zip central directory`);
      }
      stamp.copy(directory, at + 12);
      await handle.write(stamp, 0, 4, directory.readUInt32LE(at + 42) + 10);
      at +=
        46 +
        directory.readUInt16LE(at + 28) +
        directory.readUInt16LE(at + 30) +
        directory.readUInt16LE(at + 32);
    }
    await handle.write(directory, 0, directorySize, directoryOffset);
  } finally {
    await handle.close();
  }
}
