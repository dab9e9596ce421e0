// sqlmap (Debian's package) against every search and filter parameter of the quarantine list (as
// the Prefecture, the widest scope) and of the audit view (as an administrator), each through the
// request that carries it: the personal ones (the list's search, the audit's user and fiscal code)
// through their POST form, whose 303 sqlmap follows to the page that runs the query with them
// sealed; the plain ones (municipality, dates, sort, page, ...) in the GET query string. Nothing
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

/** A logged-in session: its cookies, and a CSRF token for its forms. */
async function session(username: string): Promise<{ cookie: string; csrf: string }> {
  const c = new PortalClient(f.url);
  expect((await c.login(username, PASSWORD)).status).toBe(303);
  const csrf = await c.csrf('/quarantene');
  return { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), csrf };
}

/**
 * Runs sqlmap asynchronously (the portal under test serves from this same process): a GET of
 * `url`, or with `data` a form POST.
 */
async function sqlmap(
  url: string,
  cookie: string,
  params: string[],
  data?: string,
): Promise<string> {
  const child = spawn(
    'sqlmap',
    [
      '-u',
      url,
      ...(data === undefined ? [] : [`--data=${data}`]),
      `--cookie=${cookie}`,
      '-p',
      params.join(','),
      '--batch',
      // A 303 after a form is followed with a GET, as a browser does.
      '--answers=resend=N',
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

function expectNothingInjectable(log: string): void {
  expect(log).not.toMatch(/identified the following injection point/);
  expect(log).not.toMatch(/is vulnerable/);
  expect(log).toMatch(/all tested parameters do not appear to be injectable/);
}

/** A form's parameters reached the page: sqlmap followed the 303 to it, never to the log-in. */
function expectFollowedTo(log: string, page: string): void {
  expect(log).toMatch(new RegExp(`got a 303 redirect to '[^']*${page}\\?sealed=`));
  expect(log).not.toMatch(/redirect to '[^']*\/login/);
}

describe('sqlmap', () => {
  it('finds nothing injectable in the list search (its form)', async () => {
    const { cookie, csrf } = await session(f.users.prefecture.username);
    const log = await sqlmap(
      `${f.url}/quarantene`,
      cookie,
      ['q'],
      `q=ROSSI&sort=surname&_csrf=${csrf}`,
    );
    expectNothingInjectable(log);
    expectFollowedTo(log, '/quarantene');
  }, 900_000);

  it('finds nothing injectable in the list filters (the query string)', async () => {
    const { cookie } = await session(f.users.prefecture.username);
    const log = await sqlmap(
      `${f.url}/quarantene?municipality=023091&status=new&from=2021-01-01&to=2021-12-31&sort=surname&dir=asc&page=1`,
      cookie,
      ['municipality', 'status', 'from', 'to', 'sort', 'dir', 'page'],
    );
    expectNothingInjectable(log);
    // It really talked to the page (a logged-in 200), not to the log-in redirect.
    expect(log).not.toMatch(/got a 30\d redirect/);
  }, 900_000);

  it("finds nothing injectable in the audit view's user and fiscal code (its form)", async () => {
    const { cookie, csrf } = await session(f.users.admin.username);
    const log = await sqlmap(
      `${f.url}/registro`,
      cookie,
      ['user', 'fiscal_code'],
      `user=t-admin&fiscal_code=&action=login&_csrf=${csrf}`,
    );
    expectNothingInjectable(log);
    expectFollowedTo(log, '/registro');
  }, 900_000);

  it('finds nothing injectable in the audit view filters (the query string)', async () => {
    const { cookie } = await session(f.users.admin.username);
    const log = await sqlmap(
      `${f.url}/registro?action=login&from=2020-01-01&to=2030-01-01&page=1`,
      cookie,
      ['action', 'from', 'to', 'page'],
    );
    expectNothingInjectable(log);
    expect(log).not.toMatch(/got a 30\d redirect/);
  }, 900_000);
});
