// Administrators' view of the audit log (who looked at which patient, when, from where;
// filterable). The database refuses it to every other role; the portal also hides it. The filter's
// user and fiscal code never travel in clear in a URL: the form is posted and redirected to a GET
// that carries them sealed for the session (common.ts SessionSeal); action, dates and page stay
// plain.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import {
  formatDateTime,
  HttpError,
  SEALED_PARAM,
  SEALED_REFUSED,
  sessionSeal,
  type SessionSeal,
} from '../common.ts';
import { h, hiddenCsrf, layout, scrollBox } from '../html.ts';
import { auditLogPage } from '../queries/audit.ts';
import { requireAdmin } from './users.ts';

const auditFilterSchema = z.object({
  user: z.string().trim().max(64).optional(),
  fiscal_code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^([A-Z0-9]{16})?$/, 'fiscal_code must be 16 letters and digits')
    .optional(),
  action: z.string().trim().max(64).optional(),
  from: z
    .union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'from must be yyyy-mm-dd')])
    .optional(),
  to: z
    .union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'to must be yyyy-mm-dd')])
    .optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

type AuditFilters = z.output<typeof auditFilterSchema>;

function parseAuditFilters(input: unknown): AuditFilters {
  const parsed = auditFilterSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new HttpError(400, 'invalidInput', parsed.error.issues.map((i) => i.message).join('; '));
  }
  return parsed.data;
}

/** The personal filters (user, fiscal code), sealed together; the rest stays plain. */
const SEALED_AUDIT_FILTERS = ['user', 'fiscal_code'] as const;

/** The audit view's filters from its URL: plain ones from the query, personal ones unsealed. */
function auditUrlFilters(query: unknown, seal: SessionSeal): AuditFilters {
  const { [SEALED_PARAM]: sealed, ...plain } = (query ?? {}) as Record<string, unknown>;
  for (const key of SEALED_AUDIT_FILTERS) {
    if (plain[key] !== undefined)
      throw new HttpError(400, 'invalidInput', `${key}: sent with the filter form only`);
  }
  let personal: Record<string, unknown> = {};
  if (sealed !== undefined) {
    const opened = typeof sealed === 'string' ? seal.open('audit-filter', sealed) : undefined;
    if (opened === undefined) throw new HttpError(400, 'invalidInput', SEALED_REFUSED);
    personal = JSON.parse(opened) as Record<string, unknown>;
  }
  return parseAuditFilters({ ...plain, ...personal });
}

/** The audit view's query string: user and fiscal code sealed, the rest plain. */
function auditQueryString(f: AuditFilters, page: number, seal: SessionSeal): string {
  const q = new URLSearchParams();
  const personal = Object.fromEntries(
    SEALED_AUDIT_FILTERS.filter((k) => f[k]).map((k) => [k, f[k]]),
  );
  if (Object.keys(personal).length > 0)
    q.set(SEALED_PARAM, seal.seal('audit-filter', JSON.stringify(personal)));
  for (const k of ['action', 'from', 'to'] as const) if (f[k]) q.set(k, f[k]);
  q.set('page', String(page));
  return q.toString();
}

const audit: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config } = portal;

  // The filter form: validated, then redirected to the audit view's URL with the personal
  // filters sealed (Post/Redirect/Get).
  app.post('/registro', { preHandler: app.csrfProtection }, async (req, reply) => {
    if ((await portal.sessionUserId(req)) === undefined) throw new HttpError(401, 'sessionEnded');
    const seal = sessionSeal(config, req.portal.sessionToken);
    const f = parseAuditFilters(req.body);
    return reply.redirect(`/registro?${auditQueryString(f, 1, seal)}`, 303);
  });

  app.get('/registro', async (req, reply) => {
    return portal.asUser(req, reply, async (client, viewer) => {
      requireAdmin(viewer.role);
      const seal = sessionSeal(config, req.portal.sessionToken);
      const f = auditUrlFilters(req.query, seal);
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const rows = await auditLogPage(
        client,
        f,
        config.pageSize + 1,
        (f.page - 1) * config.pageSize,
      );
      const more = rows.length > config.pageSize;
      const params = (page: number) => auditQueryString(f, page, seal);
      const body = h`<h1 class="h3">${t('auditTitle')}</h1>
<form method="post" action="/registro" class="row g-3 align-items-end my-3">${hiddenCsrf(ctx)}
<div class="col-6 col-md-2"><label class="form-label" for="a-user">${t('user')}</label><input class="form-control" id="a-user" name="user" value="${f.user ?? ''}"></div>
<div class="col-6 col-md-3"><label class="form-label" for="a-cf">${t('fiscalCode')}</label><input class="form-control" id="a-cf" name="fiscal_code" value="${f.fiscal_code ?? ''}" maxlength="16"></div>
<div class="col-6 col-md-2"><label class="form-label" for="a-action">${t('action')}</label><input class="form-control" id="a-action" name="action" value="${f.action ?? ''}"></div>
<div class="col-6 col-md-2"><label class="form-label" for="a-from">${t('from')}</label><input type="date" class="form-control" id="a-from" name="from" value="${f.from ?? ''}"></div>
<div class="col-6 col-md-2"><label class="form-label" for="a-to">${t('to')}</label><input type="date" class="form-control" id="a-to" name="to" value="${f.to ?? ''}"></div>
<div class="col-6 col-md-1"><button class="btn btn-primary w-100" type="submit">${t('filter')}</button></div>
</form>
<div ${scrollBox(t('auditTitle'))}><table class="table table-sm wrap-anywhere" data-testid="audit">
<thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('user')}</th><th scope="col">${t('role')}</th><th scope="col">${t('action')}</th><th scope="col">${t('fiscalCode')}</th><th scope="col">${t('importCol')}</th><th scope="col">${t('client')}</th></tr></thead>
<tbody>${rows
        .slice(0, config.pageSize)
        .map(
          (r) =>
            h`<tr data-action="${r.action}"><td>${formatDateTime(r.at, lang)}</td><td>${r.username}</td><td>${r.role}</td><td>${r.action}</td><td>${r.fiscal_code}</td><td>${r.import_id}</td><td>${r.client_address}</td></tr>`,
        )}</tbody></table></div>
<nav class="d-flex gap-3 my-3" aria-label="${t('page', { n: f.page })}">
${f.page > 1 ? h`<a class="btn btn-outline-primary btn-sm" href="/registro?${params(f.page - 1)}">${t('previous')}</a>` : ''}
<span>${t('page', { n: f.page })}</span>
${more ? h`<a class="btn btn-outline-primary btn-sm" href="/registro?${params(f.page + 1)}">${t('next')}</a>` : ''}
</nav>`;
      return portal.send(reply, layout(ctx, t('auditTitle'), body));
    });
  });
};

export default audit;
