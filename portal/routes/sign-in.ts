// Signing in and out (DESIGN §14). The database decides every sign-in from a proof it checks itself
// (sign-in/proof.ts, queries/sign-in.ts): the Argon2id output of the typed password (computed
// here with the parameters and salt the database gives), a TOTP code, a recovery code's Argon2id
// output. It opens the session, or the step between a right password and its second factor: a
// user with an authenticator or whose role needs one (setting second_factor_roles) gives a TOTP
// code or a recovery code, or enrols an authenticator first and sees nothing else before. Single
// sign-on goes through the authority's OpenID Connect provider (sign-in/oidc.ts); the identity it
// returns opens a session only if an administrator registered it on a platform user.
//
// Nothing is learned from a failure (issue 13 §3): a wrong password, an unknown user, a disabled
// and a locked one get the same page, status and work (an unknown name gets stand-in parameters,
// so the same Argon2id hash is computed, and the database records every failure by the same
// statement). At the code step, a wrong code, a used one and any code of a user locked out (by
// these codes too) or disabled meanwhile get the same page, status and work: the step lives its
// time whatever happens to its user (qdp.sign_in_step_of), so a lock-out never shows as a step
// that ended. Every refused provider sign-in whose token was good (an identity registered on
// nobody, or on a disabled user) gets the one "not allowed" page; the reason is in the audit log
// only. The lock-out counts local credentials only: a provider sign-in is not refused for it.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError, newSessionToken, sessionCookieName, tokenHash } from '../common.ts';
import { alert, h, hiddenCsrf, layout, type Html, type PageContext } from '../html.ts';
import type { MessageKey } from '../i18n.ts';
import {
  codeSignIn,
  enrolSecret,
  loginAttemptAllowed,
  passwordParams,
  passwordSignIn,
  pendingSecret,
  providerRefused,
  providerSignIn,
  recoveryParams,
  recoverySignIn,
  signInStep,
  signOut,
  type SignInStep,
} from '../queries/sign-in.ts';
import { beginOwnEnrolment, ENROLMENT_LOCKED_OUT } from '../queries/account.ts';
import {
  OIDC_CALLBACK_PATH,
  OIDC_FLOW_MINUTES,
  OidcSignInError,
  parseFlow,
} from '../sign-in/oidc.ts';
import { argon2Proof, secondFactorKey } from '../sign-in/proof.ts';
import {
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  parseRecoveryCode,
  qrDataUrl,
  totpSecretText,
  totpUri,
} from '../sign-in/second-factor.ts';

const loginSchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(1024),
  next: z.string().optional(),
});

const codeSchema = z.object({ code: z.string().trim().min(1).max(40) });

/** Only local paths: never an open redirect. */
export function safeNext(next: string | undefined): string {
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\'))
    return next;
  return '/quarantene';
}

type Message = { kind: 'danger' | 'info' | 'warning'; text: string };

