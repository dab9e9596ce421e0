// The patient page's reads: the person's row in the latest import (the fields the role may read)
// and their timeline across published imports (qdp.portal_patient_timeline, 0014).
import type pg from 'pg';

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
 * The person's row in `importId` with `fields` (names from PATIENT_FIELDS only), or undefined
 * when the role's scope holds no such person. A literal import id: the partitioned table is
 * pruned while planning.
 */
export async function patientRow(
  client: pg.ClientBase,
  fields: readonly PatientField[],
  fiscalCode: string,
  importId: number | null,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await client.query(
    `select ${fields.map((f) => `q.${f}`).join(', ')} from qdp.quarantines q
     where q.fiscal_code = $1 and q.import_id = $2`,
    [fiscalCode, importId],
  );
  return rows[0];
}

export interface TimelineRow {
  import_id: string;
  reference_day: Date | null;
  published_at: Date | null;
  start_date: Date;
  end_date: Date;
  change: string;
}

export async function patientTimeline(
  client: pg.ClientBase,
  fiscalCode: string,
): Promise<TimelineRow[]> {
  const { rows } = await client.query<TimelineRow>(
    'select import_id, reference_day, published_at, start_date, end_date, change from qdp.portal_patient_timeline($1)',
    [fiscalCode],
  );
  return rows;
}
