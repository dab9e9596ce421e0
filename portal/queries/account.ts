// The signed-in user's own account: the parameters and salt of the current password (to compute
// its proof, sign-in/proof.ts), and the change, which the database makes only with that proof
// (and which ends the user's other sessions, 0052).
import type pg from 'pg';

export async function ownPasswordParams(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ p: string | null }>(
    'select qdp.portal_own_password_params() as p',
  );
  return rows[0]?.p ?? null;
}

/**
 * Sets the user's password (a whole Argon2id hash) if `currentProof` proves the current one:
 * false otherwise. Every session but the one of `keepTokenHash` ends.
 */
export async function setOwnPassword(
  client: pg.ClientBase,
  currentProof: Buffer,
  passwordHash: string,
  keepTokenHash: Buffer,
): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    'select qdp.portal_set_own_password($1, $2, $3) as ok',
    [currentProof, passwordHash, keepTokenHash],
  );
  return rows[0]?.ok === true;
}

/** Whether the user has a confirmed authenticator; null for an account without a password. */
export async function ownSecondFactor(client: pg.ClientBase): Promise<boolean | null> {
  const { rows } = await client.query<{ f: boolean | null }>(
    'select qdp.portal_own_second_factor() as f',
  );
  return rows[0]?.f ?? null;
}

/** The database's refusal of an enrolment while the account is locked out (SQLSTATE 55000). */
export const ENROLMENT_LOCKED_OUT = '55000';

/** Begins an enrolment step for the session's own user under `stepHash` (refused otherwise). */
export async function beginOwnEnrolment(client: pg.ClientBase, stepHash: Buffer): Promise<void> {
  await client.query('select qdp.portal_own_second_factor_begin($1)', [stepHash]);
}
