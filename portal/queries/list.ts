// The quarantine list's read, from validated filters: a request to `qdp.read_quarantines_as_<role>`
// (read-quarantines.ts), which builds the statement in the database (every identifier from its
// lists, every value quoted), reads as the session's role (row-level security for the rows, column
// privileges for the fields) and writes the audit entry of the people shown in the same call. The
// benchmark runs the statement the database builds for the same request as its baseline. Also the
// list's other reads: the filter's municipalities and an earlier import's reference day.
import type pg from 'pg';
import { z } from 'zod';
import { inlineParams } from '../../db/session.ts';
import type { ReadRequest } from './read-quarantines.ts';
import { PATIENT_FIELDS, type PatientField } from './patient.ts';
import type { SessionViewer } from './session.ts';

/** The patient page's fields the list leaves out (they are on the patient page). */
const NOT_LISTED = ['sex', 'residence_istat', 'gp_code'] as const;
export type ListColumn = Exclude<PatientField, (typeof NOT_LISTED)[number]>;
/** Columns the list can show, in display order; each role shows those it may read. */
export const LIST_COLUMNS: readonly ListColumn[] = PATIENT_FIELDS.filter(
  (f): f is ListColumn => !(NOT_LISTED as readonly string[]).includes(f),
);

/** The list's sorts (qdp.read_quarantines_sql orders by them, each ending with the fiscal code). */
const SORTS = ['fiscal_code', 'surname', 'start_date', 'end_date', 'municipality'] as const;
export type SortKey = (typeof SORTS)[number];
export const SORT_KEYS: readonly SortKey[] = SORTS;

/** The column a sort needs: a role that may not read it cannot sort by it. */
const SORT_COLUMN: Record<SortKey, ListColumn> = {
  fiscal_code: 'fiscal_code',
  surname: 'surname',
  start_date: 'start_date',
  end_date: 'end_date',
  municipality: 'residence_name',
};

export const STATUSES = ['new', 'extended', 'shortened', 'ending'] as const;
export const REASONS = ['POSITIVO', 'CONTATTO'] as const;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date yyyy-mm-dd')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'must be a real date');
const empty = z.literal('').transform(() => undefined);

