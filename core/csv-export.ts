// CSV for people's spreadsheets: every export of the platform goes through here, so that a cell
// a spreadsheet would run as a formula (starting with = + - @ or a tab/carriage return) is
// neutralised with a leading apostrophe (OWASP CSV injection guidance), and a bidirectional
// control is written as a visible marker (core/bidi.ts), so a spreadsheet shows the value in the
// order it was stored.
import { showBidiControls } from './bidi.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = showBidiControls(value instanceof Date ? value.toISOString() : String(value));
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",;\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly unknown[], delimiter = ';'): string {
  return `${values.map(csvCell).join(delimiter)}\r\n`;
}
