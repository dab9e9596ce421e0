// The portal in local mode (`npm start`): a login role for the portal on the local database
// (member of qdp_portal, a fresh random password each start), plain-HTTP cookies on localhost.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { keepPortalLoginRole } from '../db/portal-login.ts';
import { loadPortalConfig } from './config.ts';
import { startPortal, type RunningPortal } from './main.ts';

export const LOCAL_PORTAL_LOGIN = 'qdp_portal_local';

/**
 * Starts the portal on the database `pool` points at (a superuser connection, as local mode has).
 * QDP_PORTAL_DATABASE_URL, when set, is used instead of the local login role.
 */
export async function startLocalPortal(
  pool: pg.Pool,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningPortal> {
  let databaseUrl = env.QDP_PORTAL_DATABASE_URL;
  if (!databaseUrl) {
    const password = randomBytes(18).toString('base64url');
    const client = await pool.connect();
    try {
      await keepPortalLoginRole(client, LOCAL_PORTAL_LOGIN, password);
    } finally {
      client.release();
    }
    const url = new URL(
      String(
        (pool as unknown as { options: { connectionString: string } }).options.connectionString,
      ),
    );
    url.username = LOCAL_PORTAL_LOGIN;
    url.password = password;
    databaseUrl = url.toString();
  }
  const config = loadPortalConfig({
    QDP_PORTAL_HOST: '127.0.0.1',
    QDP_PORTAL_PORT: '8080',
    QDP_PORTAL_SECURE_COOKIES: 'false',
    QDP_PORTAL_AUTHORITY_NAME: 'Azienda ULSS (demo)',
    ...env,
    QDP_PORTAL_DATABASE_URL: databaseUrl,
    QDP_PORTAL_COOKIE_SECRET: env.QDP_PORTAL_COOKIE_SECRET ?? randomBytes(32).toString('base64url'),
  });
  return startPortal(config);
}
