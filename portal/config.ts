// The portal's configuration, from the environment, validated once at start: every problem is
// reported at once, naming the variable. Limits the database applies (lock-out, log-in throttle,
// session length, dashboard suppression) are qdp.settings rows, changed with `qdp settings set`.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { OIDC_ENVIRONMENT, parseOidcSettings, type OidcSettings } from './sign-in/oidc.ts';
import { PORTAL_ENV, PORTAL_PORT } from '../contracts/portal-deployment.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be true or false (or 1/0, yes/no)',
  })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const E = PORTAL_ENV;
const environmentSchema = z.object({
  [E.databaseUrl]: z.string().url(),
  [E.host]: z.string().min(1).default('127.0.0.1'),
  [E.port]: z.coerce.number().int().min(0).max(65_535).default(PORTAL_PORT),
  [E.cookieSecret]: z.string().min(32, 'must be at least 32 characters'),
  [E.secureCookies]: flag.default(true),
  [E.trustProxy]: flag.default(false),
  [E.workers]: z.coerce.number().int().min(1).max(64).optional(),
  [E.poolMax]: z.coerce.number().int().min(1).max(200).default(20),
  [E.pageSize]: z.coerce.number().int().min(10).max(500).default(50),
  [E.exportMaxRows]: z.coerce.number().int().min(1).max(2_000_000).default(200_000),
  [E.authorityName]: z.string().min(1).default('Azienda ULSS'),
  [E.settingsSecretArn]: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN')
    .optional(),
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
  /**
   * The settings secret (AWS): the database password is read there again when the database
   * refuses it, so a rotation never stops the portal. Undefined: the URL's password only.
   */
  settingsSecretArn: string | undefined;
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
    databaseUrl: e[E.databaseUrl],
    host: e[E.host],
    port: e[E.port],
    cookieSecret: e[E.cookieSecret],
    secureCookies: e[E.secureCookies],
    trustProxy: e[E.trustProxy],
    workers: e[E.workers] ?? availableParallelism(),
    poolMax: e[E.poolMax],
    pageSize: e[E.pageSize],
    exportMaxRows: e[E.exportMaxRows],
    authorityName: e[E.authorityName],
    settingsSecretArn: e[E.settingsSecretArn],
    oidc: oidc.settings,
  };
}
