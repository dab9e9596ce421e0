// Imports: administrators see the whole history (status, counts, duration, error) with the
// rejects report and the publish / discard / roll-back actions (qdp.portal_import_action: the
// lifecycle functions of 0003, audited); other users see the latest import's row only, which the
// database gives them without the operational columns.
import { z } from 'zod';
import { csvLine } from '../../core/csv-export.ts';
import { alert, h, hiddenCsrf, layout } from '../html.ts';
import { formatDateTime, HttpError } from '../common.ts';
import type { Portal } from '../server.ts';

/** How many imports the history page lists (newest first). */
export const IMPORTS_PAGE_ROWS = 400;

const actionSchema = z.object({
  id: z.coerce.number().int().positive(),
  action: z.enum(['publish', 'discard', 'rollback']),
});

function duration(from: Date | null, to: Date | null): string {
  if (!from || !to) return '';
  const seconds = Math.max(0, (to.getTime() - from.getTime()) / 1000);
  return seconds < 120 ? `${seconds.toFixed(1)} s` : `${(seconds / 60).toFixed(1)} min`;
}

export function registerImportRoutes(portal: Portal): void {
  const { app } = portal;

  app.get('/importazioni', async (req, reply) =>
    portal.asUser(req, reply, async (client, viewer) => {
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const admin = viewer.role === 'admin';
      const { rows } = await client.query(
        `select i.id, i.source_name, i.status, i.received_at, i.finished_at, i.published_at, i.rows_total,
           i.rows_accepted, i.rows_rejected${admin ? ', i.error' : ''},
           i.id = qdp.latest_import_id() as latest
         from qdp.imports i order by i.id desc limit $1`,
        [IMPORTS_PAGE_ROWS],
      );
      const done = (req.query as Record<string, string | undefined>).done;
      const failed = (req.query as Record<string, string | undefined>).failed;
      const actions = (r: Record<string, unknown>) => {
        if (!admin) return '';
        const form = (action: 'publish' | 'discard' | 'rollback', label: string, kind: string) =>
          h`<form method="post" action="/importazioni/${String(r.id)}/${action}" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-${kind} btn-xs btn-sm me-1" data-action="${action}">${label}</button></form>`;
        return h`${r.status === 'held' ? [form('publish', t('publish'), 'primary'), form('discard', t('discard'), 'outline-danger')] : ''}${r.status === 'published' && !r.latest ? form('rollback', t('rollback'), 'outline-primary') : ''}${Number(r.rows_rejected ?? 0) > 0 || r.status === 'rejected' ? h`<a class="btn btn-link btn-sm" href="/importazioni/${String(r.id)}/scarti.csv">${t('rejects')}</a>` : ''}`;
      };
      const body = h`<h1 class="h3">${t('importsTitle')}</h1>
${done ? alert('success', t('actionDone')) : ''}
${failed ? alert('danger', failed) : ''}
<div class="table-responsive"><table class="table table-sm" data-testid="imports">
<thead><tr><th scope="col">#</th><th scope="col">${t('file')}</th><th scope="col">${t('status')}</th><th scope="col">${t('received')}</th><th scope="col">${t('publishedAt')}</th><th scope="col">${t('rowsTotal')}</th><th scope="col">${t('rowsAccepted')}</th><th scope="col">${t('rowsRejected')}</th><th scope="col">${t('duration')}</th>${admin ? h`<th scope="col">${t('errorCol')}</th><th scope="col">${t('actions')}</th>` : ''}</tr></thead>
<tbody>${rows.map(
        (r) =>
          h`<tr data-import-id="${String(r.id)}" data-status="${r.status}"><td>${String(r.id)}</td><td>${r.source_name}</td><td>${r.status}${r.latest ? h` <span class="badge bg-success">${t('latest')}</span>` : ''}</td><td>${r.received_at ? formatDateTime(r.received_at, lang) : ''}</td><td>${r.published_at ? formatDateTime(r.published_at, lang) : ''}</td><td>${r.rows_total}</td><td>${r.rows_accepted}</td><td>${r.rows_rejected}</td><td>${duration(r.received_at, r.finished_at)}</td>${admin ? h`<td class="small">${r.error}</td><td>${actions(r)}</td>` : ''}</tr>`,
      )}</tbody></table></div>`;
      return portal.send(reply, layout(ctx, t('importsTitle'), body));
    }),
  );

  app.post('/importazioni/:id/:action', { preHandler: app.csrfProtection }, async (req, reply) => {
    const parsed = actionSchema.safeParse(req.params);
    if (!parsed.success) throw new HttpError(404, 'notFound');
    const { id, action } = parsed.data;
    let failure: string | undefined;
    const result = await portal.asUser(req, reply, async (client, viewer) => {
      if (viewer.role !== 'admin') throw new HttpError(403, 'forbidden');
      await client.query('savepoint import_action');
      try {
        await client.query('select qdp.portal_import_action($1, $2, $3)', [
          action,
          id,
          portal.clientAddress(req),
        ]);
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
      failure ? `/importazioni?failed=${encodeURIComponent(failure)}` : '/importazioni?done=1',
      303,
    );
  });

  app.get('/importazioni/:id/scarti.csv', async (req, reply) => {
    const parsed = z.object({ id: z.coerce.number().int().positive() }).safeParse(req.params);
    if (!parsed.success) throw new HttpError(404, 'notFound');
    return portal.asUser(req, reply, async (client, viewer) => {
      if (viewer.role !== 'admin') throw new HttpError(403, 'forbidden');
      const { rows } = await client.query(
        'select line_no, field, reason from qdp.rejects where import_id = $1 order by line_no, field',
        [parsed.data.id],
      );
      await client.query("select qdp.audit('rejects.export', null, $1, $2, $3)", [
        parsed.data.id,
        JSON.stringify({ rows: rows.length }),
        portal.clientAddress(req),
      ]);
      const lines = [csvLine(['line', 'field', 'reason'])];
      for (const r of rows) lines.push(csvLine([r.line_no, r.field, r.reason]));
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="scarti-${parsed.data.id}.csv"`)
        .header('cache-control', 'no-store')
        .send(`\uFEFF${lines.join('')}`);
    });
  });
}
