// The portal's entry point (EC2 and any server): configuration from the environment
// (portal/config.ts), QDP_PORTAL_WORKERS server processes (node:cluster) sharing
// QDP_PORTAL_HOST:QDP_PORTAL_PORT, each with one database pool as the portal's login role, and a
// clean stop on SIGTERM (systemd) or SIGINT. The server keeps no state of its own (sessions,
// throttle and settings are in the database, the CSRF secret in a signed cookie), so any worker
// can answer any request.
import cluster from 'node:cluster';
import type pg from 'pg';
import { portalPool, secretsManagerReader } from './database-login.ts';
import { loadPortalConfig, PortalConfigError, type PortalConfig } from './config.ts';
import { buildPortal } from './app.ts';
import type { FastifyInstance } from 'fastify';

export interface RunningPortal {
  url: string;
  app: FastifyInstance;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function startPortal(config: PortalConfig): Promise<RunningPortal> {
  // Aurora's certificate is verified against Amazon RDS's authorities too (db/tls.ts); in AWS a
  // refused password is read again from the settings secret (a rotation, database-login.ts).
  const pool = portalPool(
    config.databaseUrl,
    config.settingsSecretArn === undefined
      ? undefined
      : secretsManagerReader(config.settingsSecretArn),
    { max: config.poolMax, connectionTimeoutMillis: 5000 },
  );
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

function loadConfigOrExit(): PortalConfig {
  try {
    return loadPortalConfig();
  } catch (error) {
    if (error instanceof PortalConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** One server process: serves until SIGTERM or SIGINT, then closes the server and its pool. */
async function serve(config: PortalConfig): Promise<void> {
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

/**
 * The primary of several workers: forks them, passes SIGTERM/SIGINT on and exits when they have
 * stopped. A worker that stops on its own stops the others and the primary with an error, so that
 * systemd (Restart=on-failure) starts the service again whole.
 */
function supervise(workers: number): void {
  let stopping = false;
  let failed = false;
  const stopAll = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      failed = true;
      process.stderr.write(
        `portal: worker ${worker.process.pid} stopped (${signal ?? `exit ${code}`}); stopping the others\n`,
      );
      stopAll('SIGTERM');
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
  });
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGTERM'));
  for (let i = 0; i < workers; i++) cluster.fork();
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.workers > 1 && cluster.isPrimary) {
    supervise(config.workers);
  } else {
    await serve(config);
  }
}

// Run when executed (tsx portal/main.ts, or the bundle's server.mjs), not when imported.
const entry = process.argv[1] ?? '';
if (/(?:portal[\\/]main\.ts|server\.mjs)$/.test(entry)) {
  main().catch((error: unknown) => {
    process.stderr.write(`portal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
