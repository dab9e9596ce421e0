// The quarantine list (search, filters, sort, pages) and its CSV export. What rows and fields
// appear is decided by the database for the session's role; the export is written to the audit
// log in the same transaction. No URL carries a fiscal code or a name: the patient link and the
// search travel sealed for the session (common.ts SessionSeal); the search form is posted and
// redirected (Post/Redirect/Get) to a GET whose municipality, dates, sort and page stay plain, so
// links and pages keep working.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { csvLine, SPREADSHEET_CSV } from '../../core/csv-export.ts';
import {
  HttpError,
  isoDay,
  SEALED_PARAM,
  SEALED_REFUSED,
  sessionSeal,
  type SessionSeal,
} from '../common.ts';
import { alert, cut, h, hiddenCsrf, layout, scrollBox, type Html } from '../html.ts';
import type { MessageKey } from '../i18n.ts';
import { CHANGE_LABEL, FIELD_LABEL, LIST_CELL_MAX_CHARS, quarantineCell } from '../labels.ts';
import { readableColumns } from '../queries/columns.ts';
import { readQuarantinesStatement } from '../queries/read-quarantines.ts';
import {
  cachedMunicipalityOptions,
  importReferenceDay,
  ListQueryError,
  listFiltersSchema,
  listReadRequest,
  municipalityOptions,
  municipalityOptionsStatement,
  rememberMunicipalityOptions,
  type ListColumn,
  type MunicipalityOption,
  REASONS,
  SORT_KEYS,
  STATUSES,
  type ListFilters,
  type ListAudit,
} from '../queries/list.ts';
import type { SessionViewer } from '../queries/session.ts';
import { USER_ROLES } from '../../contracts/roles.ts';

const SORT_LABEL: Record<string, MessageKey> = {
  fiscal_code: 'fiscalCode',
  surname: 'surname',
  start_date: 'start',
  end_date: 'end',
  municipality: 'municipality',
};

/** Roles whose users may export the list (everyone who sees rows; the export is audited). */
export const EXPORT_ROLES = new Set<string>(USER_ROLES);

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
  client: pg.PoolClient | undefined,
  viewer: SessionViewer,
  filters: ListFilters,
): Promise<ChosenImport> {
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
  if (!client) throw new Error('an earlier import is read in the user transaction');
  const referenceDay = await importReferenceDay(client, filters.import);
  return { importId: filters.import, referenceDay, picked: true };
}

interface ChosenImport {
  importId: number | null;
  referenceDay: string | null;
  picked: boolean;
}

/** What the list page shows, read and computed. */
interface ListPage {
  filters: ListFilters;
  seal: SessionSeal;
  readable: ReadonlySet<string>;
  columns: ListColumn[];
  rows: Record<string, unknown>[];
  municipalities: MunicipalityOption[];
  chosen: ChosenImport;
}

/**
 * The list's read for the chosen import, as the session's role (its audit entry written by the
 * read); a filter the role may not use is a 400.
 */
function listRead(
  dbRole: string,
  filters: ListFilters,
  readable: ReadonlySet<string>,
  chosen: ChosenImport,
  window: { limit: number; offset: number },
  audit: ListAudit,
): { text: string; columns: ListColumn[] } {
  try {
    const { request, columns } = listReadRequest(
      filters,
      { readable, importId: chosen.importId, referenceDay: chosen.referenceDay, ...window },
      audit,
    );
    return { text: readQuarantinesStatement(dbRole, request), columns };
  } catch (error) {
    if (error instanceof ListQueryError) throw new HttpError(400, 'invalidInput', error.message);
    throw error;
  }
}

/**
 * The audit of a page of the list: `list.search` when a search term narrowed it, else `list.view`
 * (the database records the filters and the page from the request itself).
 */
function pageAudit(filters: ListFilters, shownLimit: number, clientAddress: string): ListAudit {
  return { action: filters.q ? 'list.search' : 'list.view', shownLimit, clientAddress };
}

