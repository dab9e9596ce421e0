// The audit log: entries the portal writes in the user's transaction (qdp.audit: the session's
// user and role are added by the database) and the administrators' view of it.
import type pg from 'pg';

export interface AuditEntry {
  action: string;
  fiscalCode?: string | null;
  importId?: number | null;
  detail?: unknown;
  clientAddress: string;
}

export async function writeAudit(client: pg.ClientBase, entry: AuditEntry): Promise<void> {
  await client.query('select qdp.audit($1, $2, $3, $4, $5)', [
    entry.action,
    entry.fiscalCode ?? null,
    entry.importId ?? null,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
    entry.clientAddress,
  ]);
}

export interface AuditLogFilters {
  user?: string | undefined;
  fiscal_code?: string | undefined;
  action?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface AuditLogRow {
  id: string;
  at: Date;
  username: string | null;
  role: string | null;
  action: string;
  fiscal_code: string | null;
  import_id: string | null;
  client_address: string | null;
  detail: unknown;
}

/** A page of the log, newest first, filtered with bind parameters only. */
export async function auditLogPage(
  client: pg.ClientBase,
  f: AuditLogFilters,
  limit: number,
  offset: number,
): Promise<AuditLogRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (f.user) where.push(`a.username = ${p(f.user)}`);
  if (f.fiscal_code) where.push(`a.fiscal_code = ${p(f.fiscal_code)}`);
  if (f.action) where.push(`a.action = ${p(f.action)}`);
  if (f.from) where.push(`a.at >= ${p(f.from)}::date`);
  if (f.to) where.push(`a.at < ${p(f.to)}::date + 1`);
  const { rows } = await client.query<AuditLogRow>(
    `select a.id, a.at, a.username, a.role, a.action, a.fiscal_code, a.import_id, a.client_address, a.detail
     from qdp.audit_log a ${where.length ? `where ${where.join(' and ')}` : ''}
     order by a.at desc, a.id desc limit ${p(limit)} offset ${p(offset)}`,
    values,
  );
  return rows;
}
