// Dashboards: charts drawn by /static/app.js with chart.js (served locally) from data the page
// carries as JSON (not executed: the CSP allows no inline script). Every number comes from the
// qdp_analytics aggregates, which the database scopes per role (queries/dashboards.ts). Roles
// narrowed to aggregates get counts below the dashboard_min_count setting suppressed.
import type { FastifyPluginAsync } from 'fastify';
import { isoDay } from '../common.ts';
import { alert, h, jsonScript, layout, type Html } from '../html.ts';
import type { Translate } from '../i18n.ts';
import { dashboardStatements, type DashboardReads } from '../queries/dashboards.ts';
import type { SessionViewer } from '../queries/session.ts';

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

/** The role's charts from what the dashboards read (queries/dashboards.ts). */
function charts(
  reads: DashboardReads,
  viewer: SessionViewer,
  t: Translate,
  threshold: number,
): Chart[] {
  const active = viewer.aggregatesOnly;
  const s = (n: unknown) => suppress(Number(n ?? 0), threshold, active);
  const result: Chart[] = [];
  const days = reads.daily.map((r) => isoDay(r.reference_day));
  result.push({
    id: 'in-quarantine',
    title: t('chartInQuarantine'),
    type: 'line',
    labels: days,
    series: [{ label: t('people'), data: reads.daily.map((r) => s(r.people)) }],
  });
  result.push({
    id: 'flows',
    title: t('chartFlows'),
    type: 'bar',
    labels: days,
    series: [
      { label: t('entries'), data: reads.daily.map((r) => s(r.entries)) },
      { label: t('exits'), data: reads.daily.map((r) => s(r.exits)) },
    ],
  });
  result.push({
    id: 'by-municipality',
    title: t(viewer.role === 'gp' ? 'chartByMunicipalityGp' : 'chartByMunicipality'),
    type: 'bar',
    labels: reads.byMunicipality.map((r) => String(r.name)),
    series: [{ label: t('people'), data: reads.byMunicipality.map((r) => s(r.people)) }],
  });
  if (reads.byReason) {
    result.push({
      id: 'reasons',
      title: t('chartReasons'),
      type: 'doughnut',
      labels: reads.byReason.map((r) => t(r.reason === 'POSITIVO' ? 'positive' : 'contact')),
      series: [{ label: t('people'), data: reads.byReason.map((r) => s(r.people)) }],
    });
  }
  if (reads.gpLoad) {
    result.push({
      id: 'gp-load',
      title: t('chartGpLoad'),
      type: 'bar',
      labels: reads.gpLoad.map((r) => String(r.gp_code)),
      series: [{ label: t('people'), data: reads.gpLoad.map((r) => s(r.people)) }],
    });
  }
  if (reads.accesses) {
    result.push({
      id: 'accesses',
      title: t('chartAccesses'),
      type: 'bar',
      labels: reads.accesses.map((r) => isoDay(r.day)),
      series: [{ label: t('chartAccesses'), data: reads.accesses.map((r) => Number(r.n)) }],
    });
  }
  return result;
}

const dashboards: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  // One round trip: the session, every aggregate the role's charts need, COMMIT.
  app.get('/cruscotti', async (req, reply) => {
    let names: (keyof DashboardReads)[] = [];
    return portal.onceAsUser(
      req,
      reply,
      (guess) => {
        const statements = dashboardStatements(guess.role);
        names = Object.keys(statements) as (keyof DashboardReads)[];
        return names.map((n) => statements[n]!);
      },
      (viewer, rows) => {
        const reads = Object.fromEntries(
          names.map((n, i) => [n, rows[i]]),
        ) as unknown as DashboardReads;
        const ctx = portal.pageContext(req, reply, viewer);
        const { t } = ctx;
        const threshold = Number(reads.minCount[0]?.v ?? 5);
        const list = viewer.latestImport ? charts(reads, viewer, t, threshold) : [];
        const figure = (c: Chart): Html =>
          h`<section class="col-12 col-lg-6 mb-4" aria-labelledby="title-${c.id}">
<h2 class="h5" id="title-${c.id}">${c.title}</h2>
<div class="chart-box"><canvas id="chart-${c.id}" data-chart="${c.id}" role="img" aria-label="${c.title}"></canvas></div>
<details class="small"><summary>${t('dataTable')}</summary>
<table class="table table-sm wrap-anywhere" data-testid="table-${c.id}"><thead><tr><th scope="col"></th>${c.series.map((x) => h`<th scope="col">${x.label}</th>`)}</tr></thead>
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
      },
    );
  });
};

export default dashboards;
