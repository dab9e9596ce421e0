// Log in, log out, change password. Passwords are checked with Argon2id in the portal; the lookup,
// the failure count with its lock-out and the sessions live in SQL (0013_portal_login.sql), as does
// the per-address throttle that every instance shares (0024_portal_login_throttle.sql, setting
// login_attempts_per_minute); the portal's login role reaches them only through narrow functions.
// A session always gets a new random token at log-in (no fixation); only its SHA-256 is stored.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../core/passwords.ts';
import { alert, h, hiddenCsrf, layout } from '../html.ts';
import {
  HttpError,
  newSessionToken,
  PASSWORD_MIN_LENGTH,
  sessionCookieName,
  tokenHash,
} from '../common.ts';
import type { Portal } from '../server.ts';

const loginSchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(1024),
  next: z.string().optional(),
});

/** Only local paths: never an open redirect. */
function safeNext(next: string | undefined): string {
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\'))
    return next;
  return '/quarantene';
}

// Compared against when the username is unknown, so that the answer takes as long either way.
let dummyHash: Promise<string> | undefined;

export function registerAuthRoutes(portal: Portal): void {
  const { app, config, pool } = portal;
  const cookieName = sessionCookieName(config);

  const loginPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    message?: { kind: 'danger' | 'info' | 'warning'; text: string },
    status = 200,
  ) => {
    const ctx = portal.pageContext(req, reply);
    const { t } = ctx;
    const next =
      (req.query as Record<string, string | undefined>).next ??
      (req.body as Record<string, string> | undefined)?.next;
    return portal.send(
      reply,
      layout(
        ctx,
        t('loginTitle'),
        h`<div class="row justify-content-center"><div class="col-12 col-md-6 col-lg-4">
<h1 class="h3 mb-4">${t('loginTitle')}</h1>
${message ? alert(message.kind, message.text) : ''}
<form method="post" action="/login" novalidate>
${hiddenCsrf(ctx)}
<input type="hidden" name="next" value="${safeNext(next)}">
<div class="form-group mb-4"><label for="username" class="active">${t('username')}</label>
<input type="text" class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="form-group mb-4"><label for="password" class="active">${t('password')}</label>
<input type="password" class="form-control" id="password" name="password" autocomplete="current-password" required></div>
<button type="submit" class="btn btn-primary w-100">${t('login')}</button>
</form></div></div>`,
      ),
      status,
    );
  };

  app.get('/login', async (req, reply) => {
    if ((await portal.sessionUserId(req)) !== undefined) return reply.redirect('/quarantene', 303);
    return loginPage(req, reply);
  });

  app.post('/login', { preHandler: app.csrfProtection }, async (req, reply) => {
    const t = portal.pageContext(req, reply).t;
    const attempt = await pool.query<{ allowed: boolean }>(
      'select qdp.portal_login_attempt($1) as allowed',
      [portal.clientAddress(req)],
    );
    if (!attempt.rows[0]?.allowed) {
      return loginPage(req, reply, { kind: 'danger', text: t('loginThrottled') }, 429);
    }
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success)
      return loginPage(req, reply, { kind: 'danger', text: t('loginFailed') }, 400);
    const { username, password } = parsed.data;
    const { rows } = await pool.query<{
      user_id: string;
      password_hash: string | null;
      locked: boolean;
    }>('select user_id, password_hash, locked from qdp.portal_login_lookup($1)', [username]);
    const account = rows[0];
    dummyHash ??= hashPassword(newSessionToken());
    const valid = await verifyPassword(account?.password_hash ?? (await dummyHash), password).catch(
      () => false,
    );
    if (!account || account.locked || !account.password_hash || !valid) {
      if (account && !account.locked && account.password_hash) {
        const locked = await pool.query<{ locked: boolean }>(
          'select qdp.portal_login_failed($1) as locked',
          [account.user_id],
        );
        if (locked.rows[0]?.locked)
          return loginPage(req, reply, { kind: 'danger', text: t('loginLocked') }, 401);
      }
      return loginPage(
        req,
        reply,
        { kind: 'danger', text: t(account?.locked ? 'loginLocked' : 'loginFailed') },
        401,
      );
    }
    // A session the browser brought is ended: the new one gets a token it has never seen.
    if (req.portal.sessionToken) {
      await pool.query('select qdp.portal_session_end($1)', [tokenHash(req.portal.sessionToken)]);
    }
    const token = newSessionToken();
    await pool.query('select qdp.portal_login_succeeded($1, $2, $3)', [
      account.user_id,
      tokenHash(token),
      portal.clientAddress(req),
    ]);
    req.portal.sessionToken = token; // the rest of this request runs in the new session
    await portal.asUser(req, reply, async (client) => {
      await client.query("select qdp.audit('login', null, null, null, $1)", [
        portal.clientAddress(req),
      ]);
    });
    void reply.setCookie(cookieName, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: config.secureCookies,
    });
    return reply.redirect(safeNext(parsed.data.next), 303);
  });

  app.post('/logout', { preHandler: app.csrfProtection }, async (req, reply) => {
    if (req.portal.sessionToken) {
      await pool.query('select qdp.portal_session_end($1)', [tokenHash(req.portal.sessionToken)]);
    }
    void reply.clearCookie(cookieName, {
      path: '/',
      secure: config.secureCookies,
      httpOnly: true,
      sameSite: 'strict',
    });
    return reply.redirect('/login', 303);
  });

  const passwordPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    viewer: Parameters<Portal['pageContext']>[2],
    message?: { kind: 'danger' | 'success'; text: string },
    status = 200,
  ) => {
    const ctx = portal.pageContext(req, reply, viewer);
    const { t } = ctx;
    return portal.send(
      reply,
      layout(
        ctx,
        t('navPassword'),
        h`<div class="row"><div class="col-12 col-md-6">
<h1 class="h3 mb-4">${t('navPassword')}</h1>
${message ? alert(message.kind, message.text) : ''}
<form method="post" action="/password">
${hiddenCsrf(ctx)}
<div class="form-group mb-4"><label for="current" class="active">${t('currentPassword')}</label>
<input type="password" class="form-control" id="current" name="current" autocomplete="current-password" required></div>
<div class="form-group mb-4"><label for="next-password" class="active">${t('newPassword')}</label>
<input type="password" class="form-control" id="next-password" name="password" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" required></div>
<div class="form-group mb-4"><label for="confirm" class="active">${t('confirmPassword')}</label>
<input type="password" class="form-control" id="confirm" name="confirm" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" required></div>
<button type="submit" class="btn btn-primary">${t('navPassword')}</button>
</form></div></div>`,
      ),
      status,
    );
  };

  app.get('/password', async (req, reply) =>
    portal.asUser(req, reply, async (_c, viewer) => passwordPage(req, reply, viewer)),
  );

  app.post('/password', { preHandler: app.csrfProtection }, async (req, reply) => {
    const body = z
      .object({
        current: z.string().max(1024),
        password: z.string().max(1024),
        confirm: z.string().max(1024),
      })
      .safeParse(req.body);
    if (!body.success) throw new HttpError(400, 'invalidInput', 'password');
    return portal.asUser(req, reply, async (client, viewer) => {
      const t = portal.pageContext(req, reply).t;
      const { current, password, confirm } = body.data;
      const own = await client.query<{ h: string | null }>(
        'select qdp.portal_own_password_hash() as h',
      );
      const hash = own.rows[0]?.h;
      if (!hash || !(await verifyPassword(hash, current).catch(() => false))) {
        return passwordPage(req, reply, viewer, { kind: 'danger', text: t('passwordWrong') }, 400);
      }
      if (password.length < PASSWORD_MIN_LENGTH) {
        return passwordPage(
          req,
          reply,
          viewer,
          { kind: 'danger', text: t('passwordTooShort', { n: PASSWORD_MIN_LENGTH }) },
          400,
        );
      }
      if (password !== confirm) {
        return passwordPage(
          req,
          reply,
          viewer,
          { kind: 'danger', text: t('passwordMismatch') },
          400,
        );
      }
      await client.query('select qdp.portal_set_own_password($1, $2)', [
        await hashPassword(password),
        tokenHash(req.portal.sessionToken ?? ''),
      ]);
      await client.query("select qdp.audit('password.change', null, null, null, $1)", [
        portal.clientAddress(req),
      ]);
      return passwordPage(req, reply, viewer, { kind: 'success', text: t('passwordChanged') });
    });
  });
}
