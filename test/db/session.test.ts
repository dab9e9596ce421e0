// withUserSession: one transaction, one portal role, one user; nothing survives on the pooled
// connection. Run through a login role that is a member of qdp_portal, as in production.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionError, withUserSession, type OpenedSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  seedTerritory,
  type PortalLogin,
  type Territory,
} from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;
let t: Territory;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

/** Entries marked by their client address (the action is one a session may record: 0070). */
const auditCount = async (mark: string) =>
  Number(
    (
      await db.pool.query('select count(*) as n from qdp.audit_log where client_address = $1', [
        mark,
      ])
    ).rows[0].n,
  );
const auditMarked = (mark: string) =>
  `select qdp.audit('password.change', null, null, null, '${mark}')`;

/**
 * The first word of every query sent on the next connection taken from the login pool (one round
 * trip each), to count what a session costs.
 */
function statementsOfNextSession(): string[] {
  const sent: string[] = [];
  login.pool.once('acquire', (client: { query: (...args: never[]) => unknown }) => {
    const original = client.query.bind(client);
    client.query = ((...args: never[]) => {
      sent.push(String(args[0]).trim().split(/\s+/)[0]!);
      return original(...args);
    }) as typeof client.query;
  });
  return sent;
}

/** A portal session of `userId` as the log-in opens it; returns its token's hash. */
async function portalSessionOf(userId: number): Promise<Buffer> {
  const hash = createHash('sha256').update(randomBytes(32)).digest();
  await login.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.1')", [userId, hash]);
  return hash;
}

