// The signed-in user's own account: the password hash to check a change against, and the change
// (which ends the user's other sessions, 0013).
import type pg from 'pg';

export async function ownPasswordHash(client: pg.ClientBase): Promise<string | null> {
  const { rows } = await client.query<{ h: string | null }>(
    'select qdp.portal_own_password_hash() as h',
  );
  return rows[0]?.h ?? null;
}

/** Sets the user's password; every session but the one of `keepTokenHash` ends. */
export async function setOwnPassword(
  client: pg.ClientBase,
  passwordHash: string,
  keepTokenHash: Buffer,
): Promise<void> {
  await client.query('select qdp.portal_set_own_password($1, $2)', [passwordHash, keepTokenHash]);
}
