// Log-in throttling per client address in the database (0024): qdp.portal_login_attempt records an
// attempt and answers whether it is allowed, the same for every portal instance. Run through a
// login role that is a member of qdp_portal, as the portal calls it.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createPortalLogin, type PortalLogin } from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query('delete from qdp.portal_login_attempts');
  await db.pool.query(
    "update qdp.settings set value = '10' where key = 'login_attempts_per_minute'",
  );
});

const attempt = async (address: string, pool: pg.Pool = login.pool): Promise<boolean> =>
  (
    await pool.query<{ allowed: boolean }>('select qdp.portal_login_attempt($1) as allowed', [
      address,
    ])
  ).rows[0]!.allowed;

const stored = async (address?: string): Promise<number> =>
  Number(
    (
      await db.pool.query(
        'select count(*) as n from qdp.portal_login_attempts where $1::text is null or client_address = $1',
        [address ?? null],
      )
    ).rows[0].n,
  );

describe('qdp.portal_login_attempt', () => {
  it('allows login_attempts_per_minute attempts per address (default 10), then refuses; other addresses are apart', async () => {
    const answers: boolean[] = [];
    for (let i = 0; i < 12; i++) answers.push(await attempt('203.0.113.7'));
    expect(answers).toEqual([...Array<boolean>(10).fill(true), false, false]);
    expect(await attempt('203.0.113.8')).toBe(true);
    expect(await attempt('2001:db8::7')).toBe(true);
    // Refused attempts are not stored: an address holds at most the limit.
    expect(await stored('203.0.113.7')).toBe(10);
    expect(await stored()).toBe(12);
  });

  it('applies a changed setting at once (qdp settings set)', async () => {
    await db.pool.query(
      "update qdp.settings set value = '2' where key = 'login_attempts_per_minute'",
    );
    expect([await attempt('a'), await attempt('a'), await attempt('a')]).toEqual([
      true,
      true,
      false,
    ]);
    await db.pool.query(
      "update qdp.settings set value = '3' where key = 'login_attempts_per_minute'",
    );
    expect([await attempt('a'), await attempt('a')]).toEqual([true, false]);
  });

  it('forgets attempts older than a minute (sliding window) and deletes them as it goes', async () => {
    await db.pool.query(
      "update qdp.settings set value = '3' where key = 'login_attempts_per_minute'",
    );
    for (let i = 0; i < 3; i++) expect(await attempt('198.51.100.1')).toBe(true);
    expect(await attempt('198.51.100.1')).toBe(false);
    // Two of the three attempts are now 61 seconds old, one 30 seconds.
    await db.pool.query(
      `update qdp.portal_login_attempts set at = now() - interval '61 seconds'
       where ctid in (select ctid from qdp.portal_login_attempts order by at limit 2)`,
    );
    await db.pool.query(
      "update qdp.portal_login_attempts set at = now() - interval '30 seconds' where at > now() - interval '1 minute'",
    );
    expect(await attempt('198.51.100.1')).toBe(true);
    expect(await attempt('198.51.100.1')).toBe(true);
    expect(await attempt('198.51.100.1')).toBe(false);
    // The expired rows are gone: the table holds only the last minute.
    expect(await stored()).toBe(3);
    const ages = await db.pool.query(
      "select count(*)::int as n from qdp.portal_login_attempts where at <= now() - interval '1 minute'",
    );
    expect(ages.rows[0].n).toBe(0);
  });

  it('never grows beyond the window: expired rows of every address are deleted by any call', async () => {
    await db.pool.query(
      `insert into qdp.portal_login_attempts (client_address, at)
       select '10.0.' || (i / 250) || '.' || (i % 250), now() - interval '2 minutes'
       from generate_series(1, 2500) i`,
    );
    // At most 1000 expired rows a call: three calls clear them.
    await attempt('192.0.2.1');
    expect(await stored()).toBe(1501);
    await attempt('192.0.2.1');
    await attempt('192.0.2.1');
    expect(await stored()).toBe(3);
  });

  it('two instances racing for the last allowed attempt: exactly the limit is allowed', async () => {
    await db.pool.query(
      "update qdp.settings set value = '7' where key = 'login_attempts_per_minute'",
    );
    const racers = new pg.Pool({ connectionString: login.pool.options.connectionString, max: 24 });
    racers.on('error', () => undefined);
    try {
      // Every connection open first, so that the calls really start together.
      const clients = await Promise.all(Array.from({ length: 24 }, () => racers.connect()));
      for (const c of clients) c.release();
      for (const address of ['203.0.113.50', '203.0.113.51', '203.0.113.52']) {
        const answers = await Promise.all(
          Array.from({ length: 24 }, () => attempt(address, racers)),
        );
        expect(answers.filter(Boolean).length, address).toBe(7);
        expect(await stored(address)).toBe(7);
      }
    } finally {
      await racers.end();
    }
  });

  it('refuses a missing or oversized address with a clear error', async () => {
    for (const bad of ['', 'x'.repeat(101)]) {
      await expect(attempt(bad)).rejects.toThrow('the client address must be 1 to 100 characters');
    }
    await expect(login.pool.query('select qdp.portal_login_attempt(null)')).rejects.toThrow(
      'the client address must be 1 to 100 characters',
    );
  });

  it("the portal's login role reaches the table only through the function", async () => {
    await expect(login.pool.query('select * from qdp.portal_login_attempts')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      login.pool.query("insert into qdp.portal_login_attempts values ('x', now())"),
    ).rejects.toThrow(/permission denied/);
    await expect(login.pool.query('delete from qdp.portal_login_attempts')).rejects.toThrow(
      /permission denied/,
    );
  });
});
