// The quarantine list (search, filters, sort, pages, CSV export) and the patient page. What rows
// and fields appear is decided by the database for the session's role; the export and every view
// of a patient are written to the audit log in the same transaction. No URL carries a fiscal code
// or a name: the patient link and the search travel sealed for the session (common.ts
// SessionSeal); the search form is posted and redirected (Post/Redirect/Get) to a GET whose
// municipality, dates, sort and page stay plain, so links and pages keep working.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { csvLine } from '../../core/csv-export.ts';
import { alert, h, hiddenCsrf, layout, scrollBox, type Html } from '../html.ts';
import type { MessageKey, Translate } from '../i18n.ts';
import {
  buildListQuery,
  ListQueryError,
  listFiltersSchema,
  REASONS,
  shownColumns,
  SORT_KEYS,
  STATUSES,
  type ListColumn,
  type ListFilters,
} from '../list-query.ts';
import {
  formatDate,
  HttpError,
  isoDay,
  SEALED_PARAM,
  SEALED_REFUSED,
  sessionSeal,
  type SessionSeal,
} from '../common.ts';
import type { Portal, SessionViewer } from '../server.ts';

const COLUMN_LABEL: Record<ListColumn, MessageKey> = {
  fiscal_code: 'fiscalCode',
  surname: 'surname',
  name: 'name',
  birth_date: 'birthDate',
  residence_name: 'municipality',
  address: 'address',
  phone: 'phone',
  gp_name: 'gp',
  reason: 'reason',
  start_date: 'start',
  end_date: 'end',
  change: 'change',
};

const CHANGE_LABEL: Record<string, MessageKey> = {
  new: 'statusNew',
  extended: 'statusExtended',
  shortened: 'statusShortened',
  unchanged: 'statusUnchanged',
  ending: 'statusEnding',
};

const SORT_LABEL: Record<string, MessageKey> = {
  fiscal_code: 'fiscalCode',
  surname: 'surname',
  start_date: 'start',
  end_date: 'end',
  municipality: 'municipality',
};

/** Roles whose users may export the list (everyone who sees rows; the export is audited). */
export const EXPORT_ROLES = new Set(['admin', 'staff', 'prefecture', 'municipality', 'gp']);

function parseFilters(query: unknown): ListFilters {
  const parsed = listFiltersSchema.safeParse(query ?? {});
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new HttpError(400, 'invalidInput', what);
  }
  return parsed.data;
}

/**
 * The filters of a list URL: the plain ones from the query string, the search from its sealed
 * value. A plain `q` is refused: a search never travels in clear.
 */
function urlFilters(query: unknown, seal: SessionSeal): ListFilters {
  const { [SEALED_PARAM]: sealed, ...plain } = (query ?? {}) as Record<string, unknown>;
  if (plain.q !== undefined) {
    throw new HttpError(400, 'invalidInput', 'q: a search is sent with the search form only');
  }
  let q: string | undefined;
  if (sealed !== undefined) {
    q = typeof sealed === 'string' ? seal.open('list-search', sealed) : undefined;
    if (q === undefined) throw new HttpError(400, 'invalidInput', SEALED_REFUSED);
  }
  return parseFilters({ ...plain, q });
}

function cell(column: ListColumn, value: unknown, t: Translate, lang: 'it' | 'en'): string {
  if (value === null || value === undefined) return '';
  if (column === 'birth_date' || column === 'start_date' || column === 'end_date')
    return formatDate(value as Date, lang);
  if (column === 'reason') return t(value === 'POSITIVO' ? 'positive' : 'contact');
  if (column === 'change') return t(CHANGE_LABEL[String(value)] ?? 'statusUnchanged');
  return String(value);
}

// The filter's municipalities change only with the latest import: kept per user and import.
const OPTIONS_CACHE_SIZE = 1000;
const optionsCache = new Map<string, { code: string; name: string }[]>();

