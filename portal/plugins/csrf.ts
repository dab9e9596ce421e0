// Cookies (signed with QDP_PORTAL_COOKIE_SECRET), form bodies, and a CSRF token on every POST form
// (@fastify/csrf-protection: the secret in a signed HttpOnly cookie; routes that take a form
// declare `preHandler: app.csrfProtection`; a missing or foreign token is a 403).
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fp from 'fastify-plugin';

export interface CsrfOptions {
  cookieSecret: string;
  secureCookies: boolean;
}

export default fp<CsrfOptions>(
  async (app, { cookieSecret, secureCookies }) => {
    await app.register(fastifyCookie, { secret: cookieSecret });
    await app.register(fastifyFormbody);
    await app.register(fastifyCsrf, {
      cookieKey: secureCookies ? '__Host-qdp_csrf' : 'qdp_csrf',
      cookieOpts: {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookies,
        signed: true,
      },
    });
  },
  { name: 'qdp-csrf' },
);
