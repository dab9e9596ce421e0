// The portal's database session: every request runs in one transaction that switches the NOINHERIT
// login role (qdp_portal) to exactly the portal role of one user and names that user's live portal
// session by the SHA-256 of its token in the transaction-local setting qdp.session_token_hash.
// The policies and functions of functions/access/ see a user only through that setting, and only
// while the database finds the session live (qdp.session_binding): a connection that switches role
// or sets anything else without a live session's token reads nothing. Both end with the
// transaction, so a pooled connection never carries a user.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export class SessionError extends Error {}

function userIdText(userId: number | bigint): string {
  const valid =
    typeof userId === 'bigint' ? userId > 0n : Number.isSafeInteger(userId) && userId > 0;
  if (!valid)
    throw new SessionError(`invalid user id ${String(userId)}: expected a positive integer`);
  return String(userId);
}

/** A portal session: the SHA-256 of its cookie's token (`qdp.portal_sessions`). */
export interface PortalSessionToken {
  portalTokenHash: Buffer;
}

/** Who the transaction runs as: a user id, or the user of a portal session. */
export type SessionSubject = number | bigint | PortalSessionToken;

/**
 * The opened session: its user, its database role, and the opening row (for a portal session,
 * the viewer columns of `qdp.portal_open_session`, 0026).
 */
export interface OpenedSession {
  userId: string;
  role: string;
  row: Record<string, unknown>;
}

/** The hex of a token hash, validated: it is inlined into the opening. */
function tokenHashHex(hash: Buffer): string {
  if (!Buffer.isBuffer(hash) || hash.length !== 32) {
    throw new SessionError('invalid portal session token hash: expected 32 bytes');
  }
  return hash.toString('hex');
}

/**
 * The opening statement of a session's transaction (inlined: simple protocol, one round trip):
 * `qdp.portal_open_session` checks the token's session (unknown, ended, idle or too old, disabled
 * user: no row); with a row, the user's role and the session's token hash are set
 * transaction-local (set_config('role', …, true) is SET LOCAL ROLE, same membership check), in
 * the same statement, after the lookup (OFFSET 0 keeps it a separate step, called once). Without
 * a row nothing is switched.
 */
function openingStatement(hex: string): string {
  return `select set_config('role', s.db_role, true) as session_role,
            set_config('qdp.session_token_hash', '${hex}', true) as session_token, s.*
     from (select * from qdp.portal_open_session('\\x${hex}'::bytea) s offset 0) s
     where s.db_role is not null`;
}

/**
 * A new portal session of user `userId`, as the log-in opens one (qdp.portal_login_succeeded: the
 * log-in is audited); for tools and tests that act as a user. The token is never returned: the
 * session ends with the idle limit.
 */
async function openSessionOf(pool: pg.Pool, userId: number | bigint): Promise<Buffer> {
  const id = userIdText(userId);
  const hash = randomBytes(32);
  try {
    await pool.query("select qdp.portal_login_succeeded($1, $2, 'db/session.ts')", [id, hash]);
  } catch (error) {
    if ((error as { code?: string }).code === '42501')
      throw new SessionError(`user ${id} is unknown or disabled: no session can be opened`);
    throw error;
  }
  return hash;
}

/**
 * Runs `fn` in a transaction as one user (the user of a portal session's token, or a user id, for
 * whom a new session is opened first): BEGIN, the user's portal role and the session's token hash
 * (transaction-local); COMMIT when `fn` resolves, ROLLBACK when it throws. `fn` must not commit,
 * roll back or change role or session: a change is detected and rolled back. Two round trips
 * besides `fn`'s own: the opening and the check with COMMIT are each one simple-protocol query,
 * with the token hash (validated hex) and the role (from the database, quoted) inlined.
 */
