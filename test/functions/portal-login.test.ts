// The migrate function keeps the portal's database login (functions/migrate/portal-login.ts), on
// the real test PostgreSQL: the login role is created, is a member of qdp_portal only, logs in
// with the password written to the settings secret (which the portal's own parser accepts), sees
// only what qdp_portal may; a second run keeps the password; no password is logged or returned.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseEnvironment } from '../../functions/environment.ts';
import { runMigrate } from '../../functions/migrate/index.ts';
import {
  ensurePortalLogin,
  portalDatabaseUrl,
  scramVerifier,
  type SettingsStore,
} from '../../functions/migrate/portal-login.ts';
import { loadPortalConfig } from '../../portal/config.ts';
import { createTestDatabase, dropTestRoles, type TestDatabase } from '../support/database.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';
import {
  PORTAL_SECRET_SETTINGS,
  PORTAL_WRITTEN_SECRET_SETTINGS,
} from '../../contracts/portal-deployment.ts';

let db: TestDatabase;
const roles: string[] = [];

function newRole(): string {
  const role = `qdp_test_portal_${randomBytes(4).toString('hex')}`;
  roles.push(role);
  return role;
}

/** A settings secret in memory: what was written, version by version. */
function memoryStore(initial?: Record<string, unknown>): SettingsStore & {
  versions: Record<string, unknown>[];
} {
  const versions: Record<string, unknown>[] = initial === undefined ? [] : [initial];
  return {
    versions,
    async read() {
      const last = versions.at(-1);
      return last === undefined ? undefined : structuredClone(last);
    },
    async write(settings) {
      versions.push(structuredClone(settings));
    },
  };
}

