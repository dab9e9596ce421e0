// The platform's one CSV writer, in two explicit modes:
//
// - `spreadsheet`: files for people (the portal's exports, `qdp rejects --csv`). A cell a
//   spreadsheet would run as a formula (starting with = + - @ or a tab/carriage return) gets a
//   leading apostrophe (OWASP CSV injection guidance), and a bidirectional control is written as a
//   visible marker (core/bidi.ts), so a spreadsheet shows the value in the order it was stored.
// - `machine`: files for programs (the staged file Glue loads, the synthetic daily files). Values
//   go out exactly as they are: a phone number `+39 045…` or a name beginning with `-` must reach
//   the database unchanged, so nothing is neutralised or marked; only quoting.
//
// Both quote a field holding the delimiter, a double quote or a line break (RFC 4180: doubled
// quotes inside). Machine fields are also quoted when they begin or end with a space, so a reader
// that trims unquoted fields still gets the value back.
import { showBidiControls } from './bidi.ts';

export type CsvMode = 'spreadsheet' | 'machine';
export type CsvDelimiter = ',' | ';';

export interface CsvFormat {
  mode: CsvMode;
  /** @default ';' (what a spreadsheet in an Italian locale opens directly) */
  delimiter?: CsvDelimiter;
  /** @default '\r\n' (RFC 4180) */
  lineEnd?: '\r\n' | '\n';
}

const FORMULA_START = /^[=+\-@\t\r]/;
// A spreadsheet cell is quoted for either delimiter: the user's spreadsheet may split on both.
const SPREADSHEET_NEEDS_QUOTES = /[",;\n\r]/;
const MACHINE_NEEDS_QUOTES: Record<CsvDelimiter, RegExp> = {
  ';': /[;"\r\n]|^ | $/,
  ',': /[,"\r\n]|^ | $/,
};

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** A value as a machine reads it back: exact, quoted only where CSV needs it. */
export function machineCsvField(value: string | null | undefined, delimiter: CsvDelimiter): string {
  if (value === null || value === undefined) return '';
  return MACHINE_NEEDS_QUOTES[delimiter].test(value) ? quoted(value) : value;
}

/** A value as a spreadsheet should show it: formulas neutralised, bidirectional controls marked. */
export function spreadsheetCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = showBidiControls(value instanceof Date ? value.toISOString() : String(value));
  if (FORMULA_START.test(text)) text = `'${text}`;
  return SPREADSHEET_NEEDS_QUOTES.test(text) ? quoted(text) : text;
}

/** One field in the given mode (numbers, booleans and dates as their text). */
export function csvField(value: unknown, format: CsvFormat): string {
  if (format.mode === 'spreadsheet') return spreadsheetCsvField(value);
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return machineCsvField(text, format.delimiter ?? ';');
}

/** One record with its line end. */
export function csvLine(values: readonly unknown[], format: CsvFormat): string {
  const delimiter = format.delimiter ?? ';';
  return `${values.map((value) => csvField(value, format)).join(delimiter)}${format.lineEnd ?? '\r\n'}`;
}

/** The spreadsheet format every export for people uses: `;`, CRLF. */
export const SPREADSHEET_CSV: CsvFormat = { mode: 'spreadsheet', delimiter: ';', lineEnd: '\r\n' };