export async function withUserSession<T>(
  pool: pg.Pool,
  subject: SessionSubject,
  fn: (client: pg.PoolClient, opened: OpenedSession) => Promise<T>,
): Promise<T> {
  const hex = tokenHashHex(
    typeof subject === 'object' ? subject.portalTokenHash : await openSessionOf(pool, subject),
  );
  const client = await pool.connect();
  // A connection whose state is unknown (a failed rollback, a changed role) is destroyed, not
  // returned to the pool.
  let broken: Error | undefined;
  try {
    try {
      const opened = (await client.query(
        `begin; ${openingStatement(hex)}`,
      )) as unknown as pg.QueryResult<Record<string, unknown>>[];
      const row = opened[1]?.rows[0];
      if (!row) {
        throw new SessionError(
          typeof subject === 'object'
            ? 'the portal session is unknown or ended, or its user is disabled: no session can be opened'
            : `user ${String(subject)} is unknown or disabled: no session can be opened`,
        );
      }
      const role = String(row.session_role);
      const id = String(row.user_id);
      const { session_role: _role, session_token: _token, ...columns } = row;
      const result = await fn(client, { userId: id, role, row: columns });
      try {
        // Division by zero when the role or the session changed (or `fn` ended the transaction):
        // the COMMIT in the same query then never runs.
        await client.query(
          `select 1 / (current_user = ${pg.escapeLiteral(role)}
                       and current_setting('qdp.session_token_hash', true) = '${hex}')::int;
           commit`,
        );
      } catch (error) {
        if ((error as { code?: string }).code !== '22012') throw error;
        broken = new SessionError(
          `the session of user ${id} left role ${role} or its session: the transaction was rolled back`,
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

/** A value as an SQL literal, for statements sent inlined (simple protocol, one round trip). */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  return pg.escapeLiteral(String(value));
}

/**
 * `text` with its bind parameters `$1…$n` replaced by `values` as literals. Only for statements the
 * portal builds itself, whose text holds no `$` but its parameters (no dollar quoting, no `$` in a
 * string literal).
 */
export function inlineParams(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_m, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`no value for $${n}`);
    return sqlLiteral(values[i]);
  });
}

/** What a one-trip page's statements were built for; the database checks it before COMMIT. */
export interface SessionGuess {
  /** The database role the statements expect (their columns depend on its privileges). */
  dbRole: string;
  /** The latest import they name (a literal, so that partitions are pruned while planning). */
  latestImportId: number | null;
}

/** The one-trip page's guess did not hold (another role, another latest import): rolled back. */
export class SessionGuessError extends Error {}

/** The opening row and each statement's rows. */
export interface OneTripResult {
  row: Record<string, unknown>;
  results: Record<string, unknown>[][];
}

/**
 * A portal page in one round trip: one simple-protocol query holding BEGIN, the session's opening
 * (as withUserSession's: the token's session checked, the user's role and qdp.user_id set
 * transaction-local), `statements` (built by the caller for `guess`, values inlined), the check
 * and COMMIT. The check divides by zero unless the transaction is still the session's user in the
 * guessed role and the latest import is the guessed one, so COMMIT never runs for a page built on
 * a wrong guess; an opening that finds no session switches no role, and the statements then fail
 * for want of privileges. Either way nothing is committed and SessionGuessError is thrown: the
 * caller opens the session again (withUserSession, or a fresh guess) to learn why.
 */
export async function oneTripSession(
  pool: pg.Pool,
  portalTokenHash: Buffer,
  guess: SessionGuess,
  statements: readonly string[],
): Promise<OneTripResult> {
  const hex = tokenHashHex(portalTokenHash);
  const role = pg.escapeLiteral(guess.dbRole);
  const latest = guess.latestImportId === null ? 'null' : String(Math.trunc(guess.latestImportId));
  const text = [
    'begin',
    openingStatement(hex),
    ...statements,
    `select 1 / (current_user = ${role}
                 and current_setting('qdp.session_token_hash', true) = '${hex}'
                 and qdp.latest_import_id() is not distinct from ${latest}::bigint)::int`,
    'commit',
  ].join(';\n');
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    let results: pg.QueryResult<Record<string, unknown>>[];
    try {
      results = (await client.query(text)) as unknown as pg.QueryResult<Record<string, unknown>>[];
    } catch (error) {
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      const code = (error as { code?: string }).code;
      // 22012: the check's division by zero; 42501: statements run without the session's role.
      if (code === '22012' || code === '42501') {
        throw new SessionGuessError(`the page was built for ${guess.dbRole}: ${String(error)}`);
      }
      throw error;
    }
    const opening = results[1]?.rows[0];
    if (!opening) throw new SessionGuessError('no session was opened');
    const { session_role: _role, session_token: _token, ...row } = opening;
    return { row, results: results.slice(2, 2 + statements.length).map((r) => r.rows) };
  } finally {
    client.release(broken);
  }
}
