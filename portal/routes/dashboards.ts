// Dashboards: charts drawn by /static/app.js with chart.js (served locally) from data the page
// carries as JSON (not executed: the CSP allows no inline script). Every number comes from the
// qdp_analytics aggregates, which the database scopes per role (queries/dashboards.ts). Roles
// narrowed to aggregates get counts below the dashboard_min_count setting suppressed.
import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { isoDay } from '../common.ts';
import { alert, h, jsonScript, layout, type Html } from '../html.ts';
import type { Translate } from '../i18n.ts';
import {
  accessesPerDay,
  byMunicipality,
  byReason,
  dailySeries,
  dashboardMinCount,
  gpLoad,
} from '../queries/dashboards.ts';
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

async function charts(
  client: pg.PoolClient,
  viewer: SessionViewer,
  t: Translate,
  threshold: number,
): Promise<Chart[]> {
  const active = viewer.aggregatesOnly;
  const s = (n: unknown) => suppress(Number(n ?? 0), threshold, active);
  const scope = viewer.role === 'gp' ? 'gp' : 'municipality';
  const result: Chart[] = [];
  const series = await dailySeries(client, scope);
  const days = series.map((r) => isoDay(r.reference_day));
  result.push({
    id: 'in-quarantine',
    title: t('chartInQuarantine'),
    type: 'line',
    labels: days,
    series: [{ label: t('people'), data: series.map((r) => s(r.people)) }],
  });
  result.push({
    id: 'flows',
    title: t('chartFlows'),
    type: 'bar',
    labels: days,
    series: [
      { label: t('entries'), data: series.map((r) => s(r.entries)) },
      { label: t('exits'), data: series.map((r) => s(r.exits)) },
    ],
  });
  const mun = await byMunicipality(client, scope);
  result.push({
    id: 'by-municipality',
    title: t(viewer.role === 'gp' ? 'chartByMunicipalityGp' : 'chartByMunicipality'),
    type: 'bar',
    labels: mun.map((r) => String(r.name)),
    series: [{ label: t('people'), data: mun.map((r) => s(r.people)) }],
  });
  if (['admin', 'staff', 'gp'].includes(viewer.role)) {
    const reasons = await byReason(client, scope);
    result.push({
      id: 'reasons',
      title: t('chartReasons'),
      type: 'doughnut',
      labels: reasons.map((r) => t(r.reason === 'POSITIVO' ? 'positive' : 'contact')),
      series: [{ label: t('people'), data: reasons.map((r) => s(r.people)) }],
    });
  }
  if (viewer.role === 'admin' || viewer.role === 'staff') {
    const gps = await gpLoad(client);
    result.push({
      id: 'gp-load',
      title: t('chartGpLoad'),
      type: 'bar',
      labels: gps.map((r) => String(r.gp_code)),
      series: [{ label: t('people'), data: gps.map((r) => s(r.people)) }],
    });
  }
  if (viewer.role === 'admin') {
    const acc = await accessesPerDay(client);
    result.push({
      id: 'accesses',
      title: t('chartAccesses'),
      type: 'bar',
      labels: acc.map((r) => isoDay(r.day)),
      series: [{ label: t('chartAccesses'), data: acc.map((r) => Number(r.n)) }],
    });
  }
  return result;
}

const dashboards: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  app.get('/cruscotti', async (req, reply) =>
    portal.asUser(req, reply, async (client, viewer) => {
      const ctx = portal.pageContext(req, reply, viewer);
      const { t } = ctx;
      const threshold = await dashboardMinCount(client);
      const list = viewer.latestImport ? await charts(client, viewer, t, threshold) : [];
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
    }),
  );
};

export default dashboards;
