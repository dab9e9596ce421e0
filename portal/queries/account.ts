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
