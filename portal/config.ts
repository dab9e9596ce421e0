// The portal's configuration, from the environment, validated once at start: every problem is
// reported at once, naming the variable. Limits the database applies (lock-out, log-in throttle,
// session length, dashboard suppression) are qdp.settings rows, changed with `qdp settings set`.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { OIDC_ENVIRONMENT, parseOidcSettings, type OidcSettings } from './sign-in/oidc.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be true or false (or 1/0, yes/no)',
  })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const environmentSchema = z.object({
  QDP_PORTAL_DATABASE_URL: z.string().url(),
  QDP_PORTAL_HOST: z.string().min(1).default('127.0.0.1'),
  QDP_PORTAL_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  QDP_PORTAL_COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters'),
  QDP_PORTAL_SECURE_COOKIES: flag.default(true),
  QDP_PORTAL_TRUST_PROXY: flag.default(false),
  QDP_PORTAL_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  QDP_PORTAL_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  QDP_PORTAL_PAGE_SIZE: z.coerce.number().int().min(10).max(500).default(50),
  QDP_PORTAL_EXPORT_MAX_ROWS: z.coerce.number().int().min(1).max(2_000_000).default(200_000),
  QDP_PORTAL_AUTHORITY_NAME: z.string().min(1).default('Azienda ULSS'),
});

export interface PortalConfig {
  /** A login role that is a member of qdp_portal (never a superuser: it bypasses row security). */
  databaseUrl: string;
  host: string;
  port: number;
  /** Signs the CSRF secret cookie. */
  cookieSecret: string;
  /** Secure (HTTPS-only) cookies with the __Host- prefix; false only for plain-HTTP local mode. */
  secureCookies: boolean;
  /** Behind a load balancer: take the client address from X-Forwarded-For. */
  trustProxy: boolean;
  /** Server processes (node:cluster) sharing the port; default: one per CPU of the host. */
  workers: number;
  /** Database connections per worker. */
  poolMax: number;
  /** Rows per page of the quarantine list and the audit view. */
  pageSize: number;
  /** The most rows one CSV export may hold. */
  exportMaxRows: number;
  authorityName: string;
  /** Single sign-on through the authority's OpenID Connect provider; undefined: passwords only. */
  oidc: OidcSettings | undefined;
}

export const PORTAL_ENVIRONMENT = [...Object.keys(environmentSchema.shape), ...OIDC_ENVIRONMENT];

export class PortalConfigError extends Error {}

export function loadPortalConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(given);
  const oidc = parseOidcSettings(given);
  if (!parsed.success || oidc.problems.length > 0) {
    const problems = (parsed.error?.issues ?? []).map((issue) => {
      const name = issue.path.join('.');
      const message =
        issue.code === 'invalid_type' && given[name] === undefined ? 'is required' : issue.message;
      return `${name}: ${message}`;
    });
    problems.push(...oidc.problems);
    throw new PortalConfigError(`invalid portal configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.QDP_PORTAL_DATABASE_URL,
    host: e.QDP_PORTAL_HOST,
    port: e.QDP_PORTAL_PORT,
    cookieSecret: e.QDP_PORTAL_COOKIE_SECRET,
    secureCookies: e.QDP_PORTAL_SECURE_COOKIES,
    trustProxy: e.QDP_PORTAL_TRUST_PROXY,
    workers: e.QDP_PORTAL_WORKERS ?? availableParallelism(),
    poolMax: e.QDP_PORTAL_POOL_MAX,
    pageSize: e.QDP_PORTAL_PAGE_SIZE,
    exportMaxRows: e.QDP_PORTAL_EXPORT_MAX_ROWS,
    authorityName: e.QDP_PORTAL_AUTHORITY_NAME,
    oidc: oidc.settings,
  };
}
