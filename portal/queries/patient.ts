// The patient page's reads: the person's row in the latest import (the fields the role may read)
// and their timeline across published imports (qdp.portal_patient_timeline, 0014).
import { inlineParams } from '../../db/session.ts';

/** The patient page's fields, in display order; each role shows those it may read. */
export const PATIENT_FIELDS = [
  'fiscal_code',
  'surname',
  'name',
  'sex',
  'birth_date',
  'residence_name',
  'residence_istat',
  'address',
  'phone',
  'gp_code',
  'gp_name',
  'reason',
  'start_date',
  'end_date',
  'change',
] as const;
export type PatientField = (typeof PATIENT_FIELDS)[number];

/**
 * The person's row in `importId` with `fields` (names from PATIENT_FIELDS only), and with it the
 * audit row of the view (`audit_id`), written by the same statement only when the role's scope
 * holds the person: no row, no audit. A literal import id: the partitioned table is pruned while
 * planning.
 */
export function patientViewStatement(
  fields: readonly PatientField[],
  fiscalCode: string,
  importId: number | null,
  clientAddress: string,
): string {
  return inlineParams(
    `select p.*, qdp.audit('patient.view', p.fiscal_code, $2, null, $3) as audit_id
     from (select ${fields.map((f) => `q.${f}`).join(', ')} from qdp.quarantines q
           where q.fiscal_code = $1 and q.import_id = $2) p`,
    [fiscalCode, importId, clientAddress],
  );
}

export interface TimelineRow {
  import_id: string;
  reference_day: Date | null;
  published_at: Date | null;
  start_date: Date;
  end_date: Date;
  change: string;
}

/** The person's timeline across published imports (qdp.portal_patient_timeline, 0014). */
export function patientTimelineStatement(fiscalCode: string): string {
  return inlineParams(
    'select import_id, reference_day, published_at, start_date, end_date, change from qdp.portal_patient_timeline($1)',
    [fiscalCode],
  );
}
