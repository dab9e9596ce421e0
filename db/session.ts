// The portal's database session: every request runs in one transaction that switches the NOINHERIT
// login role (qdp_portal) to exactly the portal role of one user and names that user in the
// transaction-local setting qdp.user_id, which the row-level policies of 0010_access_policy.sql
// compare against. Both end with the transaction, so a pooled connection never carries a user.
import pg from 'pg';

export class SessionError extends Error {}

function userIdText(userId: number | bigint): string {
  const valid =
    typeof userId === 'bigint' ? userId > 0n : Number.isSafeInteger(userId) && userId > 0;
  if (!valid)
    throw new SessionError(`invalid user id ${String(userId)}: expected a positive integer`);
  return String(userId);
}

/**
 * Runs `fn` in a transaction as the user `userId`: BEGIN, SET LOCAL ROLE to the user's portal
 * role, qdp.user_id = userId; COMMIT when `fn` resolves, ROLLBACK when it throws.
 * `fn` must not commit, roll back or change role: a role change is detected and rolled back.
 */
export async function withUserSession<T>(
  pool: pg.Pool,
  userId: number | bigint,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const id = userIdText(userId);
  const client = await pool.connect();
  // A connection whose state is unknown (a failed rollback, a changed role) is destroyed, not
  // returned to the pool.
  let broken: Error | undefined;
  try {
    await client.query('begin');
    try {
      const { rows } = await client.query<{ db_role: string | null }>(
        'select qdp.session_role($1) as db_role',
        [id],
      );
      const role = rows[0]?.db_role;
      if (!role) {
        throw new SessionError(`user ${id} is unknown or disabled: no session can be opened`);
      }
      await client.query(`set local role ${pg.escapeIdentifier(role)}`);
      await client.query("select set_config('qdp.user_id', $1, true)", [id]);
      const result = await fn(client);
      const after = await client.query<{ role: string; user_id: string }>(
        "select current_user as role, current_setting('qdp.user_id', true) as user_id",
      );
      if (after.rows[0]?.role !== role || after.rows[0]?.user_id !== id) {
        broken = new SessionError(
          `the session of user ${id} left role ${role} or its user: the transaction was rolled back`,
        );
        throw broken;
      }
      await client.query('commit');
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        broken ??=
          rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    }
  } finally {
    client.release(broken);
  }
}