function targetOf(role: string) {
  const admin = new URL(db.url);
  return {
    role,
    host: admin.hostname,
    port: Number(admin.port || 5432),
    database: admin.pathname.slice(1),
    tls: 'disable' as const,
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlOf(store: { versions: Record<string, unknown>[] }): string {
  return String(store.versions.at(-1)?.[PORTAL_SECRET_SETTINGS.databaseUrl]);
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
  await dropTestRoles(roles);
});

describe('scramVerifier', () => {
  it('gives what PostgreSQL itself stores for the same password and salt', async () => {
    const role = newRole();
    await db.pool.query(`set password_encryption = 'scram-sha-256'`);
    await db.pool.query(`create role ${role} nologin password 'pencil-and-paper'`);
    const { rows } = await db.pool.query('select rolpassword from pg_authid where rolname = $1', [
      role,
    ]);
    const stored = String(rows[0].rolpassword);
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
    expect(match).not.toBeNull();
    const salt = Buffer.from(match![2]!, 'base64');
    expect(scramVerifier('pencil-and-paper', salt, Number(match![1]))).toBe(stored);
    expect(scramVerifier('pencil-and-pape', salt, Number(match![1]))).not.toBe(stored);
  });
});

/** One run on its own session as the superuser (the migrate function's master user here). */
async function run(store: SettingsStore, target: ReturnType<typeof targetOf>) {
  const client = await db.pool.connect();
  try {
    return await ensurePortalLogin(client, store, target);
  } finally {
    client.release();
  }
}

describe('ensurePortalLogin', () => {
  it('creates a login role in qdp_portal and writes the settings the portal reads', async () => {
    const role = newRole();
    const store = memoryStore();
    const outcome = await run(store, targetOf(role));
    expect(outcome).toEqual({ role, password: 'generated', settings: 'written' });
    expect(store.versions.length).toBe(1);
    const written = store.versions[0]!;
    expect(Object.keys(written).sort()).toEqual([...PORTAL_WRITTEN_SECRET_SETTINGS].sort());

    // The portal's own parser accepts what the boot script copies from the secret.
    const config = loadPortalConfig({
      [PORTAL_SECRET_SETTINGS.databaseUrl]: String(written[PORTAL_SECRET_SETTINGS.databaseUrl]),
      [PORTAL_SECRET_SETTINGS.cookieSecret]: String(written[PORTAL_SECRET_SETTINGS.cookieSecret]),
    });
    expect(config.cookieSecret.length).toBeGreaterThanOrEqual(32);
    const url = new URL(config.databaseUrl);
    const target = targetOf(role);
    expect([url.protocol, url.username, url.hostname, url.port, url.pathname]).toEqual([
      'postgres:',
      role,
      target.host,
      String(target.port),
      `/${target.database}`,
    ]);
    expect(url.searchParams.get('sslmode')).toBe('disable');
    expect(url.password.length).toBe(32);

    const { rows } = await db.pool.query(
      `select r.rolcanlogin, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
              array_agg(g.rolname::text order by g.rolname) as member_of,
              (select rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = $1) as scram
       from pg_roles r join pg_auth_members m on m.member = r.oid join pg_roles g on g.oid = m.roleid
       where r.rolname = $1
       group by r.rolcanlogin, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb`,
      [role],
    );
    expect(rows).toEqual([
      {
        rolcanlogin: true,
        rolsuper: false,
        rolinherit: true,
        rolcreaterole: false,
        rolcreatedb: false,
        member_of: ['qdp_portal'],
        scram: true,
      },
    ]);
  });

  it('logs in with the written password and sees only what qdp_portal may', async () => {
    const role = newRole();
    const store = memoryStore();
    await run(store, targetOf(role));
    const url = urlOf(store);
    await withClient(url, async (client) => {
      const { rows } = await client.query(
        "select current_user as who, pg_has_role(current_user, 'qdp_portal', 'member') as member, pg_has_role(current_user, 'qdp_admin', 'usage') as admin_privileges",
      );
      expect(rows).toEqual([{ who: role, member: true, admin_privileges: false }]);
      // qdp_portal's own grants: the settings function works...
      const setting = await client.query("select qdp.portal_setting('dashboard_min_count') as v");
      expect(setting.rows[0].v).not.toBeNull();
      // ...the tables do not, not even through the five roles' privileges (NOINHERIT).
      for (const table of ['qdp.patients', 'qdp.imports', 'qdp.users', 'qdp.audit_log']) {
        await expect(client.query(`select 1 from ${table} limit 1`), table).rejects.toThrow(
          /permission denied/,
        );
      }
    });
    // The server checks the password: another one is refused.
    const wrong = new URL(url);
    wrong.password = 'not-the-password-0123456789';
    await expect(withClient(wrong.toString(), async () => undefined)).rejects.toThrow(
      /password authentication failed/,
    );
  });

  it('a second run keeps the password and writes nothing; a changed endpoint is written with it', async () => {
    const role = newRole();
    const store = memoryStore({ QDP_PORTAL_EXTRA: 'kept as it is' });
    const first = await run(store, targetOf(role));
    expect(first).toEqual({ role, password: 'generated', settings: 'written' });
    const url = urlOf(store);
    const cookie = store.versions.at(-1)?.[PORTAL_SECRET_SETTINGS.cookieSecret];
    // Someone changes the role's password by hand: the secret's comes back.
    await db.pool.query(`alter role ${role} password 'changed-by-hand'`);
    const second = await run(store, targetOf(role));
    expect(second).toEqual({ role, password: 'kept', settings: 'unchanged' });
    expect(store.versions.length).toBe(2);
    await withClient(url, async (client) => {
      expect((await client.query('select current_user as who')).rows).toEqual([{ who: role }]);
    });
    const moved = { ...targetOf(role), host: 'localhost' };
    const third = await run(store, moved);
    expect(third).toEqual({ role, password: 'kept', settings: 'written' });
    const written = store.versions.at(-1)!;
    expect(written).toEqual({
      QDP_PORTAL_EXTRA: 'kept as it is',
      [PORTAL_SECRET_SETTINGS.databaseUrl]: portalDatabaseUrl(moved, new URL(url).password),
      [PORTAL_SECRET_SETTINGS.cookieSecret]: cookie,
    });
  });

  it('a secret naming another role, or too weak a password, gets a new password', async () => {
    const role = newRole();
    const other = memoryStore({
      [PORTAL_SECRET_SETTINGS.databaseUrl]: 'postgres://someone:a-long-enough-password@h:5432/d',
      [PORTAL_SECRET_SETTINGS.cookieSecret]: 'short',
    });
    expect(await run(other, targetOf(role))).toEqual({
      role,
      password: 'generated',
      settings: 'written',
    });
    const written = other.versions.at(-1)!;
    expect(new URL(String(written[PORTAL_SECRET_SETTINGS.databaseUrl])).username).toBe(role);
    expect(String(written[PORTAL_SECRET_SETTINGS.cookieSecret]).length).toBe(43);
    const weak = memoryStore({
      [PORTAL_SECRET_SETTINGS.databaseUrl]: `postgres://${role}:short@h:5432/d`,
    });
    expect((await run(weak, targetOf(role))).password).toBe('generated');
  });

  it('refuses a login role that is a superuser, and changes nothing', async () => {
    const role = newRole();
    await db.pool.query(`create role ${role} login superuser`);
    const store = memoryStore();
    await expect(run(store, targetOf(role))).rejects.toThrow(
      `role ${role} is a superuser: the portal must not log in as one`,
    );
    expect(store.versions).toEqual([]);
  });

  it('refuses a login role that already exists with more than qdp_portal, and changes nothing', async () => {
    const role = newRole();
    await db.pool.query(`create role ${role} login password 'left-as-it-was-0123456789'`);
    await db.pool.query(`grant qdp_admin, qdp_staff to ${role}`);
    const store = memoryStore();
    await expect(run(store, targetOf(role))).rejects.toThrow(
      `role ${role} is also a member of qdp_admin, qdp_staff: the portal's login must be a member of qdp_portal only (revoke qdp_admin, qdp_staff from ${role})`,
    );
    expect(store.versions).toEqual([]);
    const { rows } = await db.pool.query(
      `select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
       join pg_roles r on r.oid = m.member where r.rolname = $1 order by 1`,
      [role],
    );
    expect(rows).toEqual([{ rolname: 'qdp_admin' }, { rolname: 'qdp_staff' }]);
    // Once revoked, the same run keeps it.
    await db.pool.query(`revoke qdp_admin, qdp_staff from ${role}`);
    expect((await run(store, targetOf(role))).password).toBe('generated');
  });

  it('two runs at once on one secret: one password, generated once, that logs in', async () => {
    const role = newRole();
    const store = memoryStore();
    const outcomes = await Promise.all([run(store, targetOf(role)), run(store, targetOf(role))]);
    expect(outcomes.map((o) => o.password).sort()).toEqual(['generated', 'kept']);
    expect(store.versions.length).toBe(1);
    await withClient(urlOf(store), async (client) => {
      expect((await client.query('select current_user as who')).rows).toEqual([{ who: role }]);
    });
    const { rows } = await db.pool.query(
      'select count(*)::int as n from pg_roles where rolname = $1',
      [role],
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('runMigrate with the portal', () => {
  it('returns and logs what was done, never the password or the cookie secret', async () => {
    const role = newRole();
    const admin = new URL(db.url);
    const env = parseEnvironment('migrate', {
      [LAMBDA_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
      [LAMBDA_ENV.databaseName]: admin.pathname.slice(1),
      [LAMBDA_ENV.databaseHost]: admin.hostname,
      [LAMBDA_ENV.databasePort]: admin.port || '5432',
      [LAMBDA_ENV.databaseTls]: 'disable',
      [LAMBDA_ENV.territoryProvinces]: 'VR',
      [LAMBDA_ENV.portalSettingsSecretArn]:
        'arn:aws:secretsmanager:eu-south-1:123456789012:secret:p',
      [LAMBDA_ENV.portalLoginRole]: role,
    });
    const store = memoryStore();
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
    const client = await db.pool.connect();
    let outcome;
    try {
      outcome = await runMigrate(client, env, store);
    } finally {
      client.release();
      spy.mockRestore();
    }
    expect(outcome.portalLogin).toEqual({ role, password: 'generated', settings: 'written' });
    const written = store.versions.at(-1)!;
    const password = new URL(String(written[PORTAL_SECRET_SETTINGS.databaseUrl])).password;
    const cookie = String(written[PORTAL_SECRET_SETTINGS.cookieSecret]);
    expect(logged.length).toBe(1);
    expect(JSON.parse(logged[0]!)).toEqual({ function: 'migrate', ...outcome });
    for (const text of [...logged, JSON.stringify(outcome)]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(cookie);
    }
  });

  it('without the portal, no login role is made', async () => {
    const role = newRole();
    const admin = new URL(db.url);
    const env = parseEnvironment('migrate', {
      [LAMBDA_ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:db',
      [LAMBDA_ENV.databaseName]: admin.pathname.slice(1),
      [LAMBDA_ENV.databaseHost]: admin.hostname,
      [LAMBDA_ENV.territoryProvinces]: 'VR',
      [LAMBDA_ENV.portalLoginRole]: role,
    });
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const client = await db.pool.connect();
    try {
      expect((await runMigrate(client, env)).portalLogin).toBeUndefined();
    } finally {
      client.release();
      spy.mockRestore();
    }
    const { rows } = await db.pool.query('select 1 from pg_roles where rolname = $1', [role]);
    expect(rows).toEqual([]);
  });
});
