// Imports: administrators see the whole history (status, counts, duration, error) with the
// rejects report and the publish / discard / roll-back actions (qdp.portal_import_action: the
// lifecycle functions of 0003, audited); other users see the latest import's row only, which the
// database gives them without the operational columns. The history comes in pages of
// QDP_PORTAL_PAGE_SIZE imports, newest first; an action returns to the page it was taken on.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { rejectLines, rejectsReportCsv } from '../../core/rejects-report.ts';
import { formatDateTime, HttpError } from '../common.ts';
import { alert, h, hiddenCsrf, layout, scrollBox } from '../html.ts';
import { writeAudit } from '../queries/audit.ts';
import { importAction, importsPage, type ImportRow } from '../queries/imports.ts';
import { listFiltersSchema } from '../queries/list.ts';

/**
 * The imports page's query: the page (the same rule as the list's), and the outcome of the action
 * that redirected here. Unknown parameters are ignored; a bad page is a 400 naming it.
 */
const importsQuerySchema = z.object({
  page: listFiltersSchema.shape.page,
  done: z.string().optional(),
  failed: z.string().optional(),
});

function parseImportsQuery(query: unknown): z.output<typeof importsQuerySchema> {
  const parsed = importsQuerySchema.safeParse(query ?? {});
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new HttpError(400, 'invalidInput', what);
  }
  return parsed.data;
}

/** A URL of the imports pages on a page of the history (page 1: no parameter), then `more`. */
function onPage(path: string, page: number, more = ''): string {
  const query = [page > 1 ? `page=${page}` : '', more].filter(Boolean).join('&');
  return query ? `${path}?${query}` : path;
}

const actionSchema = z.object({
  id: z.coerce.number().int().positive(),
  action: z.enum(['publish', 'discard', 'rollback']),
});

function duration(from: Date | null, to: Date | null): string {
  if (!from || !to) return '';
  const seconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  return seconds < 120 ? `${seconds.toFixed(1)} s` : `${(seconds / 60).toFixed(1)} min`;
}

