// The dashboards' reads, all from the qdp_analytics aggregates, which the database scopes per role
// (a municipality reads its own code, a GP its own; the reason is withheld where the role may not
// see it). A GP's scope is its patients (by_gp, by_gp_municipality); everyone else's is by
// municipality (all of them, or the municipality's own row).

/** Days of history the time charts show. */
export const DASHBOARD_DAYS = 90;
/** Bars in the per-municipality and per-GP charts. */
export const DASHBOARD_TOP = 30;

// The imports that make the daily series: for each reference day, the one published last.
const SERIES_IMPORTS = `
  with pubs as (
    select import_id, max(publication_id) as last_pub from qdp_analytics.publications group by import_id
  ), latest as (
    select a.reference_day from qdp_analytics.imports a where a.import_id = qdp.latest_import_id()
  )
  select distinct on (a.reference_day) a.import_id, a.reference_day
  from qdp_analytics.imports a join pubs p on p.import_id = a.import_id, latest l
  where a.reference_day > l.reference_day - ${DASHBOARD_DAYS} and a.reference_day <= l.reference_day
  order by a.reference_day, p.last_pub desc`;

type Scope = 'gp' | 'municipality';

function scopeTable(scope: Scope): string {
  return scope === 'gp' ? 'qdp_analytics.by_gp' : 'qdp_analytics.by_municipality';
}

export interface DayRow {
  reference_day: Date;
  people: string;
  entries: string;
  exits: string;
}

/** What the dashboards read, each one statement; which ones depends on the role. */
export interface DashboardReads {
  /** The suppression threshold for roles narrowed to aggregates (setting dashboard_min_count). */
  minCount: { v: string | null }[];
  /** People, entries and exits per reference day over DASHBOARD_DAYS. */
  daily: DayRow[];
  /** People by municipality of residence in the latest import (a GP: its own patients'). */
  byMunicipality: { name: string; people: string }[];
  /** People by reason (roles that see the reason). */
  byReason?: { reason: string; people: string }[];
  /** People per GP in the latest import (staff and administrators). */
  gpLoad?: { gp_code: string; people: string }[];
  /** Audited accesses per day (administrators). */
  accesses?: { day: Date; n: string }[];
}

/** The dashboards' statements for a role, by the name of what each reads. */
export function dashboardStatements(role: string): Partial<Record<keyof DashboardReads, string>> {
  const scope: Scope = role === 'gp' ? 'gp' : 'municipality';
  const munTable =
    scope === 'gp' ? 'qdp_analytics.by_gp_municipality' : 'qdp_analytics.by_municipality';
  const statements: Partial<Record<keyof DashboardReads, string>> = {
    minCount: "select qdp.portal_setting('dashboard_min_count') as v",
    daily: `select d.reference_day, coalesce(sum(b.people), 0) as people, coalesce(sum(b.entries), 0) as entries,
       coalesce(sum(b.exits), 0) as exits
     from (${SERIES_IMPORTS}) d left join ${scopeTable(scope)} b on b.import_id = d.import_id
     group by d.reference_day order by d.reference_day`,
    byMunicipality: `select coalesce(m.name, b.residence_istat) as name, sum(b.people) as people
     from ${munTable} b left join qdp.municipalities m on m.istat_code = b.residence_istat
     where b.import_id = qdp.latest_import_id()
     group by b.residence_istat, m.name having sum(b.people) > 0 order by 2 desc, 1
     limit ${DASHBOARD_TOP}`,
  };
  if (['admin', 'staff', 'gp'].includes(role)) {
    statements.byReason = `select reason, sum(people) as people from ${scopeTable(scope)}
     where import_id = qdp.latest_import_id() group by reason order by reason`;
  }
  if (role === 'admin' || role === 'staff') {
    statements.gpLoad = `select gp_code, sum(people) as people from qdp_analytics.by_gp
     where import_id = qdp.latest_import_id() and gp_code <> ''
     group by gp_code order by 2 desc, 1 limit ${DASHBOARD_TOP}`;
  }
  if (role === 'admin') {
    statements.accesses = `select day, sum(count) as n from qdp_analytics.accesses
     where day > current_date - ${DASHBOARD_DAYS} group by day order by day`;
  }
  return statements;
}
