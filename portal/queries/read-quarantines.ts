// The one statement through which the portal reads quarantines: `qdp.read_quarantines_as_<role>`
// (0072, db/functions/access/read_quarantines.sql) reads what the request asks, as the session's
// role's reader, and writes the audit entry of exactly the people it returned in the same call.
// The role switched to cannot read qdp.quarantines itself, so no read goes unrecorded and no entry
// names a read that did not happen.
import { inlineParams } from '../../db/session.ts';
import { USER_ROLES, type UserRole } from '../../contracts/roles.ts';

/** What `qdp.read_quarantines_sql` accepts (its header says each key's rule). */
export type ReadRequest =
  | {
      action: 'patient.view';
      import_id: number | null;
      columns: readonly string[];
      fiscal_code: string;
      client_address: string;
    }
  | {
      action: 'list.view' | 'list.search' | 'list.export';
      import_id: number | null;
      columns: readonly string[];
      filters: Record<string, string | undefined>;
      sort: string;
      dir: 'asc' | 'desc';
      limit: number;
      offset: number;
      /** How many of the rows read are shown (and named by the audit entry). */
      shown_limit: number;
      reference_day: string | null;
      client_address: string;
    };

/** `qdp_gp` → `gp`: the session's database role names its reader's function. */
function userRoleOf(dbRole: string): UserRole {
  const role = dbRole.replace(/^qdp_/, '');
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new Error(`${dbRole} is not a portal role's database role`);
  }
  return role as UserRole;
}

/** The statement reading `request` for a session of `dbRole`, its columns named (values inlined). */
export function readQuarantinesStatement(dbRole: string, request: ReadRequest): string {
  const bad = request.columns.find((c) => !/^[a-z_]+$/.test(c));
  if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not a column name`);
  return inlineParams(
    `select ${request.columns.map((c) => `r.${c}`).join(', ')} from qdp.read_quarantines_as_${userRoleOf(dbRole)}($1::jsonb) r`,
    [JSON.stringify(request)],
  );
}
