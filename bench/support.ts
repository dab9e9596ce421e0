// Shared pieces of the benchmarks: a fresh PostgreSQL (embedded in a temporary folder, or the
// server of BENCH_DATABASE_URL), migrated databases, and a timer.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { syncMunicipalities } from '../core/municipalities.ts';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../local/embedded.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // the embedded server runs as the `postgres` system user
  return dir;
}

export async function startServer(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) {
    return { adminUrl: process.env.BENCH_DATABASE_URL, stop: async () => undefined };
  }
  const server: EmbeddedDatabase = await startEmbeddedPostgres({
    dataDir: path.join(scratchDir('qdp-bench-'), 'pg'),
    persistent: false,
  });
  return server;
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates (or recreates) a migrated database with the Verona territory. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(adminUrl, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await migrate(client);
  await syncMunicipalities(client, ['VR']);
  await client.end();
  return url;
}

export async function time<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

/**
 * Runs `qdp import FILE --json` as its own process (as an operator would), returning its wall
 * time, its JSON outcome and the importer process's peak resident memory.
 */
export async function runImporter(
  url: string,
  file: string,
): Promise<{
  seconds: number;
  peakRssMb: number;
  outcome: { status: string; rowsAccepted: number };
}> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'import-child.ts'), file], {
    env: { ...process.env, DATABASE_URL: url, NODE_OPTIONS: '--import tsx' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`importer exited with ${code}: ${stdout}`);
  const report = JSON.parse(stdout) as {
    peakRssMb: number;
    outcome: { status: string; rowsAccepted: number };
  };
  return { seconds, ...report };
}

export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}
