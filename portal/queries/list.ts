// The quarantine list's SQL, built from validated filters: every value is a bind parameter, every
// identifier comes from the whitelists below. Rows are whatever the database lets the session's
// role see (row-level security); the columns are those it may read (column privileges). The
// benchmark runs the same query directly through pg as its baseline. Also the list's other reads:
// the filter's municipalities and an earlier import's reference day.
import type pg from 'pg';
import { z } from 'zod';
import { inlineParams } from '../../db/session.ts';
import { PATIENT_FIELDS, type PatientField } from './patient.ts';
import type { SessionViewer } from './session.ts';

/** The patient page's fields the list leaves out (they are on the patient page). */
const NOT_LISTED = ['sex', 'residence_istat', 'gp_code'] as const;
export type ListColumn = Exclude<PatientField, (typeof NOT_LISTED)[number]>;
/** Columns the list can show, in display order; each role shows those it may read. */
export const LIST_COLUMNS: readonly ListColumn[] = PATIENT_FIELDS.filter(
  (f): f is ListColumn => !(NOT_LISTED as readonly string[]).includes(f),
);

const SORTS = {
  fiscal_code: 'q.fiscal_code',
  surname: 'q.surname, q.name, q.fiscal_code',
  start_date: 'q.start_date, q.fiscal_code',
  end_date: 'q.end_date, q.fiscal_code',
  municipality: 'q.residence_name, q.fiscal_code',
} as const;
export type SortKey = keyof typeof SORTS;
export const SORT_KEYS = Object.keys(SORTS) as SortKey[];

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
  sort: z.enum(SORT_KEYS as [SortKey, ...SortKey[]]).default('fiscal_code'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  /** An earlier import (administrators only: the database shows others the latest only). */
  import: z.union([empty, z.coerce.number().int().positive()]).optional(),
});
export type ListFilters = z.output<typeof listFiltersSchema>;

export class ListQueryError extends Error {}

/** Escapes LIKE wildcards so a search term matches literally (as a prefix). */
function likePrefix(term: string): string {
  return `${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

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

export function buildListQuery(
  filters: ListFilters,
  options: ListQueryOptions,
): { text: string; values: unknown[]; columns: ListColumn[] } {
  const columns = shownColumns(options.readable);
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [
    options.importId === null ? 'false' : `q.import_id = ${param(options.importId)}`,
  ];
  if (filters.q) {
    const p = param(likePrefix(filters.q));
    where.push(
      `(q.fiscal_code like ${p} or q.surname like ${p} or q.name like ${p} or (q.surname || ' ' || q.name) like ${p})`,
    );
  }
  if (filters.municipality) where.push(`q.residence_istat = ${param(filters.municipality)}`);
  if (filters.reason) {
    if (!options.readable.has('reason'))
      throw new ListQueryError('reason: this role may not filter by reason');
    where.push(`q.reason = ${param(filters.reason)}`);
  }
  if (filters.status === 'ending') {
    where.push(`q.end_date = ${param(options.referenceDay)}::date`);
  } else if (filters.status) {
    where.push(`q.change = ${param(filters.status)}`);
  }
  if (filters.from) where.push(`q.start_date >= ${param(filters.from)}::date`);
  if (filters.to) where.push(`q.end_date <= ${param(filters.to)}::date`);
  if (!options.readable.has(SORT_COLUMN[filters.sort])) {
    throw new ListQueryError('sort: this role may not sort by that column');
  }
  const direction = filters.dir === 'desc' ? 'desc' : 'asc';
  const order = SORTS[filters.sort]
    .split(', ')
    .map((c) => `${c} ${direction}`)
    .join(', ');
  const text =
    `select ${columns.map((c) => `q.${c}`).join(', ')} from qdp.quarantines q where ${where.join(' and ')}` +
    ` order by ${order} limit ${param(options.limit)} offset ${param(options.offset)}`;
  return { text, values, columns };
}

/** What a list statement records of the people it showed (issue 14: "who saw my record"). */
export interface ListAudit {
  /** `list.view` (a page), `list.search` (a page of a search), `list.export` (the CSV). */
  action: 'list.view' | 'list.search' | 'list.export';
  importId: number | null;
  /** How many of the rows read are shown (a page reads one more, to know there is a next). */
  shownLimit: number;
  /** Recorded with the shown fiscal codes (filters, page). */
  detail: Record<string, unknown>;
  clientAddress: string;
}

/**
 * The list's statement with its audit entry written by the same statement: the rows are read
 * once (a materialised CTE), and one `qdp.audit` entry holds the fiscal codes of the rows shown
 * as `detail.shown` (in the page's order) and `detail.rows` (how many), found by a GIN index
 * (migration 0065) when a person asks who saw them. The entry is an InitPlan evaluated with the
 * first row: no row shown, no entry. Every role reads `fiscal_code`; a role that could not would
 * fail here rather than show people unrecorded.
 */
export function auditedListQuery(
  built: { text: string; values: unknown[] },
  audit: ListAudit,
): { text: string; values: unknown[] } {
  const values = [...built.values];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const text =
    `with page as materialized (${built.text}), ` +
    `shown as (select fiscal_code from page limit ${param(audit.shownLimit)}) ` +
    `select page.*, (select qdp.audit(${param(audit.action)}, null, ${param(audit.importId)}, ` +
    `${param(JSON.stringify(audit.detail))}::jsonb || jsonb_build_object(` +
    `'rows', (select count(*) from shown), 'shown', (select jsonb_agg(fiscal_code) from shown)), ` +
    `${param(audit.clientAddress)})) as audit_id from page`;
  return { text, values };
}

/** The rows of a built list query (a page, or an export). */
export async function listRows(
  client: pg.ClientBase,
  built: { text: string; values: unknown[] },
): Promise<Record<string, unknown>[]> {
  return (await client.query(built.text, built.values)).rows;
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
 * statement with its values inlined. The GP reads no aggregates by municipality: its options come
 * from its own (few) rows. The import is a literal id so that the partitioned table is pruned
 * while planning.
 */
export function municipalityOptionsStatement(viewer: SessionViewer): string {
  const sql =
    viewer.role === 'gp'
      ? `select distinct q.residence_istat as code, coalesce(m.name, q.residence_name, q.residence_istat) as name
         from qdp.quarantines q left join qdp.municipalities m on m.istat_code = q.residence_istat
         where q.import_id = $1 order by 2`
      : `select distinct b.residence_istat as code, coalesce(m.name, b.residence_istat) as name
         from qdp_analytics.by_municipality b left join qdp.municipalities m on m.istat_code = b.residence_istat
         where b.import_id = $1 and b.people > 0 order by 2`;
  return inlineParams(sql, [viewer.latestImport?.id ?? null]);
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
