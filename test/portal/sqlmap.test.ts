// sqlmap (Debian's package) against the search and filter parameters of the quarantine list (as
// the Prefecture, the widest scope) and of the audit view (as an administrator): nothing
// injectable. A missing sqlmap fails the test with what to install.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalClient } from './http-client.ts';
import { PASSWORD, startPortalFixture, type PortalFixture } from './support.ts';

let f: PortalFixture;
let out: string;

beforeAll(async () => {
  const probe = spawnSync('sqlmap', ['--version'], { encoding: 'utf8' });
  if (probe.error)
    throw new Error('sqlmap is not installed: apt-get install sqlmap (npm test does it)');
  f = await startPortalFixture({ rows: 60, held: false });
  out = await mkdtemp(path.join(tmpdir(), 'qdp-sqlmap-'));
});

afterAll(async () => {
  await f?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

async function sessionCookie(username: string): Promise<string> {
  const c = new PortalClient(f.url);
  expect((await c.login(username, PASSWORD)).status).toBe(303);
  return [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** Runs sqlmap asynchronously: the portal under test serves from this same process. */
async function sqlmap(url: string, cookie: string, params: string[]): Promise<string> {
  const child = spawn(
    'sqlmap',
    [
      '-u',
      url,
      `--cookie=${cookie}`,
      '-p',
      params.join(','),
      '--batch',
      '--flush-session',
      '--disable-coloring',
      `--output-dir=${out}`,
      '--dbms=PostgreSQL',
      '--level=2',
      '--risk=1',
      '--technique=BEUST',
      '--time-sec=2',
      '--timeout=10',
      '--retries=0',
      '--threads=4',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  text += `\nexit code ${code}\n`;
  writeFileSync(path.join(out, `sqlmap-${params[0]}.log`), text);
  return text;
}

describe('sqlmap', () => {
  it('finds nothing injectable in the list search and filters', async () => {
    const cookie = await sessionCookie(f.users.prefecture.username);
    const log = await sqlmap(
      `${f.url}/quarantene?q=ROSSI&municipality=023091&status=new&from=2021-01-01&to=2021-12-31&sort=surname&dir=asc&page=1`,
      cookie,
      ['q', 'municipality', 'status', 'from', 'to', 'sort', 'dir', 'page'],
    );
    expect(log).not.toMatch(/identified the following injection point/);
    expect(log).not.toMatch(/is vulnerable/);
    expect(log).toMatch(/all tested parameters do not appear to be injectable/);
    // It really talked to the page (a logged-in 200), not to the log-in redirect.
    expect(log).not.toMatch(/got a 30\d redirect/);
  }, 900_000);

  it('finds nothing injectable in the audit view filters', async () => {
    const cookie = await sessionCookie(f.users.admin.username);
    const log = await sqlmap(
      `${f.url}/registro?user=t-admin&fiscal_code=&action=login&from=2020-01-01&to=2030-01-01&page=1`,
      cookie,
      ['user', 'action', 'from', 'to', 'page'],
    );
    expect(log).not.toMatch(/identified the following injection point/);
    expect(log).toMatch(/all tested parameters do not appear to be injectable/);
    expect(log).not.toMatch(/got a 30\d redirect/);
  }, 900_000);
});
