// A running portal over a test database for the portal's tests: three synthetic days imported
// through the real importer (so analytics, history and changes exist), a held fourth day, users
// of every role, and the server on a free port, connected through a login role that is a member
// of qdp_portal (as in production; never the superuser).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { importDailyFile } from '../../core/importer.ts';
import { hashPassword } from '../../core/passwords.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { loadPortalConfig, type PortalConfig } from '../../portal/config.ts';
import { buildPortal } from '../../portal/app.ts';
import { createPortalLogin, type PortalLogin } from '../db/access-fixtures.ts';
import type { PortalClient } from './http-client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

export const PASSWORD = 'portal-test-password';

export type RoleKey = 'admin' | 'staff' | 'prefecture' | 'municipality' | 'gp';

export interface PortalFixture {
  db: TestDatabase;
  login: PortalLogin;
  app: FastifyInstance;
  config: PortalConfig;
  url: string;
  /** Published imports, oldest first, and the held one. */
  imports: number[];
  heldImport: number;
  istat: string;
  gp: string;
  users: Record<RoleKey, { id: number; username: string }>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  rows?: number;
  env?: Record<string, string>;
  /** Skip the held import (tests that do not need it run faster). */
  held?: boolean;
  /** Rewrites each synthetic daily file's text before it is imported (hostile values). */
  rewrite?: (csv: string) => string;
  /**
   * Roles that must give a second factor after the password (setting second_factor_roles);
   * default none, so that tests of other things sign in with the password alone.
   */
  secondFactorRoles?: string;
  /** The port to listen on (single sign-on needs the portal's address before it starts). */
  port?: number;
}

export async function startPortalFixture(options: FixtureOptions = {}): Promise<PortalFixture> {
  const rows = options.rows ?? 300;
  const db = await createTestDatabase();
  const dir = await mkdtemp(path.join(tmpdir(), 'qdp-portal-'));
  const imports: number[] = [];
  let heldImport = 0;
  try {
    for (const day of [1, 2, 3]) {
      const file = path.join(dir, `quarantene-day${day}.csv`);
      await writeSyntheticDailyFile({
        rows,
        seed: 'portal',
        day,
        format: 'csv',
        outFile: file,
        provinces: ['VR'],
      });
      if (options.rewrite) await writeFile(file, options.rewrite(await readFile(file, 'utf8')));
      const { summary } = await importDailyFile(db.pool, file);
      if (summary.status !== 'published') throw new Error(`fixture day ${day}: ${summary.status}`);
      imports.push(summary.importId);
    }
    if (options.held !== false) {
      // Day 4 with far fewer rows: held by the row-count rule, waiting for an administrator.
      const file = path.join(dir, 'quarantene-day4.csv');
      await writeSyntheticDailyFile({
        rows: Math.floor(rows / 4),
        seed: 'portal',
        day: 4,
        format: 'csv',
        outFile: file,
        provinces: ['VR'],
      });
      const { summary } = await importDailyFile(db.pool, file);
      if (summary.status !== 'held')
        throw new Error(`fixture day 4: ${summary.status}, expected held`);
      heldImport = summary.importId;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const scope = await db.pool.query<{ istat: string; gp: string }>(
    `select (select residence_istat from qdp.quarantines where import_id = qdp.latest_import_id()
              group by 1 order by count(*) desc, 1 limit 1) as istat,
            (select gp_code from qdp.quarantines where import_id = qdp.latest_import_id() and gp_code is not null
              group by 1 order by count(*) desc, 1 limit 1) as gp`,
  );
  const { istat, gp } = scope.rows[0]!;
  const hash = await hashPassword(PASSWORD);
  const users = {} as PortalFixture['users'];
  for (const [key, istatCode, gpCode] of [
    ['admin', null, null],
    ['staff', null, null],
    ['prefecture', null, null],
    ['municipality', istat, null],
    ['gp', null, gp],
  ] as const) {
    const username = `t-${key}`;
    const { rows: r } = await db.pool.query<{ id: string }>(
      `insert into qdp.users (username, display_name, role, istat_code, gp_code, password_hash)
       values ($1, $2, $3, $4, $5, $6) returning id`,
      [username, `Test ${key}`, key, istatCode, gpCode, hash],
    );
    users[key] = { id: Number(r[0]!.id), username };
  }
  // Tests log in many times from one address; the throttling test sets its own limit.
  await db.pool.query(
    "update qdp.settings set value = '1000' where key = 'login_attempts_per_minute'",
  );
  await db.pool.query("update qdp.settings set value = $1 where key = 'second_factor_roles'", [
    options.secondFactorRoles ?? '',
  ]);
  const login = await createPortalLogin(db);
  const config = loadPortalConfig({
    QDP_PORTAL_DATABASE_URL: 'postgres://unused.invalid/qdp',
    QDP_PORTAL_COOKIE_SECRET: randomBytes(32).toString('hex'),
    QDP_PORTAL_SECURE_COOKIES: 'false',
    QDP_PORTAL_PORT: '0',
    QDP_PORTAL_PAGE_SIZE: '50',
    ...options.env,
  });
  const app = await buildPortal({ config, pool: login.pool });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    db,
    login,
    app,
    config,
    url,
    imports,
    heldImport,
    istat,
    gp,
    users,
    close: async () => {
      await app.close();
      await login.drop();
      await db.drop();
    },
  };
}

/**
 * Submits a search or filter form as the browser does (POST with its CSRF token), expects the
 * 303 of Post/Redirect/Get and follows it: the URL it led to (which carries the personal filters
 * sealed) and that page.
 */
export async function submitSearch(
  c: PortalClient,
  path: '/quarantene' | '/registro',
  form: Record<string, string>,
): Promise<{ location: string; page: Response }> {
  const posted = await c.post(path, form, path);
  if (posted.status !== 303) {
    throw new Error(`POST ${path}: ${posted.status}, expected 303: ${await posted.text()}`);
  }
  const location = posted.headers.get('location')!;
  return { location, page: await c.get(location) };
}

/**
 * Another portal server on the fixture's database (a second instance behind the load balancer),
 * with its own login pool, optionally with other settings.
 */
export async function startAnotherInstance(
  f: PortalFixture,
  config: Partial<PortalConfig> = {},
  /** 0: a free port; single sign-on needs the address before the portal starts. */
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const login = await createPortalLogin(f.db);
  const app = await buildPortal({ config: { ...f.config, ...config }, pool: login.pool });
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: async () => {
      await app.close();
      await login.drop();
    },
  };
}
