// Signing in, before any user's transaction: the per-address throttle (0024), the account lookup
// with its failure count and lock-out, the sessions (0013), and the step between a right password
// and its second factor, the second factor itself and single sign-on (0050, sign-in functions).
// The login role reaches them only through these functions.
import type pg from 'pg';

/** Records an attempt of `address`; false when the address is over login_attempts_per_minute. */
export async function loginAttemptAllowed(pool: pg.Pool, address: string): Promise<boolean> {
  const { rows } = await pool.query<{ allowed: boolean }>(
    'select qdp.portal_login_attempt($1) as allowed',
    [address],
  );
  return rows[0]?.allowed === true;
}

/** What follows a right password: a session, a code, or enrolment of a second factor. */
export type AfterPassword = 'session' | 'code' | 'enrol';

export interface LoginAccount {
  user_id: string;
  password_hash: string | null;
  locked: boolean;
  next: AfterPassword;
}

/** The account behind `username` (none when unknown or disabled). */
export async function loginAccount(
  pool: pg.Pool,
  username: string,
): Promise<LoginAccount | undefined> {
  const { rows } = await pool.query<LoginAccount>(
    'select user_id, password_hash, locked, next from qdp.portal_sign_in_lookup($1)',
    [username],
  );
  return rows[0];
}

export type SignInMethod = 'password' | 'code' | 'recovery';

/**
 * A failed password, code or recovery code: the same statement for a known user, an unknown one
 * (`userId` null) or a locked one; known unlocked users' failures count towards the lock-out.
 */
export async function signInFailed(
  pool: pg.Pool,
  userId: string | null,
  method: SignInMethod,
  address: string,
): Promise<void> {
  await pool.query('select qdp.portal_sign_in_failed($1, $2, $3)', [userId, method, address]);
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

/** Ends the session; how it began ('password', 'provider'), or undefined when there was none. */
export async function signOut(pool: pg.Pool, tokenHash: Buffer): Promise<string | undefined> {
  const { rows } = await pool.query<{ method: string | null }>(
    'select qdp.portal_sign_out($1) as method',
    [tokenHash],
  );
  return rows[0]?.method ?? undefined;
}

/** A step after a right password, under the SHA-256 of its own token. */
export async function beginStep(
  pool: pg.Pool,
  userId: string,
  stepHash: Buffer,
  next: 'code' | 'enrol',
): Promise<void> {
  await pool.query('select qdp.portal_sign_in_step_begin($1, $2, $3)', [userId, stepHash, next]);
}

export interface SignInStep {
  user_id: string;
  username: string;
  next: 'code' | 'enrol';
  /** The authenticator's secret (being enrolled, or confirmed); null before enrolment. */
  secret: string | null;
  confirmed: boolean;
}

/** The live step of a token, or undefined (unknown, too old, its user disabled or locked). */
export async function signInStep(pool: pg.Pool, stepHash: Buffer): Promise<SignInStep | undefined> {
  const { rows } = await pool.query<SignInStep>(
    'select user_id, username, next, secret, confirmed from qdp.portal_sign_in_step($1)',
    [stepHash],
  );
  return rows[0];
}

/** Enrolment: a new, unconfirmed authenticator secret for the step's user. */
export async function enrolSecret(pool: pg.Pool, stepHash: Buffer, secret: string): Promise<void> {
  await pool.query('select qdp.portal_second_factor_enrol($1, $2)', [stepHash, secret]);
}

/**
 * Accepts a right code's time step once (false when that step or a later one was accepted
 * before); at enrolment it also stores the recovery codes' selectors and hashes.
 */
export async function acceptCode(
  pool: pg.Pool,
  stepHash: Buffer,
  step: number,
  recovery?: { selectors: string[]; hashes: string[] },
): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    'select qdp.portal_second_factor_accept($1, $2, $3, $4) as ok',
    [stepHash, step, recovery?.selectors ?? null, recovery?.hashes ?? null],
  );
  return rows[0]?.ok === true;
}

/** The hash of the step's user's unused recovery code with `selector`, if any. */
export async function recoveryCodeHash(
  pool: pg.Pool,
  stepHash: Buffer,
  selector: string,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ hash: string | null }>(
    'select qdp.portal_recovery_code_hash($1, $2) as hash',
    [stepHash, selector],
  );
  return rows[0]?.hash ?? undefined;
}

/** Marks the recovery code used: true for its first use only. */
export async function useRecoveryCode(
  pool: pg.Pool,
  stepHash: Buffer,
  selector: string,
): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    'select qdp.portal_recovery_code_use($1, $2) as ok',
    [stepHash, selector],
  );
  return rows[0]?.ok === true;
}

/** The step done: it ends and a session opens under the new token. */
export async function finishStep(
  pool: pg.Pool,
  stepHash: Buffer,
  sessionHash: Buffer,
  address: string,
): Promise<void> {
  await pool.query('select qdp.portal_sign_in_step_done($1, $2, $3)', [
    stepHash,
    sessionHash,
    address,
  ]);
}

/**
 * Single sign-on: opens a session for the user the identity is registered on; undefined (and the
 * refusal audited) when it is registered on nobody or on a disabled user.
 */
export async function providerSignIn(
  pool: pg.Pool,
  identity: { issuer: string; claim: string; value: string },
  sessionHash: Buffer,
  address: string,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ user_id: string | null }>(
    'select qdp.portal_provider_sign_in($1, $2, $3, $4, $5) as user_id',
    [identity.issuer, identity.claim, identity.value, sessionHash, address],
  );
  return rows[0]?.user_id ?? undefined;
}

/** A provider sign-in refused before an identity was known, audited with its reason. */
export async function providerRefused(
  pool: pg.Pool,
  reason: string,
  address: string,
): Promise<void> {
  await pool.query('select qdp.portal_provider_refused($1, $2)', [reason, address]);
}
