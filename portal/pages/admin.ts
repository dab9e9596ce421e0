// Administrators: users (create, disable, enable, unlock, new password; municipality users bound
// to an ISTAT code, GP users to a GP code, as the users table's checks demand) and the audit log
// (who looked at which patient, when, from where; filterable). The database refuses both to
// every other role; the portal also hides them. The audit filter's user and fiscal code never
// travel in clear in a URL: the form is posted and redirected to a GET that carries them sealed
// for the session (common.ts SessionSeal); action, dates and page stay plain.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword } from '../../core/passwords.ts';
import { alert, h, hiddenCsrf, layout, scrollBox } from '../html.ts';
import {
  formatDateTime,
  HttpError,
  PASSWORD_MIN_LENGTH,
  SEALED_PARAM,
  SEALED_REFUSED,
  sessionSeal,
  type SessionSeal,
} from '../common.ts';
import type { Portal } from '../server.ts';

const ROLES = ['admin', 'staff', 'prefecture', 'municipality', 'gp'] as const;

const userSchema = z
  .object({
    username: z
      .string()
      .trim()
      .regex(/^[a-z0-9._-]{3,64}$/, 'username: 3-64 characters among a-z 0-9 . _ -'),
    display_name: z.string().trim().min(1, 'display name: required').max(200),
    role: z.enum(ROLES),
    istat_code: z.string().trim().optional(),
    gp_code: z.string().trim().toUpperCase().optional(),
    password: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `password: at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(1024),
  })
  .superRefine((u, ctx) => {
    if (u.role === 'municipality' && !/^\d{6}$/.test(u.istat_code ?? '')) {
      ctx.addIssue({
        code: 'custom',
        message: 'ISTAT code: a municipality user needs a 6-digit ISTAT code',
      });
    }
    if (u.role === 'gp' && !/^[A-Z0-9]{1,32}$/.test(u.gp_code ?? '')) {
      ctx.addIssue({
        code: 'custom',
        message: 'GP code: a GP user needs a GP code (letters and digits)',
      });
    }
  });

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

function requireAdmin(role: string): void {
  if (role !== 'admin') throw new HttpError(403, 'forbidden');
}

export function registerAdminRoutes(portal: Portal): void {
  const { app, config } = portal;

  const usersPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    message?: { kind: 'danger' | 'success'; text: string },
    status = 200,
  ) =>
    portal.asUser(req, reply, async (client, viewer) => {
      requireAdmin(viewer.role);
      const ctx = portal.pageContext(req, reply, viewer);
      const { t, lang } = ctx;
      const { rows } = await client.query(
        `select id, username, display_name, role, istat_code, gp_code, disabled, failed_logins,
           locked_until > now() as locked, created_at
         from qdp.users order by username`,
      );
      const form = (id: unknown, action: string, label: string, kind = 'outline-primary') =>
        h`<form method="post" action="/utenti/${String(id)}/${action}" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-${kind} btn-sm me-1" data-action="${action}">${label}</button></form>`;
      const body = h`<h1 class="h3">${t('usersTitle')}</h1>
${message ? alert(message.kind, message.text) : ''}
<div ${scrollBox(t('usersTitle'))}><table class="table table-sm" data-testid="users">
<thead><tr><th scope="col">${t('username')}</th><th scope="col">${t('displayName')}</th><th scope="col">${t('role')}</th><th scope="col">${t('istatCode')}</th><th scope="col">${t('gpCode')}</th><th scope="col">${t('disabled')}</th><th scope="col">${t('locked')}</th><th scope="col">${t('actions')}</th></tr></thead>
<tbody>${rows.map(
        (u) =>
          h`<tr data-username="${u.username}"><td>${u.username}</td><td>${u.display_name}</td><td>${u.role}</td><td>${u.istat_code}</td><td>${u.gp_code}</td><td>${u.disabled ? t('yes') : t('no')}</td><td>${u.locked ? t('yes') : t('no')}</td>
<td>${u.disabled ? form(u.id, 'enable', t('enable')) : Number(u.id) === viewer.id ? '' : form(u.id, 'disable', t('disable'), 'outline-danger')}${u.locked ? form(u.id, 'unlock', t('enable')) : ''}
<form method="post" action="/utenti/${String(u.id)}/password" class="d-inline-flex gap-1">${hiddenCsrf(ctx)}<label class="visually-hidden" for="pw-${String(u.id)}">${t('resetPassword')} ${u.username}</label><input type="password" id="pw-${String(u.id)}" name="password" class="form-control form-control-sm" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" placeholder="${t('resetPassword')}" required><button type="submit" class="btn btn-sm btn-outline-secondary">${t('resetPassword')}</button></form></td></tr>`,
      )}</tbody></table></div>
