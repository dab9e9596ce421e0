// The patient page's reads: the person's row in the latest import (the fields the role may read)
// and their timeline across published imports (qdp.portal_patient_timeline, 0014), both in the
// page's one transaction after the view's audit entry.
import { inlineParams } from '../../db/session.ts';
import { readQuarantinesStatement } from './read-quarantines.ts';

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
 * The person's row in `importId` with `fields` (names from PATIENT_FIELDS only), read by
 * `qdp.read_quarantines_as_<role>`, which writes the view's audit entry in the same call only when
 * the role's scope holds the person: no row, no entry. A literal import id: the partitioned table
 * is pruned while planning.
 */
export function patientViewStatement(
  dbRole: string,
  fields: readonly PatientField[],
  fiscalCode: string,
  importId: number | null,
  clientAddress: string,
): string {
  return readQuarantinesStatement(dbRole, {
    action: 'patient.view',
    import_id: importId,
    columns: fields,
    fiscal_code: fiscalCode,
    client_address: clientAddress,
  });
}

export interface TimelineRow {
  import_id: string;
  reference_day: Date | null;
  published_at: Date | null;
  start_date: Date;
  end_date: Date;
  change: string;
}

/**
 * The person's timeline across published imports (qdp.portal_patient_timeline, 0014): after the
 * view's statement, in the same transaction (the function answers only after the view's entry).
 */
export function patientTimelineStatement(fiscalCode: string): string {
  return inlineParams(
    'select import_id, reference_day, published_at, start_date, end_date, change from qdp.portal_patient_timeline($1)',
    [fiscalCode],
  );
}
