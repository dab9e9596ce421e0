// Streaming .xlsx reader: the zip is checked with yauzl before exceljs's streaming reader sees it
// (entry count, declared and actual unzipped size, compression ratio), then only the first sheet
// is read, row by row, so memory stays bounded whatever the file's size.
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { FileRejectedError, type DailyFile, type InspectedFile, type Row } from './types.ts';
import { FIELDS, type FileLimits, headerProblem, mapHeader } from '../../contracts/daily-file.ts';

function unreadable(error: unknown): FileRejectedError {
  const message = error instanceof Error ? error.message : String(error);
  return new FileRejectedError(`not a readable xlsx file: ${message}`);
}

function openZip(filePath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error || !zip ? reject(unreadable(error)) : resolve(zip),
    );
  });
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => {
      cleanup();
      resolve(entry);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(unreadable(error));
    };
    const cleanup = () => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

/** Inflates one entry and throws away the bytes; yauzl fails if it holds more than declared. */
function drainEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) return reject(unreadable(error));
      stream.on('error', (e) => reject(unreadable(e)));
      stream.on('end', () => resolve());
      stream.resume();
    });
  });
}

/** Refuses zip bombs and broken zips (DESIGN §5) before any XML is parsed. */
export async function checkXlsxZip(
  filePath: string,
  sizeBytes: number,
  limits: FileLimits,
): Promise<void> {
  const zip = await openZip(filePath);
  try {
    if (zip.entryCount > limits.xlsxMaxEntries) {
      throw new FileRejectedError(
        `xlsx has ${zip.entryCount} entries, more than the limit of ${limits.xlsxMaxEntries}`,
      );
    }
    // The entry count is bounded above, so reading the whole central directory is cheap.
    const entries: yauzl.Entry[] = [];
    let unzipped = 0;
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      entries.push(entry);
      unzipped += entry.uncompressedSize;
    }
    if (unzipped > limits.xlsxMaxUnzippedBytes) {
      throw new FileRejectedError(
        `xlsx unzipped size ${unzipped} bytes exceeds the limit of ${limits.xlsxMaxUnzippedBytes} bytes`,
      );
    }
    const ratio = unzipped / Math.max(sizeBytes, 1);
    if (ratio > limits.xlsxMaxCompressionRatio) {
      throw new FileRejectedError(
        `xlsx compression ratio ${Number(ratio.toFixed(1))}:1 exceeds the limit of ${limits.xlsxMaxCompressionRatio}:1`,
      );
    }
    if (!entries.some((e) => e.fileName === 'xl/workbook.xml')) {
      throw new FileRejectedError('not a readable xlsx file: it has no xl/workbook.xml');
    }
    // Declared sizes can lie: inflate every entry once (yauzl checks actual against declared).
    zip.close();
    const verify = await openZip(filePath);
    try {
      for (let entry = await nextEntry(verify); entry; entry = await nextEntry(verify)) {
        if (!entry.fileName.endsWith('/')) await drainEntry(verify, entry);
      }
    } finally {
      verify.close();
    }
  } finally {
    if (zip.isOpen) zip.close();
  }
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;
/** 9999-12-31, the last date Excel can show. */
const MAX_SERIAL = 2_958_465;

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Plain decimal text, never an exponent (Excel turns long codes and phones into numbers). */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const text = String(n);
  if (!text.includes('e')) return text;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

type Kind = (typeof FIELDS)[number]['kind'];

export function cellText(value: ExcelJS.CellValue | undefined, kind: Kind): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (kind === 'date' && value >= 1 && value <= MAX_SERIAL) {
      return isoDate(new Date(EXCEL_EPOCH_MS + Math.floor(value) * DAY_MS));
    }
    if (kind === 'istat_code' && Number.isInteger(value) && value >= 0 && value <= 999_999) {
      return String(value).padStart(6, '0');
    }
    return plainNumber(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : isoDate(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    return cellText((value as { result?: ExcelJS.CellValue }).result, kind);
  }
  if ('text' in value) return cellText(value.text as ExcelJS.CellValue, kind);
  if ('error' in value) return String(value.error);
  return '';
}

/**
 * How many times the first sheet is looked for when exceljs's streaming reader loses the race of
 * exceljs issue #3064: it sometimes reaches the first worksheet before it has read
 * `xl/workbook.xml` and throws `Cannot read properties of undefined (reading 'sheets')`, more often
 * on a loaded machine (seen about once in 300 reads of a valid file under load). No row has been
 * read then, so the file is simply opened again.
 */