async function municipalityOptions(
  client: pg.PoolClient,
  viewer: SessionViewer,
): Promise<{ code: string; name: string }[]> {
  const key = `${viewer.id}:${viewer.dbRole}:${viewer.istatCode}:${viewer.gpCode}:${viewer.latestImport?.id ?? 0}`;
  const cached = optionsCache.get(key);
  if (cached) return cached;
  const fresh = await queryMunicipalityOptions(client, viewer);
  if (optionsCache.size >= OPTIONS_CACHE_SIZE) optionsCache.clear();
  optionsCache.set(key, fresh);
  return fresh;
}

async function queryMunicipalityOptions(
  client: pg.PoolClient,
  viewer: SessionViewer,
): Promise<{ code: string; name: string }[]> {
  const latest = viewer.latestImport?.id;
  if (latest === undefined) return [];
  // The GP reads no aggregates by municipality: its options come from its own (few) rows. The
  // import is a literal id so that the partitioned table is pruned while planning (list-query.ts).
  const sql =
    viewer.role === 'gp'
      ? `select distinct q.residence_istat as code, coalesce(m.name, q.residence_name, q.residence_istat) as name
         from qdp.quarantines q left join qdp.municipalities m on m.istat_code = q.residence_istat
         where q.import_id = $1 order by 2`
      : `select distinct b.residence_istat as code, coalesce(m.name, b.residence_istat) as name
         from qdp_analytics.by_municipality b left join qdp.municipalities m on m.istat_code = b.residence_istat
         where b.import_id = $1 and b.people > 0 order by 2`;
  const { rows } = await client.query<{ code: string; name: string }>(sql, [latest]);
  return rows;
}

/** The query string of a list URL: the search sealed, everything else plain. */
function queryString(
  filters: ListFilters,
  overrides: Partial<Record<keyof ListFilters, string | number>>,
  seal: SessionSeal,
): string {
  const params = new URLSearchParams();
  const merged = { ...filters, ...overrides } as Record<string, unknown>;
  if (filters.q) params.set(SEALED_PARAM, seal.seal('list-search', filters.q));
  for (const key of [
    'municipality',
    'reason',
    'status',
    'from',
    'to',
    'sort',
    'dir',
    'page',
    'import',
  ]) {
    const value = merged[key];
    if (value !== undefined && value !== '' && value !== null) params.set(key, String(value));
  }
  return params.toString();
}

function option(value: string, label: string, selected: string | undefined): Html {
  return h`<option value="${value}"${selected === value ? h` selected` : ''}>${label}</option>`;
}

/**
 * The import the list shows: the latest (its id as the session read it), or for an administrator
 * the one asked for (with its reference day, for "ending"). Others asking for an import get a
 * 400: the database would show them nothing of it anyway.
 */
async function chosenImport(
  client: pg.PoolClient,
  viewer: SessionViewer,
  filters: ListFilters,
): Promise<{ importId: number | null; referenceDay: string | null; picked: boolean }> {
  if (filters.import === undefined) {
    return {
      importId: viewer.latestImport?.id ?? null,
      referenceDay: viewer.latestImport?.referenceDay ?? null,
      picked: false,
    };
  }
  if (viewer.role !== 'admin') {
    throw new HttpError(400, 'invalidInput', 'import: only administrators choose the import');
  }
  const { rows } = await client.query<{ day: string | null }>(
    'select reference_day::text as day from qdp_analytics.imports where import_id = $1',
    [filters.import],
  );
  return { importId: filters.import, referenceDay: rows[0]?.day ?? null, picked: true };
}

