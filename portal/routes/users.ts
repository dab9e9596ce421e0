// Administrators' users: create, disable, enable, unlock, new password (municipality users bound
// to an ISTAT code, GP users to a GP code, as the users table's checks demand). The database
// refuses the users table to every other role; the portal also hides the page. Audited
// `user.<action>`.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword } from '../../core/passwords.ts';
import { formatDateTime, HttpError, PASSWORD_MIN_LENGTH } from '../common.ts';
import { alert, h, hiddenCsrf, layout, scrollBox } from '../html.ts';
import { writeAudit } from '../queries/audit.ts';
import {
  createUser,
  listSignInMethods,
  listUsers,
  providerRegistration,
  refreshProvider,
  registerIdentity,
  removeIdentity,
  resetSecondFactor,
  userAction,
} from '../queries/users.ts';
import { USER_ROLES } from '../../contracts/roles.ts';
import { OidcSignInError } from '../sign-in/oidc.ts';

const ROLES = USER_ROLES;

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

export function requireAdmin(role: string): void {
  if (role !== 'admin') throw new HttpError(403, 'forbidden');
}

const users: FastifyPluginAsync = async (app) => {
  const { portal } = app;

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
      const rows = await listUsers(client);
      const methods = await listSignInMethods(client);
      const oidc = portal.config.oidc;
      const registered = oidc ? await providerRegistration(client, oidc.issuer.href) : undefined;
      const form = (id: string, action: string, label: string, kind = 'outline-primary') =>
        h`<form method="post" action="/utenti/${id}/${action}" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-${kind} btn-sm me-1" data-action="${action}">${label}</button></form>`;
      const body = h`<h1 class="h3">${t('usersTitle')}</h1>
${message ? alert(message.kind, message.text) : ''}
<div ${scrollBox(t('usersTitle'))}><table class="table table-sm wrap-anywhere" data-testid="users">
<thead><tr><th scope="col">${t('username')}</th><th scope="col">${t('displayName')}</th><th scope="col">${t('role')}</th><th scope="col">${t('istatCode')}</th><th scope="col">${t('gpCode')}</th><th scope="col">${t('disabled')}</th><th scope="col">${t('locked')}</th><th scope="col">${t('actions')}</th></tr></thead>
<tbody>${rows.map(
        (u) =>
          h`<tr data-username="${u.username}"><td>${u.username}</td><td>${u.display_name}</td><td>${u.role}</td><td>${u.istat_code}</td><td>${u.gp_code}</td><td>${u.disabled ? t('yes') : t('no')}</td><td>${u.locked ? t('yes') : t('no')}</td>
<td>${u.disabled ? form(u.id, 'enable', t('enable')) : Number(u.id) === viewer.id ? '' : form(u.id, 'disable', t('disable'), 'outline-danger')}${u.locked ? form(u.id, 'unlock', t('enable')) : ''}
<form method="post" action="/utenti/${u.id}/password" class="d-inline-flex gap-1">${hiddenCsrf(ctx)}<label class="visually-hidden" for="pw-${u.id}">${t('resetPassword')} ${u.username}</label><input type="password" id="pw-${u.id}" name="password" class="form-control form-control-sm" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" placeholder="${t('resetPassword')}" required><button type="submit" class="btn btn-sm btn-outline-secondary">${t('resetPassword')}</button></form></td></tr>`,
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
<h2 class="h4 mt-4">${t('signInMethodsTitle')}</h2>
<p>${oidc ? t('signInMethodsNote', { issuer: oidc.issuer.href, claim: oidc.claim }) : t('signInMethodsNoProvider')}</p>
${
  oidc
    ? h`<p data-testid="provider-keys">${registered ? t('providerKeysAt', { kids: registered.kids.join(', '), at: formatDateTime(registered.keys_updated_at, lang), by: registered.updated_by }) : t('providerKeysNone')}</p>
<form method="post" action="/utenti/fornitore" class="mb-3">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-sm btn-outline-primary">${t('providerKeysRefresh')}</button></form>`
    : ''
}
<div ${scrollBox(t('signInMethodsTitle'))}><table class="table table-sm" data-testid="sign-in-methods">
<thead><tr><th scope="col">${t('username')}</th><th scope="col">${t('identities')}</th><th scope="col">${t('secondFactor')}</th></tr></thead>
<tbody>${rows.map((u) => {
        const m = methods.get(u.id) ?? { identities: [], secondFactor: false };
        return h`<tr data-username="${u.username}"><td>${u.username}</td>
<td><ul class="list-unstyled mb-1">${m.identities.map(
          (i) =>
            h`<li><code>${i.value}</code> <form method="post" action="/utenti/${u.id}/identita/rimuovi" class="d-inline">${hiddenCsrf(ctx)}<input type="hidden" name="issuer" value="${i.issuer}"><input type="hidden" name="claim" value="${i.claim}"><input type="hidden" name="value" value="${i.value}"><button type="submit" class="btn btn-sm btn-outline-danger">${t('removeIdentity')}<span class="visually-hidden"> ${i.value}</span></button></form></li>`,
        )}</ul>
${oidc ? h`<form method="post" action="/utenti/${u.id}/identita" class="d-inline-flex gap-1">${hiddenCsrf(ctx)}<label class="visually-hidden" for="id-${u.id}">${oidc.claim} ${u.username}</label><input id="id-${u.id}" name="value" class="form-control form-control-sm" placeholder="${oidc.claim}" required><button type="submit" class="btn btn-sm btn-outline-primary">${t('registerIdentity')}</button></form>` : ''}</td>
<td>${m.secondFactor ? t('yes') : t('no')} ${m.secondFactor ? form(u.id, 'second-factor', t('resetSecondFactor'), 'outline-danger') : ''}</td></tr>`;
      })}</tbody></table></div>
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
      const outcome = await createUser(client, {
        username: u.username,
        displayName: u.display_name,
        role: u.role,
        istatCode: u.role === 'municipality' ? (u.istat_code ?? null) : null,
        gpCode: u.role === 'gp' ? (u.gp_code ?? null) : null,
        passwordHash,
      });
      if (!outcome.created) {
        failure = outcome.problem;
        return undefined;
      }
      await writeAudit(client, {
        action: 'user.create',
        detail: { username: u.username, role: u.role },
        clientAddress: portal.clientAddress(req),
      });
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
        action: z.enum(['disable', 'enable', 'unlock', 'password', 'second-factor']),
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
      const username =
        action === 'second-factor'
          ? await resetSecondFactor(client, id)
          : await userAction(client, action, id, passwordHash);
      if (username === undefined) throw new HttpError(404, 'notFound');
      await writeAudit(client, {
        action: `user.${action}`,
        detail: { username },
        clientAddress: portal.clientAddress(req),
      });
      return undefined;
    });
    if (redirected !== undefined) return redirected;
    return reply.redirect('/utenti', 303);
  });

  // The provider's key set, fetched from its jwks_uri and registered by the administrator's session
  // (the database checks every ID token against it; the portal's login role cannot write it).
  const rp = portal.oidc;
  app.post('/utenti/fornitore', { preHandler: app.csrfProtection }, async (req, reply) => {
    if (!rp) throw new HttpError(400, 'invalidInput', 'single sign-on is not configured');
    // An administrator's session first: nobody else makes the portal fetch the key set.
    const outcome = await portal.asUser(req, reply, async (client, viewer) => {
      requireAdmin(viewer.role);
      let keySet: unknown;
      try {
        keySet = await rp.keySet();
      } catch (error) {
        if (!(error instanceof OidcSignInError)) throw error;
        return { failed: error.message };
      }
      await refreshProvider(
        client,
        {
          issuer: rp.settings.issuer.href,
          clientId: rp.settings.clientId,
          claim: rp.settings.claim,
          keySet,
        },
        portal.clientAddress(req),
      );
      return { failed: undefined };
    });
    if (!('failed' in outcome)) return outcome;
    if (outcome.failed !== undefined) {
      const t = portal.pageContext(req, reply).t;
      return usersPage(
        req,
        reply,
        { kind: 'danger', text: t('providerKeysFailed', { reason: outcome.failed }) },
        502,
      );
    }
    return reply.redirect('/utenti', 303);
  });

  // Registering (or removing) a provider identity on a user: the claim's value, under the
  // configured issuer and claim. Audited `user.identity-register` / `user.identity-remove`.
  app.post(
    '/utenti/:id/identita/:remove?',
    { preHandler: app.csrfProtection },
    async (req, reply) => {
      const params = z
        .object({
          id: z.coerce.number().int().positive(),
          remove: z.literal('rimuovi').optional(),
        })
        .safeParse(req.params);
      if (!params.success) throw new HttpError(404, 'notFound');
      const oidc = portal.config.oidc;
      const body = z
        .object({
          value: z.string().trim().min(1).max(256),
          issuer: z.string().max(2000).optional(),
          claim: z.string().max(100).optional(),
        })
        .safeParse(req.body);
      if (!body.success) throw new HttpError(400, 'invalidInput', 'identity');
      const removing = params.data.remove !== undefined;
      if (!removing && !oidc)
        throw new HttpError(400, 'invalidInput', 'single sign-on is not configured');
      const identity = {
        issuer: removing ? (body.data.issuer ?? '') : oidc!.issuer.href,
        claim: removing ? (body.data.claim ?? '') : oidc!.claim,
        value: body.data.value,
      };
      const t = portal.pageContext(req, reply).t;
      let taken = false;
      const redirected = await portal.asUser(req, reply, async (client, viewer) => {
        requireAdmin(viewer.role);
        const done = removing
          ? await removeIdentity(client, params.data.id, identity)
          : await registerIdentity(client, params.data.id, identity, viewer.username);
        if (!done) {
          if (removing) throw new HttpError(404, 'notFound');
          taken = true;
          return undefined;
        }
        await writeAudit(client, {
          action: removing ? 'user.identity-remove' : 'user.identity-register',
          detail: { user_id: params.data.id, ...identity },
          clientAddress: portal.clientAddress(req),
        });
        return undefined;
      });
      if (redirected !== undefined) return redirected;
      if (taken)
        return usersPage(
          req,
          reply,
          { kind: 'danger', text: t('invalidInput', { what: t('identityTaken') }) },
          400,
        );
      return reply.redirect('/utenti', 303);
    },
  );
};

export default users;
