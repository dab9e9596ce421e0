// Runs the database suites (test/db) on PostgreSQL 15 and 16 as well: Aurora PostgreSQL's other
// supported majors. The main run uses 17; the 15 and 16 binaries come from the same project's npm
// packages (devDependencies postgres-15 and postgres-16), started the way local mode starts its
// own (local/embedded.ts: as root, as the `postgres` system user, from a copy it can reach).
// Usage: scripts/postgres-versions.sh [15 16] [-- vitest arguments, default test/db]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../local/embedded.ts';

const argv = process.argv.slice(2);
const separator = argv.indexOf('--');
const versionArgs = separator === -1 ? argv : argv.slice(0, separator);
const vitestArgs = separator === -1 ? ['test/db'] : argv.slice(separator + 1);
const versions = versionArgs.length > 0 ? versionArgs : ['15', '16'];

function vitest(adminUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['vitest', 'run', ...vitestArgs], {
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: adminUrl },
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

for (const version of versions) {
  if (!/^1[56]$/.test(version)) {
    process.stderr.write(`error: PostgreSQL ${version} is not provided (15 or 16)\n`);
    process.exit(1);
  }
  const dir = mkdtempSync(path.join(tmpdir(), `qdp-pg${version}-`));
  chmodSync(dir, 0o755);
  let status = 1;
  try {
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'data'),
      persistent: false,
      binaries: `postgres-${version}`,
    });
    try {
      process.stdout.write(`== database suites on PostgreSQL ${version}\n`);
      status = await vitest(server.adminUrl);
    } finally {
      await server.stop();
    }
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (status !== 0) {
    process.stderr.write(`error: database suites failed on PostgreSQL ${version}\n`);
    process.exit(status);
  }
}
