// An import's summary and message through the functions' SQL port: the JSON of
// qdp.import_summary and the text of core/messages.ts, the same as local mode.
import { importMessage, type ImportMessage, type ImportSummary } from '../core/messages.ts';
import type { Sql } from './sql.ts';

export async function summaryOf(sql: Sql, importId: number): Promise<ImportSummary> {
  const rows = await sql.query<{ summary: string }>(
    'select qdp.import_summary(:id)::text as summary',
    { id: importId },
  );
  const text = rows[0]?.summary;
  if (!text) throw new Error(`import ${importId} does not exist`);
  return JSON.parse(text) as ImportSummary;
}

export async function messageOf(sql: Sql, importId: number): Promise<ImportMessage> {
  return importMessage(await summaryOf(sql, importId));
}
