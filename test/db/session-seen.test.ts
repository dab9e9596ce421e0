// A portal session's last request is recorded at most once every session_seen_seconds (0071), so a
// page commits no write to the session's row, and the idle limit still counts from the recorded
// time exactly: qdp.portal_session_user (the session check of every request's opening).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { seedTerritory, type Territory } from './access-fixtures.ts';

let db: TestDatabase;
let t: Territory;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
});

afterAll(async () => {
  await db?.drop();
});

async function session(): Promise<Buffer> {
  const hash = createHash('sha256').update(randomBytes(32)).digest();
  await db.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.7')", [
    t.users.staff,
    hash,
  ]);
  return hash;
}

/** Sets the session's last_seen_at to `age` ago; then checks it as a request does. */
async function requestAfter(hash: Buffer, age: string) {
  const { rows } = await db.pool.query<{ seen: Date }>(
    `update qdp.portal_sessions set last_seen_at = now() - $2::interval where token_hash = $1
     returning last_seen_at as seen`,
    [hash, age],
  );
  const set = rows[0]!.seen;
  const checked = await db.pool.query<{ user_id: string | null; at: Date }>(
    'select qdp.portal_session_user($1) as user_id, now() as at',
    [hash],
  );
  const after = await db.pool.query<{ seen: Date }>(
    'select last_seen_at as seen from qdp.portal_sessions where token_hash = $1',
    [hash],
  );
  return {
    user: checked.rows[0]!.user_id,
    /** unchanged, written (the request's time) or gone (the session ended). */
    seen:
      after.rows.length === 0
        ? 'gone'
        : after.rows[0]!.seen.getTime() === set.getTime()
          ? 'unchanged'
          : after.rows[0]!.seen.getTime() === checked.rows[0]!.at.getTime()
            ? 'written'
            : 'other',
  };
}

const setSetting = (key: string, value: string) =>
  db.pool.query('update qdp.settings set value = $2 where key = $1', [key, value]);

describe('session_seen_seconds', () => {
  it('writes last_seen_at only when it is at least session_seen_seconds old (60)', async () => {
    const hash = await session();
    const staff = String(t.users.staff);
    expect(await requestAfter(hash, '0 seconds')).toEqual({ user: staff, seen: 'unchanged' });
    expect(await requestAfter(hash, '59 seconds')).toEqual({ user: staff, seen: 'unchanged' });
    expect(await requestAfter(hash, '60 seconds')).toEqual({ user: staff, seen: 'written' });
    expect(await requestAfter(hash, '10 minutes')).toEqual({ user: staff, seen: 'written' });
  });

  it('keeps the idle limit counted from last_seen_at, to the second', async () => {
    const staff = String(t.users.staff);
    const live = await session();
    expect(await requestAfter(live, '29 minutes 59 seconds')).toEqual({
      user: staff,
      seen: 'written',
    });
    const idle = await session();
    expect(await requestAfter(idle, '30 minutes 1 second')).toEqual({ user: null, seen: 'gone' });
  });

  it('0 writes on every request; never less often than half the idle limit', async () => {
    const staff = String(t.users.staff);
    const hash = await session();
    try {
      await setSetting('session_seen_seconds', '0');
      expect(await requestAfter(hash, '1 second')).toEqual({ user: staff, seen: 'written' });
      await setSetting('session_seen_seconds', '3600');
      await setSetting('session_idle_minutes', '2');
      expect(await requestAfter(hash, '59 seconds')).toEqual({ user: staff, seen: 'unchanged' });
      expect(await requestAfter(hash, '60 seconds')).toEqual({ user: staff, seen: 'written' });
    } finally {
      await setSetting('session_seen_seconds', '60');
      await setSetting('session_idle_minutes', '30');
    }
  });

  it('is whole seconds up to 3600', async () => {
    for (const value of ['3601', '-1', '1.5', 'often', '']) {
      await expect(setSetting('session_seen_seconds', value), value).rejects.toThrow(
        'violates check constraint "session_seen_seconds_whole_seconds"',
      );
    }
  });
});
