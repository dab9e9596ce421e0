// The portal's entry point (EC2 and any server): configuration from the environment
// (portal/config.ts), one database pool as the portal's login role, the server on
// QDP_PORTAL_HOST:QDP_PORTAL_PORT, a clean stop on SIGTERM (systemd) or SIGINT.
import pg from 'pg';
import { connectionOptionsFor } from '../db/tls.ts';
import { loadPortalConfig, PortalConfigError, type PortalConfig } from './config.ts';
import { buildPortal } from './server.ts';
import type { FastifyInstance } from 'fastify';

export interface RunningPortal {
  url: string;
  app: FastifyInstance;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function startPortal(config: PortalConfig): Promise<RunningPortal> {
  const pool = new pg.Pool({
    // Aurora's certificate is verified against Amazon RDS's authorities too (db/tls.ts).
    ...connectionOptionsFor(config.databaseUrl),
    max: config.poolMax,
    connectionTimeoutMillis: 5000,
  });
  pool.on('error', (error) => process.stderr.write(`portal: database pool: ${error.message}\n`));
  const app = await buildPortal({ config, pool });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}/`,
    app,
    pool,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}

async function main(): Promise<void> {
  let config: PortalConfig;
  try {
    config = loadPortalConfig();
  } catch (error) {
    if (error instanceof PortalConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const portal = await startPortal(config);
  process.stdout.write(`portal listening on ${portal.url}\n`);
  const stop = () => {
    portal.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Run when executed (tsx portal/main.ts, or the bundle's server.mjs), not when imported.
const entry = process.argv[1] ?? '';
if (/(?:portal[\\/]main\.ts|server\.mjs)$/.test(entry)) {
  main().catch((error: unknown) => {
    process.stderr.write(`portal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