describe('withUserSession', () => {
  it("switches to the user's role and names the user, for this transaction only", async () => {
    const inside = await withUserSession(login.pool, t.users.munA, async (c) => {
      const { rows } = await c.query(
        "select current_user as role, session_user = $1 as is_login, length(current_setting('qdp.session_token_hash')) as hash_hex, qdp.current_user_id()::text as user_id, qdp.current_istat_code() as istat",
        [login.role],
      );
      return rows[0];
    });
    expect(inside).toEqual({
      role: 'qdp_municipality',
      is_login: true,
      hash_hex: 64,
      user_id: String(t.users.munA),
      istat: t.munA,
    });
    // The pool has one idle connection now: it carries neither the role nor the user.
    const after = await login.pool.query(
      "select current_user as role, coalesce(current_setting('qdp.session_token_hash', true), '') as session",
    );
    expect(after.rows).toEqual([{ role: login.role, session: '' }]);
  });

  it('accepts a bigint user id', async () => {
    const role = await withUserSession(login.pool, BigInt(t.users.gp2), async (c) => {
      const { rows } = await c.query('select qdp.current_gp_code() as gp');
      return rows[0].gp;
    });
    expect(role).toBe('G2');
  });

  it('commits what the function did', async () => {
    await withUserSession(login.pool, t.users.staff, (c) => c.query(auditMarked('session_commit')));
    expect(await auditCount('session_commit')).toBe(1);
  });

  it('rolls back and rethrows when the function throws', async () => {
    const failure = new Error('portal failure');
    await expect(
      withUserSession(login.pool, t.users.staff, async (c) => {
        await c.query(auditMarked('session_rollback'));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await auditCount('session_rollback')).toBe(0);
  });

  it('refuses an unknown or a disabled user before running the function', async () => {
    let ran = false;
    const run = async () => {
      ran = true;
    };
    await expect(withUserSession(login.pool, 987654, run)).rejects.toThrow(
      new SessionError('user 987654 is unknown or disabled: no session can be opened'),
    );
    await expect(withUserSession(login.pool, t.users.gp1Disabled, run)).rejects.toThrow(
      `user ${t.users.gp1Disabled} is unknown or disabled: no session can be opened`,
    );
    expect(ran).toBe(false);
  });

  it('refuses an invalid user id', async () => {
    for (const id of [0, -1, 1.5, Number.NaN, 0n]) {
      await expect(withUserSession(login.pool, id, async () => 1)).rejects.toThrow(
        `invalid user id ${String(id)}: expected a positive integer`,
      );
    }
  });

  it('rolls back and discards the connection when the function changes role or session', async () => {
    for (const change of [
      'set role qdp_admin',
      'reset role',
      `select set_config('qdp.session_token_hash', '${'0'.repeat(64)}', true)`,
    ]) {
      await expect(
        withUserSession(login.pool, t.users.gp1, async (c) => {
          await c.query(auditMarked('session_switch'));
          await c.query(change);
        }),
      ).rejects.toThrow(
        `the session of user ${t.users.gp1} left role qdp_gp or its session: the transaction was rolled back`,
      );
    }
    expect(await auditCount('session_switch')).toBe(0);
    const after = await login.pool.query('select current_user as role');
    expect(after.rows).toEqual([{ role: login.role }]);
  });

  it('a function that commits early leaves no role behind', async () => {
    await expect(
      withUserSession(login.pool, t.users.gp1, async (c) => {
        await c.query('commit');
      }),
    ).rejects.toThrow(
      `the session of user ${t.users.gp1} left role qdp_gp or its session: the transaction was rolled back`,
    );
    const after = await login.pool.query('select current_user as role');
    expect(after.rows).toEqual([{ role: login.role }]);
  });

  it("costs two round trips besides the function's own: opening, and the check with COMMIT", async () => {
    const session = await portalSessionOf(t.users.gp2);
    const sent = statementsOfNextSession();
    const gp = await withUserSession(login.pool, { portalTokenHash: session }, async (c) => {
      const { rows } = await c.query('select qdp.current_gp_code() as gp');
      return rows[0].gp;
    });
    expect(gp).toBe('G2');
    expect(sent).toEqual(['begin;', 'select', 'select']);
  });

  describe('opened by a portal session token (qdp.portal_open_session, 0026)', () => {
    /** A portal session of `userId` as the log-in opens it; returns its token's hash. */
    const portalSession = async (userId: number): Promise<Buffer> => {
      const hash = createHash('sha256').update(randomBytes(32)).digest();
      await login.pool.query("select qdp.portal_login_succeeded($1, $2, '192.0.2.1')", [
        userId,
        hash,
      ]);
      return hash;
    };

    it("switches to the session user's role and gives the viewer in the opening", async () => {
      const hash = await portalSession(t.users.gp2);
      let seen: OpenedSession | undefined;
      const inside = await withUserSession(
        login.pool,
        { portalTokenHash: hash },
        async (c, opened) => {
          seen = opened;
          const { rows } = await c.query(
            'select current_user as role, qdp.current_user_id()::text as user_id, qdp.current_gp_code() as gp',
          );
          return rows[0];
        },
      );
      expect(inside).toEqual({ role: 'qdp_gp', user_id: String(t.users.gp2), gp: 'G2' });
      expect(seen).toMatchObject({
        userId: String(t.users.gp2),
        role: 'qdp_gp',
        row: {
          user_id: String(t.users.gp2),
          db_role: 'qdp_gp',
          role: 'gp',
          gp_code: 'G2',
          istat_code: null,
          aggregates_only: false,
          latest_import_id: String(t.latestImport),
        },
      });
      expect(seen!.row).toHaveProperty('username');
      expect(seen!.row).not.toHaveProperty('session_role');
    });

    it('refuses an unknown or ended session and a disabled user before running the function', async () => {
      let ran = false;
      const run = async () => {
        ran = true;
      };
      const message =
        'the portal session is unknown or ended, or its user is disabled: no session can be opened';
      const unknown = createHash('sha256').update('no such token').digest();
      await expect(withUserSession(login.pool, { portalTokenHash: unknown }, run)).rejects.toThrow(
        new SessionError(message),
      );
      const ended = await portalSession(t.users.munA);
      await login.pool.query('select qdp.portal_session_end($1)', [ended]);
      await expect(withUserSession(login.pool, { portalTokenHash: ended }, run)).rejects.toThrow(
        message,
      );
      const disabled = await portalSession(t.users.munB);
      await db.pool.query('update qdp.users set disabled = true where id = $1', [t.users.munB]);
      try {
        await expect(
          withUserSession(login.pool, { portalTokenHash: disabled }, run),
        ).rejects.toThrow(message);
      } finally {
        await db.pool.query('update qdp.users set disabled = false where id = $1', [t.users.munB]);
      }
      await expect(
        withUserSession(login.pool, { portalTokenHash: Buffer.from('short') }, run),
      ).rejects.toThrow('invalid portal session token hash: expected 32 bytes');
      expect(ran).toBe(false);
    });

    it('costs the same two round trips', async () => {
      const hash = await portalSession(t.users.staff);
      const sent = statementsOfNextSession();
      await withUserSession(login.pool, { portalTokenHash: hash }, async (c) => {
        await c.query('select 1');
      });
      expect(sent).toEqual(['begin;', 'select', 'select']);
    });
  });

  it("the login role, before switching, reads no user and asks no user's role", async () => {
    await expect(
      login.pool.query('select qdp.session_role($1) as role', [t.users.admin]),
    ).rejects.toThrow('permission denied for function session_role');
    await expect(login.pool.query('select * from qdp.users')).rejects.toThrow(
      'permission denied for table users',
    );
  });
});
