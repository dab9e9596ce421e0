// Log-in and log-out, before any user's transaction: the per-address throttle (0024), the account
// lookup with its failure count and lock-out, and the sessions (0013). The login role reaches them
// only through these functions.
import type pg from 'pg';

/** Records an attempt of `address`; false when the address is over login_attempts_per_minute. */
export async function loginAttemptAllowed(pool: pg.Pool, address: string): Promise<boolean> {
  const { rows } = await pool.query<{ allowed: boolean }>(
    'select qdp.portal_login_attempt($1) as allowed',
    [address],
  );
  return rows[0]?.allowed === true;
}

export interface LoginAccount {
  user_id: string;
  password_hash: string | null;
  locked: boolean;
}

export async function loginAccount(
  pool: pg.Pool,
  username: string,
): Promise<LoginAccount | undefined> {
  const { rows } = await pool.query<LoginAccount>(
    'select user_id, password_hash, locked from qdp.portal_login_lookup($1)',
    [username],
  );
  return rows[0];
}

/** Counts a failure; true when the account is now locked. */
export async function loginFailed(pool: pg.Pool, userId: string): Promise<boolean> {
  const { rows } = await pool.query<{ locked: boolean }>(
    'select qdp.portal_login_failed($1) as locked',
    [userId],
  );
  return rows[0]?.locked === true;
}

/** Stores the new session (the SHA-256 of its token only) and clears the failure count. */
export async function loginSucceeded(
  pool: pg.Pool,
  userId: string,
  tokenHash: Buffer,
  address: string,
): Promise<void> {
  await pool.query('select qdp.portal_login_succeeded($1, $2, $3)', [userId, tokenHash, address]);
}

export async function endSession(pool: pg.Pool, tokenHash: Buffer): Promise<void> {
  await pool.query('select qdp.portal_session_end($1)', [tokenHash]);
}
