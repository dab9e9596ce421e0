// Where the embedded PostgreSQL's binaries and data live, and as whom it runs.
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
// That user must reach the binaries and the data directory, and a checkout in a private directory
// (root's home, `mktemp -d`) is out of its reach: as root the binaries then run from a root-owned
// copy under QDP_EMBEDDED_POSTGRES_DIR (world-readable, written by root only), and a data directory the
// `postgres` user cannot reach is placed there too, with a symbolic link at the requested place.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A failure to provide the embedded PostgreSQL, said in one line with what to do. */
export class EmbeddedPostgresError extends Error {}

/**
 * Where, as root, the binaries' copy and any relocated data directory live: QDP_EMBEDDED_POSTGRES_DIR,
 * by default /var/lib/qdp-embedded-postgres. It must belong to root and be writable by root only.
 */
export const DEFAULT_ROOT_RUNTIME_DIR = '/var/lib/qdp-embedded-postgres';

function rootRuntimeDir(): string {
  return path.resolve(process.env.QDP_EMBEDDED_POSTGRES_DIR || DEFAULT_ROOT_RUNTIME_DIR);
}

/** The system user the server runs as when the command runs as root. */
export const POSTGRES_SYSTEM_USER = 'postgres';

export interface RunAs {
  uid: number;
  gid: number;
}

export interface Binaries {
  initdb: string;
  postgres: string;
  pgCtl: string;
}

const AS_ROOT_HINT = 'or run qdp as a non-root user, or set DATABASE_URL to a PostgreSQL server';

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : undefined;
}

/** As root, the `postgres` system user (created when missing); otherwise nobody (run as self). */
export function runtimeUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (idOf('-u', POSTGRES_SYSTEM_USER) === undefined) {
    const group = idOf('-g', POSTGRES_SYSTEM_USER) === undefined ? ['--user-group'] : ['-g'];
    if (group[0] === '-g') group.push(POSTGRES_SYSTEM_USER);
    const created = spawnSync(
      'useradd',
      [
        '--system',
        ...group,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        POSTGRES_SYSTEM_USER,
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) {
      const reason = (created.stderr || created.error?.message || '').trim().split('\n')[0];
      throw new EmbeddedPostgresError(
        `PostgreSQL does not run as root and the \`${POSTGRES_SYSTEM_USER}\` system user to run it as could not be created (useradd: ${reason || 'failed'}); create it (useradd --system ${POSTGRES_SYSTEM_USER}) ${AS_ROOT_HINT}`,
      );
    }
  }
  const uid = idOf('-u', POSTGRES_SYSTEM_USER);
  const gid = idOf('-g', POSTGRES_SYSTEM_USER);
  if (uid === undefined || gid === undefined) {
    throw new EmbeddedPostgresError(
      `the \`${POSTGRES_SYSTEM_USER}\` system user has no uid or gid: check it (id ${POSTGRES_SYSTEM_USER}) ${AS_ROOT_HINT}`,
    );
  }
  return { uid, gid };
}

/** Whether `runAs` may use `target` (`-x`: enter a directory or run a program). */
function reaches(target: string, runAs: RunAs): boolean {
  return spawnSync('test', ['-x', target], { uid: runAs.uid, gid: runAs.gid }).status === 0;
}

function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/** The `native/` directory (bin, lib, share) of a binaries package, and its version. */
function nativeDirectory(packageName: string): { native: string; version: string } {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL binaries (npm package ${packageName}) are not installed: run npm ci in the checkout, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  // The package's entry is <package>/dist/index.js; its binaries are in <package>/native.
  const root = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { native: path.join(root, 'native'), version };
}

