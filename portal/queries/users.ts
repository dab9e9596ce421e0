// Administrators' user management: the users table (the database refuses it to other roles),
// and ending a user's sessions (0013).
import type pg from 'pg';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  istat_code: string | null;
  gp_code: string | null;
  disabled: boolean;
  failed_logins: number;
  locked: boolean;
  created_at: Date;
}

export async function listUsers(client: pg.ClientBase): Promise<UserRow[]> {
  const { rows } = await client.query<UserRow>(
    `select id, username, display_name, role, istat_code, gp_code, disabled, failed_logins,
       locked_until > now() as locked, created_at
     from qdp.users order by username`,
  );
  return rows;
}

export interface NewUser {
  username: string;
  displayName: string;
  role: string;
  istatCode: string | null;
  gpCode: string | null;
  passwordHash: string;
}

/**
 * Creates the user; a taken username or an unknown municipality is answered (the transaction
 * goes on), anything else is thrown.
 */
export async function createUser(
  client: pg.ClientBase,
  u: NewUser,
): Promise<{ created: true } | { created: false; problem: string }> {
  await client.query('savepoint create_user');
  try {
    await client.query(
      `insert into qdp.users (username, display_name, role, istat_code, gp_code, password_hash)
       values ($1, $2, $3, $4, $5, $6)`,
      [u.username, u.displayName, u.role, u.istatCode, u.gpCode, u.passwordHash],
    );
    return { created: true };
  } catch (error) {
    const e = error as { code?: string };
    if (e.code === '23505' || e.code === '23503' || e.code === '23514') {
      await client.query('rollback to savepoint create_user');
      return {
        created: false,
        problem:
          e.code === '23505' ? 'username: already taken' : 'ISTAT code: unknown municipality',
      };
    }
    throw error;
  }
}

export type UserAction = 'disable' | 'enable' | 'unlock' | 'password';

const USER_ACTION_SQL: Record<UserAction, string> = {
  disable: 'update qdp.users set disabled = true where id = $1 returning username',
  enable:
    'update qdp.users set disabled = false, failed_logins = 0, locked_until = null where id = $1 returning username',
  unlock:
    'update qdp.users set failed_logins = 0, locked_until = null where id = $1 returning username',
  password:
    'update qdp.users set password_hash = $2, failed_logins = 0, locked_until = null where id = $1 returning username',
};

/**
 * Applies `action` to user `id`; disabling or a new password ends the user's sessions. The
 * username acted on, or undefined when there is no such user.
 */
export async function userAction(
  client: pg.ClientBase,
  action: UserAction,
  id: number,
  passwordHash?: string,
): Promise<string | undefined> {
  const { rows } = await client.query<{ username: string }>(
    USER_ACTION_SQL[action],
    action === 'password' ? [id, passwordHash] : [id],
  );
  if (rows.length === 0) return undefined;
  if (action === 'disable' || action === 'password')
    await client.query('select qdp.portal_end_user_sessions($1)', [id]);
  return rows[0]!.username;
}

/** How each user may sign in besides a password: registered identities, a TOTP authenticator. */
export interface SignInMethods {
  identities: { issuer: string; claim: string; value: string }[];
  secondFactor: boolean;
}

export async function listSignInMethods(
  client: pg.ClientBase,
): Promise<Map<string, SignInMethods>> {
  const { rows } = await client.query<{
    id: string;
    identities: SignInMethods['identities'];
    second_factor: boolean;
  }>(
    `select u.id,
       coalesce((select jsonb_agg(jsonb_build_object('issuer', i.issuer, 'claim', i.claim,
                                                     'value', i.value) order by i.value)
                 from qdp.user_identities i where i.user_id = u.id), '[]') as identities,
       exists (select 1 from qdp.user_second_factors f
               where f.user_id = u.id and f.confirmed_at is not null) as second_factor
     from qdp.users u`,
  );
  return new Map(
    rows.map((r) => [r.id, { identities: r.identities, secondFactor: r.second_factor }]),
  );
}

/**
 * Registers the provider's identity (the claim's value) on user `id`: false when it is already
 * registered (on this user or another: one identity, one user).
 */
export async function registerIdentity(
  client: pg.ClientBase,
  id: number,
  identity: { issuer: string; claim: string; value: string },
  registeredBy: string,
): Promise<boolean> {
  const { rows } = await client.query(
    `insert into qdp.user_identities (issuer, claim, value, user_id, registered_by)
     select $1, $2, $3, u.id, $5 from qdp.users u where u.id = $4
     on conflict (issuer, claim, value) do nothing
     returning user_id`,
    [identity.issuer, identity.claim, identity.value, id, registeredBy],
  );
  return rows.length === 1;
}

export async function removeIdentity(
  client: pg.ClientBase,
  id: number,
  identity: { issuer: string; claim: string; value: string },
): Promise<boolean> {
  const { rowCount } = await client.query(
    'delete from qdp.user_identities where user_id = $1 and issuer = $2 and claim = $3 and value = $4',
    [id, identity.issuer, identity.claim, identity.value],
  );
  return rowCount === 1;
}

/**
 * Removes user `id`'s authenticator and recovery codes and ends its sessions: its next password
 * sign-in enrols again. The username, or undefined when there is no such user.
 */
export async function resetSecondFactor(
  client: pg.ClientBase,
  id: number,
): Promise<string | undefined> {
  const { rows } = await client.query<{ username: string }>(
    'select username from qdp.users where id = $1',
    [id],
  );
  if (rows.length === 0) return undefined;
  await client.query('delete from qdp.user_second_factors where user_id = $1', [id]);
  await client.query('delete from qdp.user_recovery_codes where user_id = $1', [id]);
  await client.query('select qdp.portal_end_user_sessions($1)', [id]);
  return rows[0]!.username;
}

/** The identity provider as the database registered it (whose keys check ID tokens, 0053). */
export interface ProviderRegistration {
  client_id: string;
  claim: string;
  kids: string[];
  keys_updated_at: Date;
  updated_by: string;
}

export async function providerRegistration(
  client: pg.ClientBase,
  issuer: string,
): Promise<ProviderRegistration | undefined> {
  const { rows } = await client.query<ProviderRegistration>(
    `select client_id, claim, keys_updated_at, updated_by,
       array(select coalesce(k ->> 'kid', '') from jsonb_array_elements(keys -> 'keys') k) as kids
     from qdp.identity_providers where rtrim(issuer, '/') = rtrim($1, '/')`,
    [issuer],
  );
  return rows[0];
}

/**
 * Registers the provider with the key set fetched from it (an administrator's session only; the
 * database audits it as `provider.keys`).
 */
export async function refreshProvider(
  client: pg.ClientBase,
  provider: { issuer: string; clientId: string; claim: string; keySet: unknown },
  clientAddress: string,
): Promise<void> {
  await client.query('select qdp.portal_identity_provider_refresh($1, $2, $3, $4, $5)', [
    provider.issuer,
    provider.clientId,
    provider.claim,
    JSON.stringify(provider.keySet),
    clientAddress,
  ]);
}