export function registerListRoutes(portal: Portal): void {
  const { app, config } = portal;

  // The search form: validated, then redirected to the list's URL with the search sealed.
  app.post('/quarantene', { preHandler: app.csrfProtection }, async (req, reply) => {
    if ((await portal.sessionUserId(req)) === undefined) throw new HttpError(401, 'sessionEnded');
    const seal = sessionSeal(config, req.portal.sessionToken);
    const { page: _page, ...filters } = parseFilters(req.body);
    return reply.redirect(`/quarantene?${queryString({ ...filters, page: 1 }, {}, seal)}`, 303);
  });

  app.get('/quarantene', async (req, reply) => {
    return portal.asUser(req, reply, async (client, viewer) => {
      const seal = sessionSeal(config, req.portal.sessionToken);
      const filters = urlFilters(req.query, seal);
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const readable = await portal.readableColumns(client, viewer.dbRole, 'qdp.quarantines');
      const chosen = await chosenImport(client, viewer, filters);
      let built;
      try {
        built = buildListQuery(filters, {
          readable,
          importId: chosen.importId,
          referenceDay: chosen.referenceDay,
          limit: config.pageSize + 1,
          offset: (filters.page - 1) * config.pageSize,
        });
      } catch (error) {
        if (error instanceof ListQueryError)
          throw new HttpError(400, 'invalidInput', error.message);
        throw error;
      }
      const { rows } = await client.query(built.text, built.values);
      const more = rows.length > config.pageSize;
      const pageRows = rows.slice(0, config.pageSize);
      const municipalities = await municipalityOptions(client, viewer);
      const columns = built.columns;
      const canReason = readable.has('reason');
      const table =
        pageRows.length === 0
          ? alert('info', t('noRows'))
          : h`<div ${scrollBox(t('navList'))}><table class="table table-sm table-hover" data-testid="quarantine-list">
<caption class="visually-hidden">${t('navList')}</caption>
<thead><tr>${columns.map((c) => h`<th scope="col" data-column="${c}">${t(COLUMN_LABEL[c])}</th>`)}</tr></thead>
<tbody>${pageRows.map(
              (r) =>
                h`<tr data-fiscal-code="${r.fiscal_code}">${columns.map((c) =>
                  c === 'fiscal_code'
                    ? h`<td><a href="/persone/${seal.seal('patient', String(r.fiscal_code))}">${r.fiscal_code}</a></td>`
                    : h`<td>${cell(c, r[c], t, lang)}</td>`,
                )}</tr>`,
            )}</tbody></table></div>`;
      const pager = h`<nav aria-label="${t('page', { n: filters.page })}" class="d-flex gap-3 align-items-center my-3">
${filters.page > 1 ? h`<a class="btn btn-outline-primary btn-sm" rel="prev" href="/quarantene?${queryString(filters, { page: filters.page - 1 }, seal)}">${t('previous')}</a>` : ''}
<span>${t('page', { n: filters.page })} · ${t('rowsShown', { n: pageRows.length })}</span>
${more ? h`<a class="btn btn-outline-primary btn-sm" rel="next" href="/quarantene?${queryString(filters, { page: filters.page + 1 }, seal)}">${t('next')}</a>` : ''}
</nav>`;
      const exportForm = EXPORT_ROLES.has(viewer.role)
        ? h`<form method="post" action="/quarantene/export?${queryString(filters, { page: '' }, seal)}" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-secondary btn-sm">${t('exportCsv')}</button></form>`
        : '';
      const body = h`<h1 class="h3">${t('navList')}</h1>
<form method="post" action="/quarantene" class="row g-3 align-items-end my-3" role="search">${hiddenCsrf(ctx)}
<div class="col-12 col-md-4"><label for="f-q" class="form-label">${t('search')}</label><input class="form-control" id="f-q" name="q" value="${filters.q ?? ''}" maxlength="100"></div>
<div class="col-6 col-md-3"><label for="f-mun" class="form-label">${t('municipality')}</label><select class="form-select" id="f-mun" name="municipality">${option('', t('any'), filters.municipality)}${municipalities.map((m) => option(m.code, m.name, filters.municipality))}</select></div>
${canReason ? h`<div class="col-6 col-md-2"><label for="f-reason" class="form-label">${t('reason')}</label><select class="form-select" id="f-reason" name="reason">${option('', t('any'), filters.reason)}${REASONS.map((r) => option(r, t(r === 'POSITIVO' ? 'positive' : 'contact'), filters.reason))}</select></div>` : ''}
<div class="col-6 col-md-3"><label for="f-status" class="form-label">${t('status')}</label><select class="form-select" id="f-status" name="status">${option('', t('any'), filters.status)}${STATUSES.map((s) => option(s, t(CHANGE_LABEL[s]!), filters.status))}</select></div>
<div class="col-6 col-md-2"><label for="f-from" class="form-label">${t('from')}</label><input type="date" class="form-control" id="f-from" name="from" value="${filters.from ?? ''}"></div>
<div class="col-6 col-md-2"><label for="f-to" class="form-label">${t('to')}</label><input type="date" class="form-control" id="f-to" name="to" value="${filters.to ?? ''}"></div>
<div class="col-6 col-md-3"><label for="f-sort" class="form-label">${t('sort')}</label><select class="form-select" id="f-sort" name="sort">${SORT_KEYS.filter((s) => s !== 'municipality' || readable.has('residence_name')).map((s) => option(s, t(SORT_LABEL[s]!), filters.sort))}</select></div>
<div class="col-6 col-md-2"><label for="f-dir" class="form-label">${t('direction')}</label><select class="form-select" id="f-dir" name="dir">${option('asc', t('asc'), filters.dir)}${option('desc', t('desc'), filters.dir)}</select></div>
${viewer.role === 'admin' ? h`<div class="col-6 col-md-2"><label for="f-import" class="form-label">${t('importCol')}</label><input type="number" min="1" class="form-control" id="f-import" name="import" value="${filters.import ?? ''}"></div>` : ''}
<div class="col-12 col-md-2"><button type="submit" class="btn btn-primary w-100">${t('apply')}</button></div>
</form>
${chosen.picked ? alert('warning', `${t('importCol')} ${chosen.importId}`) : ''}
<div class="my-2">${exportForm}</div>
${table}
${pager}`;
      return portal.send(reply, layout(ctx, t('navList'), body));
    });
  });

  app.post('/quarantene/export', { preHandler: app.csrfProtection }, async (req, reply) => {
    return portal.asUser(req, reply, async (client, viewer) => {
      const filters = urlFilters(req.query, sessionSeal(config, req.portal.sessionToken));
      if (!EXPORT_ROLES.has(viewer.role)) throw new HttpError(403, 'forbidden');
      const readable = await portal.readableColumns(client, viewer.dbRole, 'qdp.quarantines');
      const chosen = await chosenImport(client, viewer, filters);
      const built = buildListQuery(filters, {
        readable,
        importId: chosen.importId,
        referenceDay: chosen.referenceDay,
        limit: config.exportMaxRows + 1,
        offset: 0,
      });
      const { rows } = await client.query(built.text, built.values);
      if (rows.length > config.exportMaxRows) {
        throw new HttpError(
          400,
          'invalidInput',
          `more than ${config.exportMaxRows} rows (QDP_PORTAL_EXPORT_MAX_ROWS): narrow the filters`,
        );
      }
      const { page: _page, ...auditFilters } = filters;
      const exportedImport = chosen.importId;
      await client.query("select qdp.audit('list.export', null, $1, $2, $3)", [
        exportedImport,
        JSON.stringify({ filters: auditFilters, rows: rows.length }),
        portal.clientAddress(req),
      ]);
      const columns = shownColumns(readable);
      const lines = [csvLine(columns)];
      for (const r of rows)
        lines.push(csvLine(columns.map((c) => (r[c] instanceof Date ? isoDay(r[c]) : r[c]))));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="quarantene-${exportedImport ?? 'none'}.csv"`,
        )
        .header('cache-control', 'no-store')
        .send(`\uFEFF${lines.join('')}`);
    });
  });

  // The patient page: the fiscal code is sealed in the path. A value that does not open (altered,
  // another session's, another purpose's) is the same 404 as another scope's person.
  app.get('/persone/:sealed', async (req: FastifyRequest, reply: FastifyReply) => {
    const sealed = String((req.params as { sealed: string }).sealed);
    return portal.asUser(req, reply, async (client, viewer) => {
      const fiscalCode = sessionSeal(config, req.portal.sessionToken).open('patient', sealed);
      if (fiscalCode === undefined || !/^[A-Z0-9]{16}$/.test(fiscalCode))
        throw new HttpError(404, 'notFound');
      const readable = await portal.readableColumns(client, viewer.dbRole, 'qdp.quarantines');
      const fields = [
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
      ].filter((f) => readable.has(f));
      // A literal import id: the partitioned table is pruned while planning (list-query.ts).
      const { rows } = await client.query(
        `select ${fields.map((f) => `q.${f}`).join(', ')} from qdp.quarantines q
         where q.fiscal_code = $1 and q.import_id = $2`,
        [fiscalCode, viewer.latestImport?.id ?? null],
      );
      const row = rows[0];
      if (!row) throw new HttpError(404, 'notFound');
      await client.query("select qdp.audit('patient.view', $1, $2, null, $3)", [
        fiscalCode,
        viewer.latestImport?.id ?? null,
        portal.clientAddress(req),
      ]);
      const timeline = await client.query(
        'select import_id, reference_day, published_at, start_date, end_date, change from qdp.portal_patient_timeline($1)',
        [fiscalCode],
      );
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const label: Record<string, MessageKey> = {
        fiscal_code: 'fiscalCode',
        surname: 'surname',
        name: 'name',
        sex: 'sex',
        birth_date: 'birthDate',
        residence_name: 'municipality',
        residence_istat: 'istatCode',
        address: 'address',
        phone: 'phone',
        gp_code: 'gpCode',
        gp_name: 'gp',
        reason: 'reason',
        start_date: 'start',
        end_date: 'end',
        change: 'change',
      };
      const value = (f: string): string => {
        const v = row[f];
        if (f === 'reason' || f === 'change') return cell(f as ListColumn, v, t, lang);
        if (v instanceof Date) return formatDate(isoDay(v), lang);
        return v === null || v === undefined ? '' : String(v);
      };
      const body = h`<h1 class="h3">${t('patientTitle')}: ${row.surname ?? ''} ${row.name ?? ''}</h1>
<dl class="row" data-testid="patient-fields">${fields.map(
        (f) =>
          h`<dt class="col-sm-4" data-field="${f}">${t(label[f]!)}</dt><dd class="col-sm-8" data-value="${f}">${value(f)}</dd>`,
      )}</dl>
<h2 class="h4 mt-4">${t('timeline')}</h2>
<div ${scrollBox(t('timeline'))}><table class="table table-sm" data-testid="timeline">
<thead><tr><th scope="col">${t('importCol')}</th><th scope="col">${t('publishedAt')}</th><th scope="col">${t('start')}</th><th scope="col">${t('end')}</th><th scope="col">${t('change')}</th></tr></thead>
<tbody>${timeline.rows.map(
        (r) =>
          h`<tr><td>${r.import_id}</td><td>${formatDate(r.reference_day ? isoDay(r.reference_day) : null, lang)}</td><td>${formatDate(isoDay(r.start_date), lang)}</td><td>${formatDate(isoDay(r.end_date), lang)}</td><td>${cell('change', r.change, t, lang)}</td></tr>`,
      )}</tbody></table></div>
<details class="mt-4"><summary>${t('purpose')}</summary><p>${viewer.purpose}</p><p class="small">${viewer.legalBasis}</p></details>`;
      return portal.send(reply, layout(ctx, t('patientTitle'), body));
    });
  });
}