/** A root-owned directory no one else may write, created if missing; refused otherwise. */
function ensureRootDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot create ${dir} for the embedded PostgreSQL run as root (${(error as NodeJS.ErrnoException).code ?? String(error)}) ${AS_ROOT_HINT}`,
    );
  }
  const stat = statSync(dir);
  if (stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new EmbeddedPostgresError(
      `${dir} must belong to root and be writable by root only (it is owned by uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)}): fix or remove it`,
    );
  }
  chmodSync(dir, 0o755);
}

/** Gives everyone read access to a copied tree (and entry to its directories). */
function openForReading(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openForReading(full);
    else chmodSync(full, statSync(full).mode | 0o444);
  }
}

/**
 * The binaries to run: in place when the user the server runs as can reach them, otherwise (root,
 * private checkout) from a root-owned copy made once per package version.
 */
export function locateBinaries(
  packageName: string | undefined,
  runAs: RunAs | undefined,
): Binaries {
  const { native, version } = nativeDirectory(packageName ?? platformPackage());
  const inPlace = (dir: string): Binaries => ({
    initdb: path.join(dir, 'bin', 'initdb'),
    postgres: path.join(dir, 'bin', 'postgres'),
    pgCtl: path.join(dir, 'bin', 'pg_ctl'),
  });
  const binaries = inPlace(native);
  if (!existsSync(binaries.postgres)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL binaries are missing (${binaries.postgres}): run npm ci in the checkout, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  if (!runAs || reaches(binaries.postgres, runAs)) return binaries;

  const base = path.join(rootRuntimeDir(), 'binaries');
  ensureRootDirectory(rootRuntimeDir());
  ensureRootDirectory(base);
  const name = `${(packageName ?? platformPackage()).replace(/[^A-Za-z0-9.-]+/g, '+')}@${version}`;
  const copy = path.join(base, name);
  if (!existsSync(copy)) {
    // Copied aside then renamed: a concurrent process sees either no copy or a whole one.
    const staging = mkdtempSync(path.join(base, `.${name}-`));
    try {
      cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
      openForReading(staging);
      renameSync(staging, copy);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(copy)) {
        throw new EmbeddedPostgresError(
          `cannot copy the embedded PostgreSQL binaries to ${copy} (${(error as NodeJS.ErrnoException).code ?? String(error)}) ${AS_ROOT_HINT}`,
        );
      }
    }
  }
  return inPlace(copy);
}

/**
 * The data directory the server runs on, ready for initdb or start: `requested` itself, or, as
 * root when the `postgres` user cannot reach it, a directory under <root runtime directory>/data named
 * after the requested path, linked from there.
 */
export function prepareDataDirectory(requested: string, runAs: RunAs | undefined): string {
  try {
    mkdirSync(path.dirname(requested), { recursive: true });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot create the folder of the embedded PostgreSQL's data, ${path.dirname(requested)} (${(error as NodeJS.ErrnoException).code ?? String(error)}): set QDP_DATA_DIR to a folder you can write, or DATABASE_URL to a PostgreSQL server`,
    );
  }
  if (!runAs) return requested;
  let dataDir = requested;
  if (isSymbolicLink(requested)) {
    dataDir = path.resolve(path.dirname(requested), readlinkSync(requested));
  } else if (!reaches(path.dirname(requested), runAs)) {
    const base = path.join(rootRuntimeDir(), 'data');
    ensureRootDirectory(rootRuntimeDir());
    ensureRootDirectory(base);
    const key = createHash('sha256').update(requested).digest('hex').slice(0, 16);
    dataDir = path.join(base, key);
    if (existsSync(requested)) {
      throw new EmbeddedPostgresError(
        `the data directory ${requested} is out of reach of the \`${POSTGRES_SYSTEM_USER}\` system user that runs PostgreSQL as root: remove it (a new one is made under ${base}) or make its parent directories enterable (chmod o+x)`,
      );
    }
    symlinkSync(dataDir, requested);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownSync(dataDir, runAs.uid, runAs.gid);
  chmodSync(dataDir, 0o700);
  return dataDir;
}

function isSymbolicLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs `fn` with a file holding `content` that only the server's user can read, then removes it. */
export async function withPasswordFile<T>(
  content: string,
  runAs: RunAs | undefined,
  fn: (file: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qdp-pg-password-'));
  try {
    const file = path.join(dir, 'password');
    writeFileSync(file, content, { mode: 0o600 });
    if (runAs) {
      chownSync(dir, runAs.uid, runAs.gid);
      chownSync(file, runAs.uid, runAs.gid);
    }
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
