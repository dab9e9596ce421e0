// Log in and log out. Passwords are checked with Argon2id in the portal; the lookup, the failure
// count with its lock-out and the sessions live in SQL (0013_portal_login.sql), as does the
// per-address throttle that every instance shares (0024_portal_login_throttle.sql, setting
// login_attempts_per_minute); the portal's login role reaches them only through narrow functions
// (queries/sign-in.ts). A session always gets a new random token at log-in (no fixation); only its
// SHA-256 is stored.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../core/passwords.ts';
import { newSessionToken, sessionCookieName, tokenHash } from '../common.ts';
import { alert, h, hiddenCsrf, layout } from '../html.ts';
import { writeAudit } from '../queries/audit.ts';
import {
  endSession,
  loginAccount,
  loginAttemptAllowed,
  loginFailed,
  loginSucceeded,
} from '../queries/sign-in.ts';

const loginSchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(1024),
  next: z.string().optional(),
});

/** Only local paths: never an open redirect. */
export function safeNext(next: string | undefined): string {
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\'))
    return next;
  return '/quarantene';
}

// Compared against when the username is unknown, so that the answer takes as long either way.
let dummyHash: Promise<string> | undefined;

const signIn: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config, pool } = portal;
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
    if (!(await loginAttemptAllowed(pool, portal.clientAddress(req)))) {
      return loginPage(req, reply, { kind: 'danger', text: t('loginThrottled') }, 429);
    }
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success)
      return loginPage(req, reply, { kind: 'danger', text: t('loginFailed') }, 400);
    const { username, password } = parsed.data;
    const account = await loginAccount(pool, username);
    dummyHash ??= hashPassword(newSessionToken());
    const valid = await verifyPassword(account?.password_hash ?? (await dummyHash), password).catch(
      () => false,
    );
    if (!account || account.locked || !account.password_hash || !valid) {
      if (account && !account.locked && account.password_hash) {
        if (await loginFailed(pool, account.user_id))
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
    if (req.portal.sessionToken) await endSession(pool, tokenHash(req.portal.sessionToken));
    const token = newSessionToken();
    await loginSucceeded(pool, account.user_id, tokenHash(token), portal.clientAddress(req));
    req.portal.sessionToken = token; // the rest of this request runs in the new session
    await portal.asUser(req, reply, async (client) => {
      await writeAudit(client, { action: 'login', clientAddress: portal.clientAddress(req) });
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
    if (req.portal.sessionToken) await endSession(pool, tokenHash(req.portal.sessionToken));
    void reply.clearCookie(cookieName, {
      path: '/',
      secure: config.secureCookies,
      httpOnly: true,
      sameSite: 'strict',
    });
    return reply.redirect('/login', 303);
  });
};

export default signIn;
