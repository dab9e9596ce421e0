// The portal's deployment contract: what the portal's code (portal/config.ts, portal/bundle.ts,
// portal/routes/root.ts) and the component that runs it on EC2 (infra/portal.ts) must agree on: the
// environment variable names, the port behind the load balancer, the health path, where the
// bundle is installed and the service that runs it, and the keys of the settings secret.

/** Every environment variable the portal reads (portal/config.ts validates them). */
export const PORTAL_ENV = {
  databaseUrl: 'QDP_PORTAL_DATABASE_URL',
  host: 'QDP_PORTAL_HOST',
  port: 'QDP_PORTAL_PORT',
  cookieSecret: 'QDP_PORTAL_COOKIE_SECRET',
  secureCookies: 'QDP_PORTAL_SECURE_COOKIES',
  trustProxy: 'QDP_PORTAL_TRUST_PROXY',
  workers: 'QDP_PORTAL_WORKERS',
  poolMax: 'QDP_PORTAL_POOL_MAX',
  pageSize: 'QDP_PORTAL_PAGE_SIZE',
  exportMaxRows: 'QDP_PORTAL_EXPORT_MAX_ROWS',
  authorityName: 'QDP_PORTAL_AUTHORITY_NAME',
  /**
   * The settings secret's ARN (in AWS): the portal reads the database password there again when
   * the database refuses it (a rotation, portal/database-login.ts).
   */
  settingsSecretArn: 'QDP_PORTAL_SETTINGS_SECRET_ARN',
  /** Single sign-on (portal/sign-in/oidc.ts): none set, passwords only. */
  oidcIssuer: 'QDP_PORTAL_OIDC_ISSUER',
  oidcClientId: 'QDP_PORTAL_OIDC_CLIENT_ID',
  /** In AWS from the settings secret (`PORTAL_SECRET_SETTINGS.oidcClientSecret`), never in the template. */
  oidcClientSecret: 'QDP_PORTAL_OIDC_CLIENT_SECRET',
  oidcScopes: 'QDP_PORTAL_OIDC_SCOPES',
  oidcClaim: 'QDP_PORTAL_OIDC_CLAIM',
  oidcLabel: 'QDP_PORTAL_OIDC_LABEL',
  /** The portal's address as browsers reach it (the provider's redirect URIs are made from it). */
  publicUrl: 'QDP_PORTAL_PUBLIC_URL',
} as const;

/**
 * The keys of the portal's settings secret (JSON): the settings that are secret. The instances'
 * boot script copies them into the environment (the client secret only with single sign-on).
 */
export const PORTAL_SECRET_SETTINGS = {
  /** Written by the migrate function (the portal's login role and its password). */
  databaseUrl: PORTAL_ENV.databaseUrl,
  /** Written by the migrate function, once. */
  cookieSecret: PORTAL_ENV.cookieSecret,
  /** Put there by the authority (the client secret its identity provider gave the portal). */
  oidcClientSecret: PORTAL_ENV.oidcClientSecret,
} as const;

/** The keys the migrate function writes (it keeps every other key of the secret as it is). */
export const PORTAL_WRITTEN_SECRET_SETTINGS = [
  PORTAL_SECRET_SETTINGS.databaseUrl,
  PORTAL_SECRET_SETTINGS.cookieSecret,
] as const;

/** The scope every OpenID Connect sign-in asks for (and the default scopes). */
export const OIDC_REQUIRED_SCOPE = 'openid';
/** A claim name (`fiscalNumber`, `email`, `preferred_username`, `oid`, `sub` …). */
export const OIDC_CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/;
/** The longest text of the log-in button naming the provider. */
export const OIDC_LABEL_MAX_CHARS = 80;

/** The port the portal listens on (its default; the load balancer's target port). */
export const PORTAL_PORT = 8080;
/** The portal's health endpoint (the load balancer's health check). */
export const PORTAL_HEALTH_PATH = '/healthz';
/** The systemd unit the bundle carries. */
export const PORTAL_SERVICE = 'qdp-portal.service';
/** Where the bundle's systemd unit expects things on the instance (portal/bundle.ts defaults). */
export const PORTAL_INSTALL_DIR = '/opt/qdp-portal';
export const PORTAL_ENVIRONMENT_FILE = '/etc/qdp-portal/portal.env';
export const PORTAL_USER = 'qdp-portal';
export const PORTAL_NODE = '/usr/bin/node';