export const XLSX_OPEN_ATTEMPTS = 3;

/** exceljs's failure in that race (a TypeError from its `_parseWorksheet`), and only that one. */
export function isWorkbookRace(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    error.message === "Cannot read properties of undefined (reading 'sheets')"
  );
}

/**
 * The first sheet of a workbook `open` starts reading (undefined: the workbook has none), opening
 * it again while exceljs loses its race (XLSX_OPEN_ATTEMPTS); any other failure, or the race every
 * time, is the file's rejection.
 */
export async function openFirstSheet(
  open: () => AsyncIterator<unknown>,
  attempts = XLSX_OPEN_ATTEMPTS,
): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const sheets = open();
    try {
      const sheet = await sheets.next();
      return sheet.done ? undefined : sheet.value;
    } catch (error) {
      await sheets.return?.(undefined).catch(() => undefined);
      if (!isWorkbookRace(error) || attempt >= attempts) throw unreadable(error);
    }
  }
}

export async function openXlsx(
  filePath: string,
  inspected: InspectedFile,
  limits: FileLimits,
): Promise<DailyFile> {
  await checkXlsxZip(filePath, inspected.sizeBytes, limits);
  let workbook: ExcelJS.stream.xlsx.WorkbookReader | undefined;
  let sheets: AsyncIterator<unknown> | undefined;
  let rowIterator: AsyncIterator<ExcelJS.Row> | undefined;
  const close = async () => {
    await rowIterator?.return?.(undefined).catch(() => undefined);
    await sheets?.return?.(undefined).catch(() => undefined);
    (workbook as unknown as { stream?: { destroy(): void } } | undefined)?.stream?.destroy();
  };
  const nextRow = async (): Promise<ExcelJS.Row | null> => {
    try {
      if (!rowIterator) return null;
      const next = await rowIterator.next();
      return next.done ? null : next.value;
    } catch (error) {
      throw unreadable(error);
    }
  };
  try {
    const first = await openFirstSheet(() => {
      // A new attempt: the reader that lost the race lets go of the file first.
      (workbook as unknown as { stream?: { destroy(): void } } | undefined)?.stream?.destroy();
      workbook = new ExcelJS.stream.xlsx.WorkbookReader(filePath, {
        sharedStrings: 'cache',
        styles: 'cache', // date cells are recognised by their number format
        hyperlinks: 'ignore',
        worksheets: 'emit',
        entries: 'ignore',
      });
      sheets = workbook[Symbol.asyncIterator]();
      return sheets;
    });
    if (first !== undefined) {
      rowIterator = (first as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]();
    }
    let headerRow: ExcelJS.Row | null;
    do headerRow = await nextRow();
    while (headerRow && !headerRow.hasValues);
    if (!headerRow) throw new FileRejectedError('the file is empty');
    const headerValues = headerRow.values as ExcelJS.CellValue[];
    const headers: string[] = [];
    for (let c = 1; c < headerValues.length; c++) headers.push(cellText(headerValues[c], 'text'));
    const mapping = mapHeader(headers);
    const problem = headerProblem(mapping);
    if (problem) throw new FileRejectedError(problem);
    // 1-based sheet column of each transit field, or -1.
    const source = FIELDS.map((_, index) => {
      const column = mapping.columns.indexOf(index);
      return column < 0 ? -1 : column + 1;
    });
    const kinds = FIELDS.map((f) => f.kind);
    return {
      header: {
        found: mapping.found,
        missing: FIELDS.filter((_, i) => (source[i] as number) < 0).map((f) => f.header),
        columns: mapping.columns,
      },
      rows: (async function* () {
        try {
          let batch: Row[] = [];
          for (let row = await nextRow(); row; row = await nextRow()) {
            // Rows without any value (only formatting) carry no data.
            if (!row.hasValues) continue;
            const cells = row.values as ExcelJS.CellValue[];
            batch.push({
              lineNo: row.number,
              values: source.map((s, t) => (s < 0 ? null : cellText(cells[s], kinds[t] as Kind))),
            });
            if (batch.length >= 1000) {
              yield batch;
              batch = [];
            }
          }
          if (batch.length > 0) yield batch;
        } finally {
          await close();
        }
      })(),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