const signIn: FastifyPluginAsync = async (app) => {
  const { portal } = app;
  const { config, pool } = portal;
  const cookieName = sessionCookieName(config);
  // The step's token (between password and code) and the provider flow's checks, each in its own
  // HttpOnly cookie; the flow's is signed and SameSite=Lax, as the provider's redirect back is a
  // cross-site navigation.
  const stepCookie = config.secureCookies ? '__Host-qdp_step' : 'qdp_step';
  const flowCookie = config.secureCookies ? '__Host-qdp_oidc' : 'qdp_oidc';
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: config.secureCookies,
  };
  const rp = portal.oidc;
  const factorKey = secondFactorKey(config.cookieSecret);
  const address = (req: FastifyRequest) => portal.clientAddress(req);
  const tOf = (req: FastifyRequest, reply: FastifyReply) => portal.pageContext(req, reply).t;

  const nextOf = (req: FastifyRequest) =>
    safeNext(
      (req.query as Record<string, string | undefined>).next ??
        (req.body as Record<string, string> | undefined)?.next,
    );

  const page = (
    req: FastifyRequest,
    reply: FastifyReply,
    title: MessageKey,
    body: (ctx: PageContext) => Html,
    status = 200,
    head?: Html,
  ) => {
    const ctx = portal.pageContext(req, reply);
    return portal.send(
      reply,
      layout(
        ctx,
        ctx.t(title),
        h`<div class="row justify-content-center"><div class="col-12 col-md-8 col-lg-6">
<h1 class="h3 mb-4">${ctx.t(title)}</h1>
${body(ctx)}</div></div>`,
        head ? { head } : {},
      ),
      status,
    );
  };

  const loginPage = (req: FastifyRequest, reply: FastifyReply, message?: Message, status = 200) =>
    page(
      req,
      reply,
      'loginTitle',
      (ctx) => {
        const { t } = ctx;
        const next = nextOf(req);
        const provider = rp
          ? h`<a class="btn btn-outline-primary w-100 mb-3" href="/login/oidc?next=${encodeURIComponent(next)}">${t('signInWithProvider', { name: rp.settings.label ?? t('signInProviderDefault') })}</a>
<p class="text-center">${t('signInOr')}</p>`
          : '';
        return h`${message ? alert(message.kind, message.text) : ''}
${provider}<form method="post" action="/login" novalidate>
${hiddenCsrf(ctx)}
<input type="hidden" name="next" value="${next}">
<div class="form-group mb-4"><label for="username" class="active">${t('username')}</label>
<input type="text" class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="form-group mb-4"><label for="password" class="active">${t('password')}</label>
<input type="password" class="form-control" id="password" name="password" autocomplete="current-password" required></div>
<button type="submit" class="btn btn-primary w-100">${t('login')}</button>
</form>`;
      },
      status,
    );

  const failed = (req: FastifyRequest, reply: FastifyReply, key: MessageKey, status: number) =>
    loginPage(req, reply, { kind: 'danger', text: portal.pageContext(req, reply).t(key) }, status);

  /** The session the database opened (and audited) under `token`: its cookie. */
  const openSession = (reply: FastifyReply, token: string) => {
    void reply.setCookie(cookieName, token, cookieOptions);
    void reply.clearCookie(stepCookie, cookieOptions);
  };

  /** A session the browser brought is ended: the new one gets a token it has never seen. */
  const endBroughtSession = async (req: FastifyRequest) => {
    if (req.portal.sessionToken) await signOut(pool, tokenHash(req.portal.sessionToken));
  };

  app.get('/login', async (req, reply) => {
    if ((await portal.sessionUserId(req)) !== undefined) return reply.redirect('/quarantene', 303);
    return loginPage(req, reply);
  });

  app.post('/login', { preHandler: app.csrfProtection }, async (req, reply) => {
    if (!(await loginAttemptAllowed(pool, address(req))))
      return failed(req, reply, 'loginThrottled', 429);
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success) return failed(req, reply, 'loginFailed', 400);
    const { username, password } = parsed.data;
    const proof = await argon2Proof(await passwordParams(pool, username), password);
    const token = newSessionToken();
    const outcome = await passwordSignIn(pool, username, proof, tokenHash(token), address(req));
    if (outcome === 'failed') return failed(req, reply, 'loginFailed', 401);
    await endBroughtSession(req);
    const next = safeNext(parsed.data.next);
    if (outcome === 'session') {
      openSession(reply, token);
      return reply.redirect(next, 303);
    }
    // The token opened the step towards the second factor, not a session.
    void reply.setCookie(stepCookie, token, cookieOptions);
    const path = outcome === 'code' ? '/login/code' : '/login/enrol';
    return reply.redirect(`${path}?next=${encodeURIComponent(next)}`, 303);
  });

  /** The step the browser's step cookie opens, or undefined. */
  const currentStep = async (
    req: FastifyRequest,
  ): Promise<{ hash: Buffer; step: SignInStep } | undefined> => {
    const token = req.cookies[stepCookie];
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const hash = tokenHash(token);
    const step = await signInStep(pool, hash);
    return step ? { hash, step } : undefined;
  };

  /** The one-field form of a code (a TOTP code, or at the code step a recovery code too). */
  const codeForm = (req: FastifyRequest, ctx: PageContext, action: string, submit: MessageKey) =>
    h`<form method="post" action="${action}" novalidate>
${hiddenCsrf(ctx)}
<input type="hidden" name="next" value="${nextOf(req)}">
<div class="form-group mb-4"><label for="code" class="active">${ctx.t('codeLabel')}</label>
<input type="text" class="form-control" id="code" name="code" autocomplete="one-time-code" spellcheck="false" required></div>
<button type="submit" class="btn btn-primary w-100">${ctx.t(submit)}</button>
</form>`;

  const codePage = (req: FastifyRequest, reply: FastifyReply, message?: Message, status = 200) =>
    page(
      req,
      reply,
      'codeTitle',
      (ctx) => h`${message ? alert(message.kind, message.text) : ''}
<p>${ctx.t('codeIntro')}</p>
${codeForm(req, ctx, '/login/code', 'codeSubmit')}`,
      status,
    );

  app.get('/login/code', async (req, reply) => {
    const current = await currentStep(req);
    if (!current || current.step.next !== 'code') return reply.redirect('/login', 303);
    return codePage(req, reply);
  });

  app.post('/login/code', { preHandler: app.csrfProtection }, async (req, reply) => {
    if (!(await loginAttemptAllowed(pool, address(req))))
      return codePage(req, reply, { kind: 'danger', text: tOf(req, reply)('loginThrottled') }, 429);
    const current = await currentStep(req);
    if (!current || current.step.next !== 'code') return failed(req, reply, 'signInStepEnded', 401);
    const { hash } = current;
    const typed = codeSchema.safeParse(req.body);
    const code = typed.success ? typed.data.code.replace(/\s+/g, '') : '';
    const recovery = parseRecoveryCode(code);
    const token = newSessionToken();
    let ok: boolean;
    if (recovery) {
      // A selector that matches nothing gets stand-in parameters: it still costs one hash.
      const params = await recoveryParams(pool, hash, recovery.selector);
      ok =
        params !== undefined &&
        (await recoverySignIn(
          pool,
          hash,
          recovery.selector,
          await argon2Proof(params, recovery.code),
          tokenHash(token),
          address(req),
        ));
    } else {
      ok = await codeSignIn(pool, hash, code, factorKey, tokenHash(token), address(req));
    }
    if (!ok) {
      return codePage(req, reply, { kind: 'danger', text: tOf(req, reply)('codeFailed') }, 401);
    }
    openSession(reply, token);
    return reply.redirect(nextOf(req), 303);
  });

  const enrolPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    step: SignInStep,
    secret: Buffer,
    message?: Message,
    status = 200,
  ) => {
    const qr = await qrDataUrl(totpUri(secret, step.username, config.authorityName));
    return page(
      req,
      reply,
      'enrolTitle',
      (ctx) => h`${message ? alert(message.kind, message.text) : ''}
<p>${ctx.t('enrolIntro')}</p>
<p class="text-center"><img src="${qr}" alt="${ctx.t('enrolQrAlt')}" width="246" height="246" data-testid="totp-qr"></p>
<p>${ctx.t('enrolSecret')}: <code class="fs-5" data-testid="totp-secret">${totpSecretText(secret).replace(/(.{4})(?=.)/g, '$1 ')}</code></p>
${codeForm(req, ctx, '/login/enrol', 'enrolConfirm')}`,
      status,
    );
  };

  // A local account enrols a second factor of its own accord (its role does not require one):
  // the user's session begins an enrolment step, which then goes as at sign-in.
  app.post('/password/secondo-fattore', { preHandler: app.csrfProtection }, async (req, reply) => {
    const token = newSessionToken();
    const begun = await portal.asUser(req, reply, async (client) => {
      try {
        await beginOwnEnrolment(client, tokenHash(token));
      } catch (error) {
        if ((error as { code?: unknown }).code === ENROLMENT_LOCKED_OUT) {
          throw new HttpError(409, 'ownSecondFactorLocked');
        }
        throw error;
      }
      return true;
    });
    if (begun !== true) return begun;
    void reply.setCookie(stepCookie, token, cookieOptions);
    return reply.redirect(`/login/enrol?next=${encodeURIComponent('/password')}`, 303);
  });

  app.get('/login/enrol', async (req, reply) => {
    const current = await currentStep(req);
    if (!current || current.step.next !== 'enrol') return reply.redirect('/login', 303);
    // A new secret each time the page opens, until a code confirms one.
    const secret = newTotpSecret();
    await enrolSecret(pool, current.hash, secret, factorKey);
    return enrolPage(req, reply, current.step, secret);
  });

  app.post('/login/enrol', { preHandler: app.csrfProtection }, async (req, reply) => {
    const current = await currentStep(req);
    if (!current || current.step.next !== 'enrol')
      return failed(req, reply, 'signInStepEnded', 401);
    const { hash, step } = current;
    const again = async (text: MessageKey, status: number) => {
      const secret = await pendingSecret(pool, hash, factorKey);
      if (!secret) return failed(req, reply, 'signInStepEnded', 401);
      return enrolPage(
        req,
        reply,
        step,
        secret,
        { kind: 'danger', text: tOf(req, reply)(text) },
        status,
      );
    };
    if (!(await loginAttemptAllowed(pool, address(req)))) return again('loginThrottled', 429);
    const typed = codeSchema.safeParse(req.body);
    const codes = newRecoveryCodes();
    const token = newSessionToken();
    const ok = await codeSignIn(
      pool,
      hash,
      typed.success ? typed.data.code.replace(/\s+/g, '') : '',
      factorKey,
      tokenHash(token),
      address(req),
      {
        selectors: codes.map((c) => c.selector),
        hashes: await Promise.all(codes.map((c) => hashRecoveryCode(c.code))),
      },
    );
    // The failure was counted (a lock-out does not end the step: the same page again).
    if (!ok) return again('codeFailed', 401);
    // Enrolling of one's own accord: the session it began in gives way to the new one.
    await endBroughtSession(req);
    openSession(reply, token);
    // The recovery codes, once: only their verifiers are kept.
    return page(
      req,
      reply,
      'recoveryTitle',
      (ctx) => h`${alert('warning', ctx.t('recoveryIntro'))}
<ol class="list-unstyled fs-5" data-testid="recovery-codes">${codes.map((c) => h`<li><code>${c.code}</code></li>`)}</ol>
<a class="btn btn-primary" href="${nextOf(req)}">${ctx.t('signInContinue')}</a>`,
    );
  });

  // Single sign-on: to the provider with PKCE, state and nonce; back with a code.
  const providerPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    title: MessageKey,
    text: MessageKey,
    status: number,
  ) =>
    page(
      req,
      reply,
      title,
      (ctx) => h`${alert('danger', ctx.t(text))}
<a class="btn btn-primary" href="/login">${ctx.t('loginTitle')}</a>`,
      status,
    );

  app.get('/login/oidc', async (req, reply) => {
    if (!rp) return reply.callNotFound();
    try {
      const { url, flow } = await rp.begin(nextOf(req));
      void reply.setCookie(flowCookie, JSON.stringify(flow), {
        ...cookieOptions,
        sameSite: 'lax',
        signed: true,
        maxAge: OIDC_FLOW_MINUTES * 60,
      });
      return reply.redirect(url.href, 303);
    } catch (error) {
      if (!(error instanceof OidcSignInError)) throw error;
      return providerPage(req, reply, 'loginTitle', 'signInProviderUnavailable', 503);
    }
  });

  app.get(OIDC_CALLBACK_PATH, async (req, reply) => {
    if (!rp) return reply.callNotFound();
    const signed = req.cookies[flowCookie];
    const unsigned = signed ? req.unsignCookie(signed) : undefined;
    const flow = parseFlow(unsigned?.valid ? (unsigned.value ?? undefined) : undefined);
    // The flow is used once, whatever happens next.
    void reply.clearCookie(flowCookie, { ...cookieOptions, sameSite: 'lax' });
    let idToken: string;
    try {
      ({ idToken } = await rp.complete(new URL(req.url, 'http://callback.invalid'), flow));
    } catch (error) {
      if (!(error instanceof OidcSignInError)) throw error;
      await providerRefused(pool, error.refusal, address(req));
      return error.refusal === 'unavailable'
        ? providerPage(req, reply, 'loginTitle', 'signInProviderUnavailable', 503)
        : providerPage(req, reply, 'loginTitle', 'signInProviderFailed', 401);
    }
    await endBroughtSession(req);
    const token = newSessionToken();
    // The database checks the token again itself (signature, issuer, audience, expiry, one use).
    const outcome = await providerSignIn(pool, idToken, tokenHash(token), address(req));
    if ('refusal' in outcome) {
      return outcome.refusal === 'unknown identity' || outcome.refusal === 'disabled user'
        ? providerPage(req, reply, 'signInProviderRefusedTitle', 'signInProviderRefused', 403)
        : providerPage(req, reply, 'loginTitle', 'signInProviderFailed', 401);
    }
    openSession(reply, token);
    // The session cookie is SameSite=Strict and this request came from the provider's site, so a
    // redirect would arrive without it: the portal's own page moves on (a same-site navigation).
    const next = flow!.next;
    return page(
      req,
      reply,
      'loginTitle',
      (ctx) => h`<a class="btn btn-primary" href="${next}">${ctx.t('signInContinue')}</a>`,
      200,
      h`<meta http-equiv="refresh" content="0;url=${next}">`,
    );
  });

  app.post('/logout', { preHandler: app.csrfProtection }, async (req, reply) => {
    const method = req.portal.sessionToken
      ? await signOut(pool, tokenHash(req.portal.sessionToken))
      : undefined;
    void reply.clearCookie(cookieName, cookieOptions);
    // RP-initiated logout: the provider ends its own session and sends the browser back here. A
    // page of the portal leads there: a redirect answering the form would be refused by the CSP
    // (form-action 'self' covers where a form's redirects go).
    const providerLogout = method === 'provider' ? await rp?.endSessionUrl() : undefined;
    if (!providerLogout) return reply.redirect('/login', 303);
    return page(
      req,
      reply,
      'signedOutTitle',
      (ctx) => h`<p>${ctx.t('signedOutProvider')}</p>
<a class="btn btn-primary" href="${providerLogout.href}">${ctx.t('signInContinue')}</a>`,
      200,
      h`<meta http-equiv="refresh" content="0;url=${providerLogout.href}">`,
    );
  });
};

export default signIn;
