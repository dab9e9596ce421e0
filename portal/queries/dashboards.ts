// The dashboards' reads, all from the qdp_analytics aggregates, which the database scopes per role
// (a municipality reads its own code, a GP its own; the reason is withheld where the role may not
// see it). A GP's scope is its patients (by_gp, by_gp_municipality); everyone else's is by
// municipality (all of them, or the municipality's own row).
import type pg from 'pg';

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

/** The suppression threshold for roles narrowed to aggregates (setting dashboard_min_count). */
export async function dashboardMinCount(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ v: string | null }>(
    "select qdp.portal_setting('dashboard_min_count') as v",
  );
  return Number(rows[0]?.v ?? 5);
}

export interface DayRow {
  reference_day: Date;
  people: string;
  entries: string;
  exits: string;
}

/** People, entries and exits per reference day over DASHBOARD_DAYS. */
export async function dailySeries(client: pg.ClientBase, scope: Scope): Promise<DayRow[]> {
  const { rows } = await client.query<DayRow>(
    `select d.reference_day, coalesce(sum(b.people), 0) as people, coalesce(sum(b.entries), 0) as entries,
       coalesce(sum(b.exits), 0) as exits
     from (${SERIES_IMPORTS}) d left join ${scopeTable(scope)} b on b.import_id = d.import_id
     group by d.reference_day order by d.reference_day`,
  );
  return rows;
}

/** People by municipality of residence in the latest import (a GP: its own patients'). */
export async function byMunicipality(
  client: pg.ClientBase,
  scope: Scope,
): Promise<{ name: string; people: string }[]> {
  const table =
    scope === 'gp' ? 'qdp_analytics.by_gp_municipality' : 'qdp_analytics.by_municipality';
  const { rows } = await client.query<{ name: string; people: string }>(
    `select coalesce(m.name, b.residence_istat) as name, sum(b.people) as people
     from ${table} b left join qdp.municipalities m on m.istat_code = b.residence_istat
     where b.import_id = qdp.latest_import_id()
     group by b.residence_istat, m.name having sum(b.people) > 0 order by 2 desc, 1
     limit ${DASHBOARD_TOP}`,
  );
  return rows;
}

export async function byReason(
  client: pg.ClientBase,
  scope: Scope,
): Promise<{ reason: string; people: string }[]> {
  const { rows } = await client.query<{ reason: string; people: string }>(
    `select reason, sum(people) as people from ${scopeTable(scope)}
     where import_id = qdp.latest_import_id() group by reason order by reason`,
  );
  return rows;
}

/** People per GP in the latest import (staff and administrators). */
export async function gpLoad(
  client: pg.ClientBase,
): Promise<{ gp_code: string; people: string }[]> {
  const { rows } = await client.query<{ gp_code: string; people: string }>(
    `select gp_code, sum(people) as people from qdp_analytics.by_gp
     where import_id = qdp.latest_import_id() and gp_code <> ''
     group by gp_code order by 2 desc, 1 limit ${DASHBOARD_TOP}`,
  );
  return rows;
}

/** Audited accesses per day (administrators). */
export async function accessesPerDay(client: pg.ClientBase): Promise<{ day: Date; n: string }[]> {
  const { rows } = await client.query<{ day: Date; n: string }>(
    `select day, sum(count) as n from qdp_analytics.accesses
     where day > current_date - ${DASHBOARD_DAYS} group by day order by day`,
  );
  return rows;
}