<h2 class="h4 mt-4">${t('createUser')}</h2>
<form method="post" action="/utenti" class="row g-3">${hiddenCsrf(ctx)}
<div class="col-md-4"><label class="form-label" for="u-username">${t('username')}</label><input class="form-control" id="u-username" name="username" required pattern="[a-z0-9._\\-]{3,64}"></div>
<div class="col-md-4"><label class="form-label" for="u-display">${t('displayName')}</label><input class="form-control" id="u-display" name="display_name" required></div>
<div class="col-md-4"><label class="form-label" for="u-role">${t('role')}</label><select class="form-select" id="u-role" name="role">${ROLES.map((r) => h`<option value="${r}">${r}</option>`)}</select></div>
<div class="col-md-4"><label class="form-label" for="u-istat">${t('istatCode')}</label><input class="form-control" id="u-istat" name="istat_code" inputmode="numeric"></div>
<div class="col-md-4"><label class="form-label" for="u-gp">${t('gpCode')}</label><input class="form-control" id="u-gp" name="gp_code"></div>
<div class="col-md-4"><label class="form-label" for="u-password">${t('password')}</label><input type="password" class="form-control" id="u-password" name="password" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" required></div>
<div class="col-12"><button type="submit" class="btn btn-primary">${t('createUser')}</button></div>
</form>
<p class="small text-muted mt-3">${formatDateTime(new Date(), lang)}</p>`;
      return portal.send(reply, layout(ctx, t('usersTitle'), body), status);
    });

  app.get('/utenti', async (req, reply) => usersPage(req, reply));

  app.post('/utenti', { preHandler: app.csrfProtection }, async (req, reply) => {
    const body = req.body as Record<string, string | undefined>;
    const parsed = userSchema.safeParse({
      ...body,
      istat_code: body.istat_code || undefined,
      gp_code: body.gp_code || undefined,
    });
    const t = portal.pageContext(req, reply).t;
    if (!parsed.success) {
      return usersPage(
        req,
        reply,
        {
          kind: 'danger',
          text: t('invalidInput', { what: parsed.error.issues.map((i) => i.message).join('; ') }),
        },
        400,
      );
    }
    const u = parsed.data;
    const passwordHash = await hashPassword(u.password);
    let failure: string | undefined;
    const redirected = await portal.asUser(req, reply, async (client, viewer) => {
      requireAdmin(viewer.role);
      await client.query('savepoint create_user');
      try {
        await client.query(
          `insert into qdp.users (username, display_name, role, istat_code, gp_code, password_hash)
           values ($1, $2, $3, $4, $5, $6)`,
          [
            u.username,
            u.display_name,
            u.role,
            u.role === 'municipality' ? u.istat_code : null,
            u.role === 'gp' ? u.gp_code : null,
            passwordHash,
          ],
        );
      } catch (error) {
        const e = error as { code?: string };
        if (e.code === '23505' || e.code === '23503' || e.code === '23514') {
          await client.query('rollback to savepoint create_user');
          failure =
            e.code === '23505' ? 'username: already taken' : 'ISTAT code: unknown municipality';
          return undefined;
        }
        throw error;
      }
      await client.query("select qdp.audit('user.create', null, null, $1, $2)", [
        JSON.stringify({ username: u.username, role: u.role }),
        portal.clientAddress(req),
      ]);
      return undefined;
    });
    if (redirected !== undefined) return redirected;
    if (failure)
      return usersPage(
        req,
        reply,
        { kind: 'danger', text: t('invalidInput', { what: failure }) },
        400,
      );
    return usersPage(req, reply, { kind: 'success', text: t('actionDone') });
  });

  app.post('/utenti/:id/:action', { preHandler: app.csrfProtection }, async (req, reply) => {
    const params = z
      .object({
        id: z.coerce.number().int().positive(),
        action: z.enum(['disable', 'enable', 'unlock', 'password']),
      })
      .safeParse(req.params);
    if (!params.success) throw new HttpError(404, 'notFound');
    const { id, action } = params.data;
    const t = portal.pageContext(req, reply).t;
    let passwordHash: string | undefined;
    if (action === 'password') {
      const password = String((req.body as Record<string, unknown> | undefined)?.password ?? '');
      if (password.length < PASSWORD_MIN_LENGTH) {
        return usersPage(
          req,
          reply,
          { kind: 'danger', text: t('passwordTooShort', { n: PASSWORD_MIN_LENGTH }) },
          400,
        );
      }
      passwordHash = await hashPassword(password);
    }
    const redirected = await portal.asUser(req, reply, async (client, viewer) => {
      requireAdmin(viewer.role);
      if (action === 'disable' && id === viewer.id)
        throw new HttpError(400, 'invalidInput', 'an administrator cannot disable themselves');
      const sql = {
        disable: 'update qdp.users set disabled = true where id = $1 returning username',
        enable:
          'update qdp.users set disabled = false, failed_logins = 0, locked_until = null where id = $1 returning username',
        unlock:
          'update qdp.users set failed_logins = 0, locked_until = null where id = $1 returning username',
        password:
          'update qdp.users set password_hash = $2, failed_logins = 0, locked_until = null where id = $1 returning username',
      }[action];
      const { rows } = await client.query(sql, action === 'password' ? [id, passwordHash] : [id]);
      if (rows.length === 0) throw new HttpError(404, 'notFound');
      if (action === 'disable' || action === 'password')
        await client.query('select qdp.portal_end_user_sessions($1)', [id]);
      await client.query('select qdp.audit($1, null, null, $2, $3)', [
        `user.${action}`,
        JSON.stringify({ username: rows[0].username }),
        portal.clientAddress(req),
      ]);
      return undefined;
    });
    if (redirected !== undefined) return redirected;
    return reply.redirect('/utenti', 303);
  });

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
      const where: string[] = [];
      const values: unknown[] = [];
      const p = (v: unknown) => {
        values.push(v);
        return `$${values.length}`;
      };
      if (f.user) where.push(`a.username = ${p(f.user)}`);
      if (f.fiscal_code) where.push(`a.fiscal_code = ${p(f.fiscal_code)}`);
      if (f.action) where.push(`a.action = ${p(f.action)}`);
      if (f.from) where.push(`a.at >= ${p(f.from)}::date`);
      if (f.to) where.push(`a.at < ${p(f.to)}::date + 1`);
      const { rows } = await client.query(
        `select a.id, a.at, a.username, a.role, a.action, a.fiscal_code, a.import_id, a.client_address, a.detail
         from qdp.audit_log a ${where.length ? `where ${where.join(' and ')}` : ''}
         order by a.at desc, a.id desc limit ${p(config.pageSize + 1)} offset ${p((f.page - 1) * config.pageSize)}`,
        values,
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
<div ${scrollBox(t('auditTitle'))}><table class="table table-sm" data-testid="audit">
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
}
