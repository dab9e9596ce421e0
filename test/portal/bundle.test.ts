// The EC2 bundle: built by portal/bundle.ts, copied away from the repository (so nothing can be
// resolved from its node_modules), started with plain `node server.mjs` on a test database: health,
// assets, and a real log-in (the native Argon2 binding travels with it). The systemd unit is
// checked line by line for what matters.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { bundlePortal } from '../../portal/bundle.ts';
import { createPortalLogin, type PortalLogin } from '../db/access-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { PortalClient } from './http-client.ts';

let db: TestDatabase;
let login: PortalLogin;
let built: string;
let installed: string;
let child: ChildProcess | undefined;
let url: string;
let output = '';
/** Server processes the bundle is started with (QDP_PORTAL_WORKERS). */
const WORKERS = 2;

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db);
  await db.pool.query(
    "insert into qdp.users (username, display_name, role, password_hash) values ('bundle-staff', 'Bundle', 'staff', $1)",
    [await hashPassword('bundle-password-1')],
  );
  // A password alone signs in here (the bundle's second-factor pages are the source's, tested there).
  await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
  built = await bundlePortal({ installDir: '/opt/qdp-portal' });
  installed = await mkdtemp(path.join(tmpdir(), 'qdp-portal-installed-'));
  await cp(built, installed, { recursive: true });
  const started = await startBundle();
  child = started.process;
  output = started.output();
  url = started.url;
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await login?.drop();
  await db?.drop();
  for (const dir of [built, installed]) if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Starts the installed bundle with WORKERS workers on a port the system picks (port 0: the
 * workers share it; the log says which) and waits until every worker listens.
 */
async function startBundle(): Promise<{ process: ChildProcess; url: string; output(): string }> {
  const started = spawn(process.execPath, [path.join(installed, 'server.mjs')], {
    cwd: installed,
    env: {
      PATH: process.env.PATH,
      QDP_PORTAL_DATABASE_URL: new URL(String(login.pool.options.connectionString)).toString(),
      QDP_PORTAL_COOKIE_SECRET: randomBytes(32).toString('hex'),
      QDP_PORTAL_SECURE_COOKIES: 'false',
      QDP_PORTAL_PORT: '0',
      QDP_PORTAL_WORKERS: String(WORKERS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  started.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  started.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const listening = () => listeningLines(log).length;
  for (let i = 0; i < 150 && listening() < WORKERS; i++)
    await new Promise((r) => setTimeout(r, 100));
  if (listening() < WORKERS) throw new Error(`the bundle did not start:\n${log}`);
  return {
    process: started,
    url: /portal listening on (http:\/\/[^/\s]+)\//.exec(log)![1]!,
    output: () => log,
  };
}

function listeningLines(log: string): string[] {
  return log.split('\n').filter((line) => line.startsWith('portal listening on '));
}

/** The processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return (
          readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the portal bundle', () => {
  it('runs from a copy outside the repository: health, assets and a log-in', async () => {
    expect(output).toContain(`portal listening on ${url}/`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    for (const asset of [
      '/static/bi/css/bootstrap-italia.min.css',
      '/static/chart/chart.umd.min.js',
      '/static/app.js',
      '/static/portal.css',
    ]) {
      expect((await fetch(`${url}${asset}`)).status, asset).toBe(200);
    }
    const c = new PortalClient(url);
    expect((await c.login('bundle-staff', 'bundle-password-1')).status).toBe(303);
    expect(await (await c.get('/quarantene')).text()).toContain('bundle-staff');
  });

  it('runs QDP_PORTAL_WORKERS server processes on one port, all on the same address', async () => {
    const workers = childrenOf(child!.pid!);
    expect(workers).toHaveLength(WORKERS);
    expect(listeningLines(output)).toEqual(Array(WORKERS).fill(`portal listening on ${url}/`));
  });

  it('refuses to start with a bad configuration, naming every variable', async () => {
    const bad = spawn(process.execPath, [path.join(installed, 'server.mjs')], {
      env: { PATH: process.env.PATH, QDP_PORTAL_COOKIE_SECRET: 'short', QDP_PORTAL_PORT: 'http' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bad.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toBe(
      'invalid portal configuration:\n' +
        '  QDP_PORTAL_DATABASE_URL: is required\n' +
        '  QDP_PORTAL_PORT: Invalid input: expected number, received NaN\n' +
        '  QDP_PORTAL_COOKIE_SECRET: must be at least 32 characters\n',
    );
  });

  it('ships a hardened systemd unit that runs server.mjs as an unprivileged user', async () => {
    const unit = await readFile(path.join(installed, 'qdp-portal.service'), 'utf8');
    for (const line of [
      'ExecStart=/usr/bin/node /opt/qdp-portal/server.mjs',
      'EnvironmentFile=/etc/qdp-portal/portal.env',
      'User=qdp-portal',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'Restart=on-failure',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit.split('\n'), line).toContain(line);
    }
  });

  it('stops whole, with an error, when a worker dies (systemd then restarts it)', async () => {
    const other = await startBundle();
    const workers = childrenOf(other.process.pid!);
    const exited = new Promise<number | null>((resolve) => other.process.on('exit', resolve));
    process.kill(workers[0]!, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(other.output()).toContain(
      `portal: worker ${workers[0]} stopped (SIGKILL); stopping the others`,
    );
    for (const pid of workers) expect(existsSync(`/proc/${pid}`), `worker ${pid}`).toBe(false);
  });

  // Last: it stops the server.
  it('stops every worker and exits 0 on SIGTERM', async () => {
    const workers = childrenOf(child!.pid!);
    const exited = new Promise<number | null>((resolve) => child!.on('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of workers) expect(existsSync(`/proc/${pid}`), `worker ${pid}`).toBe(false);
    child = undefined;
  });
});
