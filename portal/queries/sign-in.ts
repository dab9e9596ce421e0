// Signing in, before any user's transaction: the per-address throttle (0024), and the sign-in
// functions (0050, 0052), to which the portal hands proofs the database checks itself (a
// password's or a recovery code's Argon2id output, a TOTP code with the key of the stored
// secrets): the database opens the session, or the step between a right password and its second
// factor, and records every failure. The login role reaches them only through these functions and
// cannot open a session by naming a user.
import type pg from 'pg';

/** Records an attempt of `address`; false when the address is over login_attempts_per_minute. */
export async function loginAttemptAllowed(pool: pg.Pool, address: string): Promise<boolean> {
  const { rows } = await pool.query<{ allowed: boolean }>(
    'select qdp.portal_login_attempt($1) as allowed',
    [address],
  );
  return rows[0]?.allowed === true;
}

/** The Argon2id parameters and salt to compute a username's password proof with (a stand-in for
 * an unknown name, the same at every call). */
export async function passwordParams(pool: pg.Pool, username: string): Promise<string> {
  const { rows } = await pool.query<{ params: string }>(
    'select qdp.portal_password_params($1) as params',
    [username],
  );
  return rows[0]!.params;
}

/** What the database decided about a password proof. */
export type PasswordOutcome = 'session' | 'code' | 'enrol' | 'failed';

/**
 * Password sign-in verified by the database: a right proof opens the session (or the step towards
 * the second factor) under `tokenHash`; any failure is recorded there, the same for every cause.
 */
export async function passwordSignIn(
  pool: pg.Pool,
  username: string,
  proof: Buffer,
  tokenHash: Buffer,
  address: string,
): Promise<PasswordOutcome> {
  const { rows } = await pool.query<{ outcome: PasswordOutcome }>(
    'select qdp.portal_password_sign_in($1, $2, $3, $4) as outcome',
    [username, proof, tokenHash, address],
  );
  return rows[0]!.outcome;
}

/** Ends the session; how it began ('password', 'provider'), or undefined when there was none. */
export async function signOut(pool: pg.Pool, tokenHash: Buffer): Promise<string | undefined> {
  const { rows } = await pool.query<{ method: string | null }>(
    'select qdp.portal_sign_out($1) as method',
    [tokenHash],
  );
  return rows[0]?.method ?? undefined;
}

export interface SignInStep {
  user_id: string;
  username: string;
  next: 'code' | 'enrol';
}

/** The live step of a token, or undefined (unknown, too old, its user disabled or locked). */
export async function signInStep(pool: pg.Pool, stepHash: Buffer): Promise<SignInStep | undefined> {
  const { rows } = await pool.query<SignInStep>(
    'select user_id, username, next from qdp.portal_sign_in_step($1)',
    [stepHash],
  );
  return rows[0];
}

/** Enrolment: a new, unconfirmed authenticator secret for the step's user (stored encrypted). */
export async function enrolSecret(
  pool: pg.Pool,
  stepHash: Buffer,
  secret: Buffer,
  key: string,
): Promise<void> {
  await pool.query('select qdp.portal_second_factor_enrol($1, $2, $3)', [stepHash, secret, key]);
}

/** The secret being enrolled at an enrolment step (shown again after a wrong code). */
export async function pendingSecret(
  pool: pg.Pool,
  stepHash: Buffer,
  key: string,
): Promise<Buffer | undefined> {
  const { rows } = await pool.query<{ secret: Buffer | null }>(
    'select qdp.portal_second_factor_pending($1, $2) as secret',
    [stepHash, key],
  );
  return rows[0]?.secret ?? undefined;
}

/**
 * The step finished with a TOTP code, which the database checks (once): true when the session
 * opened under `sessionHash`; at enrolment the recovery codes (selectors, Argon2id hashes) are
 * stored with it. A wrong code is recorded as a failure by the database.
 */
export async function codeSignIn(
  pool: pg.Pool,
  stepHash: Buffer,
  code: string,
  key: string,
  sessionHash: Buffer,
  address: string,
  recovery?: { selectors: string[]; hashes: string[] },
): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    'select qdp.portal_second_factor_sign_in($1, $2, $3, $4, $5, $6, $7) as ok',
    [
      stepHash,
      code,
      key,
      sessionHash,
      address,
      recovery?.selectors ?? null,
      recovery?.hashes ?? null,
    ],
  );
  return rows[0]?.ok === true;
}

/** The Argon2id parameters and salt of the step user's recovery code with `selector`. */
export async function recoveryParams(
  pool: pg.Pool,
  stepHash: Buffer,
  selector: string,
): Promise<string | undefined> {
  const { rows } = await pool.query<{ params: string | null }>(
    'select qdp.portal_recovery_code_params($1, $2) as params',
    [stepHash, selector],
  );
  return rows[0]?.params ?? undefined;
}

/** The step finished with a recovery code's proof: true when the session opened (code used). */
export async function recoverySignIn(
  pool: pg.Pool,
  stepHash: Buffer,
  selector: string,
  proof: Buffer,
  sessionHash: Buffer,
  address: string,
): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    'select qdp.portal_recovery_code_sign_in($1, $2, $3, $4, $5) as ok',
    [stepHash, selector, proof, sessionHash, address],
  );
  return rows[0]?.ok === true;
}

/**
 * Single sign-on: the database verifies the provider's ID token (signature against the registered
 * keys, issuer, audience, expiry, one use) and opens a session for the user the token's identity
 * is registered on; otherwise the refusal (audited): 'unknown identity' or 'disabled user' for a
 * good token, another reason for a token that did not pass.
 */
export async function providerSignIn(
  pool: pg.Pool,
  idToken: string,
  sessionHash: Buffer,
  address: string,
): Promise<{ userId: string } | { refusal: string }> {
  const { rows } = await pool.query<{ user_id: string | null; refusal: string | null }>(
    'select user_id, refusal from qdp.portal_provider_sign_in($1, $2, $3)',
    [idToken, sessionHash, address],
  );
  const row = rows[0]!;
  return row.user_id !== null ? { userId: row.user_id } : { refusal: String(row.refusal) };
}

/** A provider sign-in refused before an identity was known, audited with its reason. */
export async function providerRefused(
  pool: pg.Pool,
  reason: string,
  address: string,
): Promise<void> {
  await pool.query('select qdp.portal_provider_refused($1, $2)', [reason, address]);
}
