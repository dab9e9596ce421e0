// The rejects report of an import: its rejected lines (line, field, reason) in line order, as
// text for the console (`qdp rejects ID`) and as a spreadsheet CSV (`qdp rejects ID --csv`, the
// portal's download). Reasons never carry personal data (db/README.md, validation), but the file
// goes to people's spreadsheets, so it is written in core/csv-export.ts's spreadsheet mode.
import type pg from 'pg';
import { csvLine, SPREADSHEET_CSV } from './csv-export.ts';

export interface RejectLine {
  line: number;
  /** The canonical header of the field, or null for a file-level rejection (line 0). */
  field: string | null;
  reason: string;
}

export const REJECTS_REPORT_COLUMNS = ['line', 'field', 'reason'] as const;

/** The import's rejected lines, in line then field order (what the reader of the report expects). */
export async function rejectLines(
  db: pg.Pool | pg.ClientBase,
  importId: number | string,
): Promise<RejectLine[]> {
  const { rows } = await db.query<RejectLine>(
    `select line_no as line, field, reason from qdp.rejects
      where import_id = $1 order by line_no, field`,
    [importId],
  );
  return rows;
}

/** The report as CSV lines (header first), each ending in CRLF. */
export function rejectsReportCsv(lines: readonly RejectLine[]): string[] {
  return [
    csvLine(REJECTS_REPORT_COLUMNS, SPREADSHEET_CSV),
    ...lines.map((r) => csvLine([r.line, r.field, r.reason], SPREADSHEET_CSV)),
  ];
}

/** The report for a console, one line each (`line 4 SESSO: must be M or F`). */
export function rejectsReportText(
  importId: number | string,
  lines: readonly RejectLine[],
): string[] {
  if (lines.length === 0) return [`import ${importId} has no rejected lines\n`];
  return lines.map((r) => `line ${r.line}${r.field ? ` ${r.field}` : ''}: ${r.reason}\n`);
}
