// The imports page's reads and the administrators' import actions (qdp.portal_import_action: the
// lifecycle functions of 0003, audited by the database); the rejects report is core/rejects-report.ts.
import type pg from 'pg';

export interface ImportRow {
  id: string;
  source_name: string;
  status: string;
  received_at: Date | null;
  finished_at: Date | null;
  published_at: Date | null;
  rows_total: number | null;
  rows_accepted: number | null;
  rows_rejected: number | null;
  /** Administrators only. */
  error?: string | null;
  latest: boolean;
}

/** A page of the history, newest first (others see only the latest import's row: the database decides). */
export async function importsPage(
  client: pg.ClientBase,
  withError: boolean,
  limit: number,
  offset: number,
): Promise<ImportRow[]> {
  const { rows } = await client.query<ImportRow>(
    `select i.id, i.source_name, i.status, i.received_at, i.finished_at, i.published_at, i.rows_total,
       i.rows_accepted, i.rows_rejected${withError ? ', i.error' : ''},
       i.id = qdp.latest_import_id() as latest
     from qdp.imports i order by i.id desc limit $1 offset $2`,
    [limit, offset],
  );
  return rows;
}

export type ImportAction = 'publish' | 'discard' | 'rollback';

export async function importAction(
  client: pg.ClientBase,
  action: ImportAction,
  importId: number,
  clientAddress: string,
): Promise<void> {
  await client.query('select qdp.portal_import_action($1, $2, $3)', [
    action,
    importId,
    clientAddress,
  ]);
}
