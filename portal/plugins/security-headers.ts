// Security headers on every answer (helmet): a Content-Security-Policy that allows only the
// portal's own scripts, styles, fonts and images (no inline script or style), HSTS with secure
// cookies, nosniff, no referrer, no framing.
import fastifyHelmet from '@fastify/helmet';
import fp from 'fastify-plugin';

export interface SecurityHeadersOptions {
  /** HTTPS deployment: HSTS and upgrade-insecure-requests. */
  secureCookies: boolean;
}

export default fp<SecurityHeadersOptions>(
  async (app, { secureCookies }) => {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          // bootstrap-italia's stylesheet embeds one icon font as a data: URI.
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(secureCookies ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: secureCookies
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : false,
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
    });
  },
  { name: 'qdp-security-headers' },
);
