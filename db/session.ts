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
 * Runs `fn` in a transaction as the user `userId`: BEGIN, the user's portal role and
 * qdp.user_id = userId (transaction-local); COMMIT when `fn` resolves, ROLLBACK when it throws.
 * `fn` must not commit, roll back or change role: a role change is detected and rolled back.
 * Two round trips besides `fn`'s own (the portal's pages pay them on every request): the opening
 * and the check with COMMIT are each one simple-protocol query, with the user id (validated to
 * digits) and the role (from the database, quoted) inlined.
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
    try {
      // set_config('role', …, true) is SET LOCAL ROLE (same membership check); the role lookup
      // runs first (OFFSET 0 keeps it a separate step), and an unknown or disabled user gives no
      // row, so nothing is switched.
      const opened = (await client.query(
        `begin;
         select set_config('role', r.db_role, true) as db_role,
                set_config('qdp.user_id', '${id}', true) as user_id
         from (select qdp.session_role(${id}) as db_role offset 0) r
         where r.db_role is not null`,
      )) as unknown as pg.QueryResult<{ db_role: string }>[];
      const role = opened[1]?.rows[0]?.db_role;
      if (!role) {
        throw new SessionError(`user ${id} is unknown or disabled: no session can be opened`);
      }
      const result = await fn(client);
      try {
        // Division by zero when the role or the user changed (or `fn` ended the transaction):
        // the COMMIT in the same query then never runs.
        await client.query(
          `select 1 / (current_user = ${pg.escapeLiteral(role)}
                       and current_setting('qdp.user_id', true) = '${id}')::int;
           commit`,
        );
      } catch (error) {
        if ((error as { code?: string }).code !== '22012') throw error;
        broken = new SessionError(
          `the session of user ${id} left role ${role} or its user: the transaction was rolled back`,
        );
        throw broken;
      }
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
