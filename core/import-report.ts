// The one path from an import to its notification: qdp.import_summary(id) (the JSON of
// core/messages.ts's ImportSummary) and the message core/messages.ts writes from it. Local mode,
// the CLI, on-upload and notify all call this, through the SQL port of db/sql.ts (pg or the RDS
// Data API; the summary travels as text so that both give the same value).
import type { Sql } from '../db/sql.ts';
import { importMessage, type ImportMessage, type ImportSummary } from './messages.ts';

/** A problem with the request itself (no such import or file, unsupported format). */
export class ImportRequestError extends Error {}

export interface ImportReport {
  summary: ImportSummary;
  message: ImportMessage;
}

export async function importReport(sql: Sql, importId: number | string): Promise<ImportReport> {
  const rows = await sql.query<{ summary: string | null }>(
    'select qdp.import_summary(:id)::text as summary',
    { id: Number(importId) },
  );
  // qdp.import_summary raises `import <id> does not exist` itself.
  const text = rows[0]?.summary;
  if (!text) throw new ImportRequestError(`import ${importId} has no summary`);
  const summary = JSON.parse(text) as ImportSummary;
  return { summary, message: importMessage(summary) };
}
