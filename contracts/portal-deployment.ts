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
} as const;

/**
 * The keys of the portal's settings secret (JSON): the two settings that are secret; the
 * migrate function writes them, the instances' boot script copies them into the environment.
 */
export const PORTAL_SECRET_SETTINGS = {
  databaseUrl: PORTAL_ENV.databaseUrl,
  cookieSecret: PORTAL_ENV.cookieSecret,
} as const;

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
