// The signed-in user's own account: change the password (the database checks the current one's
// Argon2id proof, sign-in/proof.ts; the change ends the user's other sessions).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword } from '../../core/passwords.ts';
import { HttpError, PASSWORD_MIN_LENGTH, tokenHash } from '../common.ts';
import { alert, h, hiddenCsrf, layout } from '../html.ts';
import { ownPasswordParams, ownSecondFactor, setOwnPassword } from '../queries/account.ts';
import { writeAudit } from '../queries/audit.ts';
import type { SessionViewer } from '../queries/session.ts';
import { argon2Proof } from '../sign-in/proof.ts';

const account: FastifyPluginAsync = async (app) => {
  const { portal } = app;

  const passwordPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    viewer: SessionViewer,
    hasFactor: boolean | null,
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
</form>
${
  hasFactor === null
    ? ''
    : h`<h2 class="h4 mt-5">${t('secondFactor')}</h2>
<p data-testid="own-second-factor">${hasFactor ? t('ownSecondFactorOn') : t('ownSecondFactorOff')}</p>
${hasFactor ? '' : h`<form method="post" action="/password/secondo-fattore">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-outline-primary">${t('ownSecondFactorEnrol')}</button></form>`}`
}</div></div>`,
      ),
      status,
    );
  };

  app.get('/password', async (req, reply) =>
    portal.asUser(req, reply, async (client, viewer) =>
      passwordPage(req, reply, viewer, await ownSecondFactor(client)),
    ),
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
      const hasFactor = await ownSecondFactor(client);
      const params = await ownPasswordParams(client);
      const wrong = () =>
        passwordPage(
          req,
          reply,
          viewer,
          hasFactor,
          { kind: 'danger', text: t('passwordWrong') },
          400,
        );
      if (!params) return wrong();
      const proof = await argon2Proof(params, current);
      if (password.length < PASSWORD_MIN_LENGTH) {
        return passwordPage(
          req,
          reply,
          viewer,
          hasFactor,
          { kind: 'danger', text: t('passwordTooShort', { n: PASSWORD_MIN_LENGTH }) },
          400,
        );
      }
      if (password !== confirm) {
        return passwordPage(
          req,
          reply,
          viewer,
          hasFactor,
          { kind: 'danger', text: t('passwordMismatch') },
          400,
        );
      }
      const changed = await setOwnPassword(
        client,
        proof,
        await hashPassword(password),
        tokenHash(req.portal.sessionToken ?? ''),
      );
      if (!changed) return wrong();
      await writeAudit(client, {
        action: 'password.change',
        clientAddress: portal.clientAddress(req),
      });
      return passwordPage(req, reply, viewer, hasFactor, {
        kind: 'success',
        text: t('passwordChanged'),
      });
    });
  });
};

export default account;