/** The list's query string. Unknown parameters are ignored; a bad value is a 400 naming it. */
export const listFiltersSchema = z.object({
  q: z
    .string()
    .max(100, 'must be at most 100 characters')
    .transform((s) => s.trim().toUpperCase())
    .optional(),
  municipality: z
    .union([empty, z.string().regex(/^\d{6}$/, 'must be a 6-digit ISTAT code')])
    .optional(),
  reason: z.union([empty, z.enum(REASONS)]).optional(),
  status: z.union([empty, z.enum(STATUSES)]).optional(),
  from: z.union([empty, isoDate]).optional(),
  to: z.union([empty, isoDate]).optional(),
  sort: z.enum(SORTS).default('fiscal_code'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  /** An earlier import (administrators only: the database shows others the latest only). */
  import: z.union([empty, z.coerce.number().int().positive()]).optional(),
});
export type ListFilters = z.output<typeof listFiltersSchema>;

export class ListQueryError extends Error {}

export interface ListQueryOptions {
  /** Columns the role may read (a subset of LIST_COLUMNS is shown). */
  readable: ReadonlySet<string>;
  /**
   * The import to list: the latest published one's id as the session read it, or one an
   * administrator picked; null when nothing is published yet (no rows). Always a literal id, never
   * `qdp.latest_import_id()`: with a constant the planner prunes the partitioned table to one
   * partition while planning, instead of planning (and locking) every import's partition and
   * pruning at run time, which costs ~100 ms with a year of imports (bench/README.md). Row-level
   * security still limits non-administrators to the latest import.
   */
  importId: number | null;
  /** The import's reference day (qdp_analytics), for "ending today". */
  referenceDay: string | null;
  limit: number;
  offset: number;
}

export function shownColumns(readable: ReadonlySet<string>): ListColumn[] {
  return LIST_COLUMNS.filter((c) => readable.has(c));
}

/** What a list read records of the people it showed (issue 14: "who saw my record"). */
export interface ListAudit {
  /** `list.view` (a page), `list.search` (a page of a search), `list.export` (the CSV). */
  action: 'list.view' | 'list.search' | 'list.export';
  /** How many of the rows read are shown (a page reads one more, to know there is a next). */
  shownLimit: number;
  clientAddress: string;
}

/**
 * The list's read request and the columns it shows. A filter or sort on a column the role may not
 * read is refused here with its reason (the database would refuse the column too).
 */
export function listReadRequest(
  filters: ListFilters,
  options: ListQueryOptions,
  audit: ListAudit,
): { request: ReadRequest; columns: ListColumn[] } {
  const columns = shownColumns(options.readable);
  if (filters.reason && !options.readable.has('reason'))
    throw new ListQueryError('reason: this role may not filter by reason');
  if (!options.readable.has(SORT_COLUMN[filters.sort])) {
    throw new ListQueryError('sort: this role may not sort by that column');
  }
  const { q, municipality, reason, status, from, to } = filters;
  return {
    columns,
    request: {
      action: audit.action,
      import_id: options.importId,
      columns,
      filters: { q, municipality, reason, status, from, to },
      sort: filters.sort,
      dir: filters.dir,
      limit: options.limit,
      offset: options.offset,
      shown_limit: audit.shownLimit,
      reference_day: options.referenceDay,
      client_address: audit.clientAddress,
    },
  };
}

/** The reference day of an import (qdp_analytics), for an administrator's earlier import. */
export async function importReferenceDay(
  client: pg.ClientBase,
  importId: number,
): Promise<string | null> {
  const { rows } = await client.query<{ day: string | null }>(
    'select reference_day::text as day from qdp_analytics.imports where import_id = $1',
    [importId],
  );
  return rows[0]?.day ?? null;
}

export interface MunicipalityOption {
  code: string;
  name: string;
}

// The filter's municipalities change only with the latest import: kept per user and import.
const OPTIONS_CACHE_SIZE = 1000;
const optionsCache = new Map<string, MunicipalityOption[]>();

const optionsKey = (viewer: SessionViewer) =>
  `${viewer.id}:${viewer.dbRole}:${viewer.istatCode}:${viewer.gpCode}:${viewer.latestImport?.id ?? 0}`;

/** The viewer's filter options if known (undefined: run municipalityOptionsStatement). */
export function cachedMunicipalityOptions(viewer: SessionViewer): MunicipalityOption[] | undefined {
  return viewer.latestImport ? optionsCache.get(optionsKey(viewer)) : [];
}

export function rememberMunicipalityOptions(
  viewer: SessionViewer,
  options: MunicipalityOption[],
): MunicipalityOption[] {
  if (optionsCache.size >= OPTIONS_CACHE_SIZE) optionsCache.clear();
  optionsCache.set(optionsKey(viewer), options);
  return options;
}

/**
 * The municipalities the viewer's list can be filtered by (those of its scope with people), as a
 * statement with its values inlined, from the aggregates each role sees its own scope of (a GP:
 * its patients' municipalities), so the options read no quarantine (only the audited read may).
 */
export function municipalityOptionsStatement(viewer: SessionViewer): string {
  const table = viewer.role === 'gp' ? 'by_gp_municipality' : 'by_municipality';
  return inlineParams(
    `select distinct b.residence_istat as code, coalesce(m.name, b.residence_istat) as name
     from qdp_analytics.${table} b left join qdp.municipalities m on m.istat_code = b.residence_istat
     where b.import_id = $1 and b.people > 0 order by 2`,
    [viewer.latestImport?.id ?? null],
  );
}

/** The viewer's filter options, read in the transaction when not known yet. */
export async function municipalityOptions(
  client: pg.ClientBase,
  viewer: SessionViewer,
): Promise<MunicipalityOption[]> {
  const cached = cachedMunicipalityOptions(viewer);
  if (cached) return cached;
  const { rows } = await client.query<MunicipalityOption>(municipalityOptionsStatement(viewer));
  return rememberMunicipalityOptions(viewer, rows);
}
