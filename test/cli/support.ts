// Runs the real `qdp` command as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const QDP = path.join(ROOT, 'bin', 'qdp.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startQdp(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [QDP, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

export function qdp(args: string[], env: Record<string, string>): Promise<Run> {
  return finished(startQdp(args, env));
}

/** Waits until a backend runs a statement matching `pattern` (pg_stat_activity); its pid. */
export async function backendRunning(pool: pg.Pool, pattern: string): Promise<number> {
  for (let attempt = 0; attempt < 3000; attempt++) {
    const { rows } = await pool.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and state = 'active'
         and query ~* $1 and pid <> pg_backend_pid()`,
      [pattern],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no backend ran ${pattern}`);
}

/** The latest import, how many quarantines it shows, and every import's id and status. */
export async function importState(pool: pg.Pool): Promise<{
  latest: number | null;
  visible: number;
  imports: { id: number; status: string }[];
}> {
  const latest = await pool.query<{ id: number | null }>(
    'select qdp.latest_import_id()::int as id',
  );
  const visible = await pool.query<{ n: number }>(
    'select count(*)::int as n from qdp.quarantines where import_id = qdp.latest_import_id()',
  );
  const imports = await pool.query<{ id: number; status: string }>(
    'select id::int, status from qdp.imports order by id',
  );
  return {
    latest: latest.rows[0]?.id ?? null,
    visible: visible.rows[0]?.n ?? 0,
    imports: imports.rows,
  };
}
