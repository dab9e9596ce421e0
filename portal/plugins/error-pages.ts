// Error pages: an HttpError's status and message, a CSRF failure as 403, a client error as 400 or
// 404, anything else as 500 with only its message and code logged (never the request: its URL or
// form may hold personal data). Every error page links back to '/', never to the requested URL.
import fp from 'fastify-plugin';
import { HttpError } from '../common.ts';
import { alert, h, layout } from '../html.ts';
import type { MessageKey } from '../i18n.ts';

export default fp(
  async (app) => {
    const { portal } = app;
    app.setErrorHandler(async (error, req, reply) => {
      const e = error as Error & { statusCode?: number; code?: string };
      let status = 500;
      let key: MessageKey = 'error';
      let detail: string | undefined;
      if (error instanceof HttpError) {
        status = error.statusCode;
        key = error.messageKey;
        detail = error.detail;
      } else if (e.code === 'FST_CSRF_INVALID_TOKEN' || e.code === 'FST_CSRF_MISSING_SECRET') {
        status = 403;
        key = 'csrfFailed';
      } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        status = e.statusCode;
        key = status === 404 ? 'notFound' : 'invalidInput';
        detail = 'request';
      } else {
        process.stderr.write(`portal: ${e.code ?? 'error'}: ${e.message}\n`);
      }
      const ctx = portal.errorPageContext(req, reply);
      const t = ctx.t;
      const text = key === 'invalidInput' ? t('invalidInput', { what: detail ?? '' }) : t(key);
      return portal.send(
        reply,
        layout(ctx, t('error'), h`<h1 class="h3">${status}</h1>${alert('danger', text)}`),
        status,
      );
    });
    app.setNotFoundHandler(async (req, reply) => {
      const ctx = portal.errorPageContext(req, reply);
      return portal.send(
        reply,
        layout(
          ctx,
          ctx.t('notFound'),
          h`<h1 class="h3">404</h1>${alert('warning', ctx.t('notFound'))}`,
        ),
        404,
      );
    });
  },
  { name: 'qdp-error-pages', dependencies: ['qdp-session'] },
);
