// The portal's PostgreSQL login: a LOGIN role that is a member of qdp_portal (NOINHERIT, see
// migrations/0010), never a superuser (a superuser bypasses row-level security). Kept the same way
// by the migrate function in AWS (functions/migrate/portal-login.ts, password from the portal's
// settings secret) and by local mode (portal/local.ts, a fresh password each start).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { PORTAL_GROUP_ROLE } from '../contracts/roles.ts';

/** PostgreSQL's own default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/**
 * A SCRAM-SHA-256 verifier of `password` in the form PostgreSQL stores (and accepts in
 * `ALTER ROLE … PASSWORD`, storing it as given): RFC 5802/7677.
 */
export function scramVerifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Creates `roleName` when missing, refuses it when it is a superuser or a member of any role but
 * qdp_portal, sets its password as a
 * SCRAM verifier (the statement, and so the server's statement log, never holds the password)
 * and makes it a member of qdp_portal. `client` is a session of a role that may manage roles;
 * concurrent callers serialise themselves (CREATE ROLE has no IF NOT EXISTS).
 */
export async function keepPortalLoginRole(
  client: pg.ClientBase,
  roleName: string,
  password: string,
): Promise<void> {
  const role = client.escapeIdentifier(roleName);
  const { rows } = await client.query<{ rolsuper: boolean }>(
    'select rolsuper from pg_catalog.pg_roles where rolname = $1',
    [roleName],
  );
  if (rows.length === 0) {
    await client.query(`create role ${role} login inherit nosuperuser nocreatedb nocreaterole`);
  } else if (rows[0]!.rolsuper) {
    throw new Error(`role ${roleName} is a superuser: the portal must not log in as one`);
  } else {
    // A role that exists already may have been given more (qdp_admin...): refused, not kept.
    const extra = await client.query<{ rolname: string }>(
      `select g.rolname from pg_catalog.pg_auth_members m
         join pg_catalog.pg_roles g on g.oid = m.roleid
         join pg_catalog.pg_roles r on r.oid = m.member
       where r.rolname = $1 and g.rolname <> $2 order by g.rolname`,
      [roleName, PORTAL_GROUP_ROLE],
    );
    if (extra.rows.length > 0) {
      const names = extra.rows.map((r) => r.rolname).join(', ');
      throw new Error(
        `role ${roleName} is also a member of ${names}: the portal's login must be a member of ${PORTAL_GROUP_ROLE} only (revoke ${names} from ${roleName})`,
      );
    }
  }
  await client.query(
    `alter role ${role} with login inherit password ${client.escapeLiteral(scramVerifier(password))}`,
  );
  await client.query(`grant qdp_portal to ${role}`);
}