const list: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config } = portal;

  // The search form: validated, then redirected to the list's URL with the search sealed.
  app.post('/quarantene', { preHandler: app.csrfProtection }, async (req, reply) => {
    if ((await portal.sessionUserId(req)) === undefined) throw new HttpError(401, 'sessionEnded');
    const seal = sessionSeal(config, req.portal.sessionToken);
    const { page: _page, ...filters } = parseFilters(req.body);
    return reply.redirect(`/quarantene?${queryString({ ...filters, page: 1 }, {}, seal)}`, 303);
  });

  /** A page's read: the page's rows and one more (is there a next page?), audited as a page. */
  const pageRead = (
    req: FastifyRequest,
    dbRole: string,
    filters: ListFilters,
    readable: ReadonlySet<string>,
    chosen: ChosenImport,
  ) =>
    listRead(
      dbRole,
      filters,
      readable,
      chosen,
      { limit: config.pageSize + 1, offset: (filters.page - 1) * config.pageSize },
      pageAudit(filters, config.pageSize, portal.clientAddress(req)),
    );

  /** The list page from its rows (the page's, plus one that says there is a next page). */
  const renderList = (
    req: FastifyRequest,
    reply: FastifyReply,
    viewer: SessionViewer,
    page: ListPage,
  ) => {
    const { filters, seal, readable, columns, rows, municipalities, chosen } = page;
    const ctx = portal.pageContext(req, reply, viewer);
    const { t, lang } = ctx;
    const more = rows.length > config.pageSize;
    const pageRows = rows.slice(0, config.pageSize);
    const canReason = readable.has('reason');
    const table =
      pageRows.length === 0
        ? alert('info', t('noRows'))
        : h`<div ${scrollBox(t('navList'))}><table class="table table-sm table-hover" data-testid="quarantine-list">
<caption class="visually-hidden">${t('navList')}</caption>
<thead><tr>${columns.map((c) => h`<th scope="col" data-column="${c}">${t(FIELD_LABEL[c])}</th>`)}</tr></thead>
<tbody>${pageRows.map(
            (r) =>
              h`<tr data-fiscal-code="${String(r.fiscal_code)}">${columns.map((c) =>
                c === 'fiscal_code'
                  ? h`<td><a href="/persone/${seal.seal('patient', String(r.fiscal_code))}">${String(r.fiscal_code)}</a></td>`
                  : h`<td>${cut(quarantineCell(c, r[c], t, lang), LIST_CELL_MAX_CHARS)}</td>`,
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
  };

  app.get('/quarantene', async (req, reply) => {
    const seal = () => sessionSeal(config, req.portal.sessionToken);
    const picked = (req.query as Record<string, unknown> | undefined)?.import;
    if (picked === undefined || picked === '') {
      // The common page: one round trip (the session, the rows, the filter's options, COMMIT).
      let page: Omit<ListPage, 'rows' | 'municipalities'> | undefined;
      let options: MunicipalityOption[] | undefined;
      return portal.onceAsUser(
        req,
        reply,
        async (guess) => {
          const filters = urlFilters(req.query, seal());
          const readable = await readableColumns(portal.pool, guess.dbRole, 'qdp.quarantines');
          const chosen = await chosenImport(undefined, guess, filters);
          const read = pageRead(req, guess.dbRole, filters, readable, chosen);
          page = { filters, seal: seal(), readable, columns: read.columns, chosen };
          options = cachedMunicipalityOptions(guess);
          const statements = [read.text];
          if (!options) statements.push(municipalityOptionsStatement(guess));
          return statements;
        },
        (viewer, [rows, optionRows]) =>
          renderList(req, reply, viewer, {
            ...page!,
            rows: rows!,
            municipalities:
              options ??
              rememberMunicipalityOptions(
                viewer,
                (optionRows ?? []) as unknown as MunicipalityOption[],
              ),
          }),
      );
    }
    // An administrator's earlier import: its reference day first, in the user's transaction.
    return portal.asUser(req, reply, async (client, viewer) => {
      const filters = urlFilters(req.query, seal());
      const readable = await readableColumns(client, viewer.dbRole, 'qdp.quarantines');
      const chosen = await chosenImport(client, viewer, filters);
      const read = pageRead(req, viewer.dbRole, filters, readable, chosen);
      const rows = (await client.query(read.text)).rows;
      const municipalities = await municipalityOptions(client, viewer);
      return renderList(req, reply, viewer, {
        filters,
        seal: seal(),
        readable,
        columns: read.columns,
        rows,
        municipalities,
        chosen,
      });
    });
  });

  app.post('/quarantene/export', { preHandler: app.csrfProtection }, async (req, reply) => {
    return portal.asUser(req, reply, async (client, viewer) => {
      const filters = urlFilters(req.query, sessionSeal(config, req.portal.sessionToken));
      if (!EXPORT_ROLES.has(viewer.role)) throw new HttpError(403, 'forbidden');
      const readable = await readableColumns(client, viewer.dbRole, 'qdp.quarantines');
      const chosen = await chosenImport(client, viewer, filters);
      const exportedImport = chosen.importId;
      // The export's audit entry (with every fiscal code exported) is written by the read; a
      // refused export rolls it back with the transaction.
      const read = listRead(
        viewer.dbRole,
        filters,
        readable,
        chosen,
        { limit: config.exportMaxRows + 1, offset: 0 },
        {
          action: 'list.export',
          shownLimit: config.exportMaxRows,
          clientAddress: portal.clientAddress(req),
        },
      );
      const rows = (await client.query(read.text)).rows;
      if (rows.length > config.exportMaxRows) {
        throw new HttpError(
          400,
          'invalidInput',
          `more than ${config.exportMaxRows} rows (QDP_PORTAL_EXPORT_MAX_ROWS): narrow the filters`,
        );
      }
      const { columns } = read;
      const lines = [csvLine(columns, SPREADSHEET_CSV)];
      for (const r of rows)
        lines.push(
          csvLine(
            columns.map((c) => (r[c] instanceof Date ? isoDay(r[c]) : r[c])),
            SPREADSHEET_CSV,
          ),
        );
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
};

export default list;