const imports: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config } = portal;

  app.get('/importazioni', async (req, reply) => {
    const { page, done, failed } = parseImportsQuery(req.query);
    return portal.asUser(req, reply, async (client, viewer) => {
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const admin = viewer.role === 'admin';
      // One row more than a page tells whether there is a next page.
      const fetched = await importsPage(
        client,
        admin,
        config.pageSize + 1,
        (page - 1) * config.pageSize,
      );
      const more = fetched.length > config.pageSize;
      const rows = fetched.slice(0, config.pageSize);
      const actions = (r: ImportRow) => {
        if (!admin) return '';
        const form = (action: 'publish' | 'discard' | 'rollback', label: string, kind: string) =>
          h`<form method="post" action="${onPage(`/importazioni/${r.id}/${action}`, page)}" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-${kind} btn-xs btn-sm me-1" data-action="${action}">${label}</button></form>`;
        return h`${r.status === 'held' ? [form('publish', t('publish'), 'primary'), form('discard', t('discard'), 'outline-danger')] : ''}${r.status === 'published' && !r.latest ? form('rollback', t('rollback'), 'outline-primary') : ''}${Number(r.rows_rejected ?? 0) > 0 || r.status === 'rejected' ? h`<a class="btn btn-link btn-sm" href="/importazioni/${r.id}/scarti.csv">${t('rejects')}</a>` : ''}`;
      };
      // An empty page (beyond the last import) says so, without a table of headers only.
      const table =
        rows.length === 0
          ? alert('info', t('noImportsOnPage'))
          : h`<div ${scrollBox(t('importsTitle'))}><table class="table table-sm wrap-anywhere" data-testid="imports">
<thead><tr><th scope="col">#</th><th scope="col">${t('file')}</th><th scope="col">${t('status')}</th><th scope="col">${t('received')}</th><th scope="col">${t('publishedAt')}</th><th scope="col">${t('rowsTotal')}</th><th scope="col">${t('rowsAccepted')}</th><th scope="col">${t('rowsRejected')}</th><th scope="col">${t('duration')}</th>${admin ? h`<th scope="col">${t('errorCol')}</th><th scope="col">${t('actions')}</th>` : ''}</tr></thead>
<tbody>${rows.map(
              (r) =>
                h`<tr data-import-id="${r.id}" data-status="${r.status}"><td>${r.id}</td><td>${r.source_name}</td><td>${r.status}${r.latest ? h` <span class="badge bg-success">${t('latest')}</span>` : ''}</td><td>${r.received_at ? formatDateTime(r.received_at, lang) : ''}</td><td>${r.published_at ? formatDateTime(r.published_at, lang) : ''}</td><td>${r.rows_total}</td><td>${r.rows_accepted}</td><td>${r.rows_rejected}</td><td>${duration(r.received_at, r.finished_at)}</td>${admin ? h`<td class="small">${r.error}</td><td>${actions(r)}</td>` : ''}</tr>`,
            )}</tbody></table></div>`;
      const body = h`<h1 class="h3">${t('importsTitle')}</h1>
${done ? alert('success', t('actionDone')) : ''}
${failed ? alert('danger', failed) : ''}
${table}
<nav class="d-flex gap-3 align-items-center my-3" aria-label="${t('importsPages')}" data-testid="imports-pages">
${page > 1 ? h`<a class="btn btn-outline-primary btn-sm" rel="prev" href="${onPage('/importazioni', page - 1)}" aria-label="${t('previousPage', { n: page - 1 })}">${t('previous')}</a>` : ''}
<span aria-current="page">${t('page', { n: page })}</span>
${more ? h`<a class="btn btn-outline-primary btn-sm" rel="next" href="${onPage('/importazioni', page + 1)}" aria-label="${t('nextPage', { n: page + 1 })}">${t('next')}</a>` : ''}
</nav>`;
      return portal.send(reply, layout(ctx, t('importsTitle'), body));
    });
  });

  app.post('/importazioni/:id/:action', { preHandler: app.csrfProtection }, async (req, reply) => {
    const parsed = actionSchema.safeParse(req.params);
    if (!parsed.success) throw new HttpError(404, 'notFound');
    const { id, action } = parsed.data;
    // The page of the history the action was taken on, to return to it.
    const { page } = parseImportsQuery(req.query);
    let failure: string | undefined;
    const result = await portal.asUser(req, reply, async (client, viewer) => {
      if (viewer.role !== 'admin') throw new HttpError(403, 'forbidden');
      await client.query('savepoint import_action');
      try {
        await importAction(client, action, id, portal.clientAddress(req));
      } catch (error) {
        const e = error as { code?: string; message?: string };
        // Wrong state or unknown import: the lifecycle's own message (no personal data in it).
        if (e.code === 'P0001' || e.code === 'P0002') {
          await client.query('rollback to savepoint import_action');
          failure = e.message ?? 'failed';
          return undefined;
        }
        throw error;
      }
      return undefined;
    });
    if (result !== undefined) return result;
    return reply.redirect(
      onPage('/importazioni', page, failure ? `failed=${encodeURIComponent(failure)}` : 'done=1'),
      303,
    );
  });

  app.get('/importazioni/:id/scarti.csv', async (req, reply) => {
    const parsed = z.object({ id: z.coerce.number().int().positive() }).safeParse(req.params);
    if (!parsed.success) throw new HttpError(404, 'notFound');
    const importId = parsed.data.id;
    return portal.asUser(req, reply, async (client, viewer) => {
      if (viewer.role !== 'admin') throw new HttpError(403, 'forbidden');
      const rows = await rejectLines(client, importId);
      await writeAudit(client, {
        action: 'rejects.export',
        importId,
        detail: { rows: rows.length },
        clientAddress: portal.clientAddress(req),
      });
      const lines = rejectsReportCsv(rows);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="scarti-${importId}.csv"`)
        .header('cache-control', 'no-store')
        .send(`\uFEFF${lines.join('')}`);
    });
  });
};

export default imports;
