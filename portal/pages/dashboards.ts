// Dashboards: charts drawn by /static/app.js with chart.js (served locally) from data the page
// carries as JSON (not executed: the CSP allows no inline script). Every number comes from the
// qdp_analytics aggregates, which the database scopes per role (a municipality reads its own
// code, a GP its own; the reason is withheld where the role may not see it). Roles narrowed to
// aggregates get counts below the dashboard_min_count setting suppressed.
import type pg from 'pg';
import { alert, h, jsonScript, layout, type Html } from '../html.ts';
import type { Translate } from '../i18n.ts';
import { isoDay } from '../common.ts';
import type { Portal, SessionViewer } from '../server.ts';

/** Days of history the time charts show. */
export const DASHBOARD_DAYS = 90;
/** Bars in the per-municipality and per-GP charts. */
export const DASHBOARD_TOP = 30;

export interface Chart {
  id: string;
  title: string;
  type: 'line' | 'bar' | 'doughnut';
  labels: string[];
  series: { label: string; data: (number | null)[] }[];
}

/** null: suppressed (below the threshold, for a role without row access). */
export function suppress(value: number, threshold: number, active: boolean): number | null {
  return active && value > 0 && value < threshold ? null : value;
}

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

async function charts(
  client: pg.PoolClient,
  viewer: SessionViewer,
  t: Translate,
  threshold: number,
): Promise<Chart[]> {
  const active = viewer.aggregatesOnly;
  const s = (n: unknown) => suppress(Number(n ?? 0), threshold, active);
  // The GP's scope is its patients (by_gp, by_gp_municipality); everyone else's is by
  // municipality (all of them, or the municipality's own row: the database decides).
  const scopeTable = viewer.role === 'gp' ? 'qdp_analytics.by_gp' : 'qdp_analytics.by_municipality';
  const result: Chart[] = [];
  const series = await client.query(
    `select d.reference_day, coalesce(sum(b.people), 0) as people, coalesce(sum(b.entries), 0) as entries,
       coalesce(sum(b.exits), 0) as exits
     from (${SERIES_IMPORTS}) d left join ${scopeTable} b on b.import_id = d.import_id
     group by d.reference_day order by d.reference_day`,
  );
  const days = series.rows.map((r) => isoDay(r.reference_day));
  result.push({
    id: 'in-quarantine',
    title: t('chartInQuarantine'),
    type: 'line',
    labels: days,
    series: [{ label: t('people'), data: series.rows.map((r) => s(r.people)) }],
  });
  result.push({
    id: 'flows',
    title: t('chartFlows'),
    type: 'bar',
    labels: days,
    series: [
      { label: t('entries'), data: series.rows.map((r) => s(r.entries)) },
      { label: t('exits'), data: series.rows.map((r) => s(r.exits)) },
    ],
  });
  // By municipality of residence: for a GP its own patients' (by_gp_municipality), for everyone
  // else every municipality's or the municipality's own (the database decides).
  const munTable =
    viewer.role === 'gp' ? 'qdp_analytics.by_gp_municipality' : 'qdp_analytics.by_municipality';
  const mun = await client.query(
    `select coalesce(m.name, b.residence_istat) as name, sum(b.people) as people
     from ${munTable} b left join qdp.municipalities m on m.istat_code = b.residence_istat
     where b.import_id = qdp.latest_import_id()
     group by b.residence_istat, m.name having sum(b.people) > 0 order by 2 desc, 1
     limit ${DASHBOARD_TOP}`,
  );
  result.push({
    id: 'by-municipality',
    title: t(viewer.role === 'gp' ? 'chartByMunicipalityGp' : 'chartByMunicipality'),
    type: 'bar',
    labels: mun.rows.map((r) => String(r.name)),
    series: [{ label: t('people'), data: mun.rows.map((r) => s(r.people)) }],
  });
  const reasonReadable = ['admin', 'staff', 'gp'].includes(viewer.role);
  if (reasonReadable) {
    const reasons = await client.query(
      `select reason, sum(people) as people from ${scopeTable}
       where import_id = qdp.latest_import_id() group by reason order by reason`,
    );
    result.push({
      id: 'reasons',
      title: t('chartReasons'),
      type: 'doughnut',
      labels: reasons.rows.map((r) => t(r.reason === 'POSITIVO' ? 'positive' : 'contact')),
      series: [{ label: t('people'), data: reasons.rows.map((r) => s(r.people)) }],
    });
  }
  if (viewer.role === 'admin' || viewer.role === 'staff') {
    const gps = await client.query(
      `select gp_code, sum(people) as people from qdp_analytics.by_gp
       where import_id = qdp.latest_import_id() and gp_code <> ''
       group by gp_code order by 2 desc, 1 limit ${DASHBOARD_TOP}`,
    );
    result.push({
      id: 'gp-load',
      title: t('chartGpLoad'),
      type: 'bar',
      labels: gps.rows.map((r) => String(r.gp_code)),
      series: [{ label: t('people'), data: gps.rows.map((r) => s(r.people)) }],
    });
  }
  if (viewer.role === 'admin') {
    const acc = await client.query(
      `select day, sum(count) as n from qdp_analytics.accesses
       where day > current_date - ${DASHBOARD_DAYS} group by day order by day`,
    );
    result.push({
      id: 'accesses',
      title: t('chartAccesses'),
      type: 'bar',
      labels: acc.rows.map((r) => isoDay(r.day)),
      series: [{ label: t('chartAccesses'), data: acc.rows.map((r) => Number(r.n)) }],
    });
  }
  return result;
}

export function registerDashboardRoutes(portal: Portal): void {
  portal.app.get('/cruscotti', async (req, reply) =>
    portal.asUser(req, reply, async (client, viewer) => {
      const ctx = portal.pageContext(req, reply, viewer);
      const { t } = ctx;
      const setting = await client.query<{ v: string | null }>(
        "select qdp.portal_setting('dashboard_min_count') as v",
      );
      const threshold = Number(setting.rows[0]?.v ?? 5);
      const list = viewer.latestImport ? await charts(client, viewer, t, threshold) : [];
      const figure = (c: Chart): Html =>
        h`<section class="col-12 col-lg-6 mb-4" aria-labelledby="title-${c.id}">
<h2 class="h5" id="title-${c.id}">${c.title}</h2>
<div class="chart-box"><canvas id="chart-${c.id}" data-chart="${c.id}" role="img" aria-label="${c.title}"></canvas></div>
<details class="small"><summary>${t('dataTable')}</summary>
<table class="table table-sm" data-testid="table-${c.id}"><thead><tr><th scope="col"></th>${c.series.map((x) => h`<th scope="col">${x.label}</th>`)}</tr></thead>
<tbody>${c.labels.map((label, i) => h`<tr><th scope="row">${label}</th>${c.series.map((x) => h`<td>${x.data[i] === null ? `< ${threshold}` : String(x.data[i])}</td>`)}</tr>`)}</tbody></table></details>
</section>`;
      const body = h`<h1 class="h3">${t('dashboardsTitle')}</h1>
${viewer.aggregatesOnly ? alert('info', t('suppressed', { n: threshold })) : ''}
${list.length === 0 ? alert('info', t('noData')) : ''}
<div class="row">${list.map(figure)}</div>
${jsonScript('chart-data', { charts: list, suppressedLabel: `< ${threshold}` })}`;
      const html = layout(ctx, t('dashboardsTitle'), body, {
        scripts: ['/static/chart/chart.umd.min.js'],
      });
      return portal.send(reply, html);
    }),
  );
}
