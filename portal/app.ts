// The portal as one Fastify application, composed of plugins as fastify/demo is: the external
// ones first (security headers, cookies + forms + CSRF, static assets), then the portal's own
// (the request's session and context, error pages), then one route plugin per area. Every page
// that shows data runs in one transaction as the signed-in user's database role
// (plugins/session.ts), so row-level security and column privileges decide what appears; routes
// only choose how to show it. Plugins are imported, not loaded from directories at run time, so
// that esbuild bundles them (portal/bundle.ts).
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type pg from 'pg';
import type { PortalConfig } from './config.ts';
import csrf from './plugins/csrf.ts';
import errorPages from './plugins/error-pages.ts';
import securityHeaders from './plugins/security-headers.ts';
import session from './plugins/session.ts';
import staticAssets, { defaultAssetDirs, type AssetDirs } from './plugins/static.ts';
import account from './routes/account.ts';
import audit from './routes/audit.ts';
import dashboards from './routes/dashboards.ts';
import imports from './routes/imports.ts';
import list from './routes/list.ts';
import patient from './routes/patient.ts';
import privacy from './routes/privacy.ts';
import root from './routes/root.ts';
import signIn from './routes/sign-in.ts';
import users from './routes/users.ts';

export type { AssetDirs } from './plugins/static.ts';

export interface PortalDeps {
  config: PortalConfig;
  pool: pg.Pool;
  /** Where bootstrap-italia, chart.js and the portal's own assets are (the bundle has copies). */
  assets?: AssetDirs;
}

/** The route plugins, one per area. */
export const ROUTES = [
  root,
  signIn,
  account,
  list,
  patient,
  imports,
  dashboards,
  users,
  audit,
  privacy,
];

export async function buildPortal(deps: PortalDeps): Promise<FastifyInstance> {
  const { config, pool } = deps;
  const options: FastifyServerOptions = {
    // No request logging: URLs can carry fiscal codes (DESIGN: personal data only in the audit log).
    logger: false,
    // One hop (the load balancer): the address it appends, not one a client wrote into the header.
    trustProxy: config.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
    bodyLimit: 64 * 1024,
  };
  const app = Fastify(options);
  await app.register(securityHeaders, { secureCookies: config.secureCookies });
  await app.register(csrf, {
    cookieSecret: config.cookieSecret,
    secureCookies: config.secureCookies,
  });
  await app.register(staticAssets, { assets: deps.assets ?? defaultAssetDirs() });
  await app.register(session, { config, pool });
  await app.register(errorPages);
  for (const routes of ROUTES) await app.register(routes);
  return app;
}
