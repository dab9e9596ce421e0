-- The database role the portal switches to for a user; NULL for an unknown or disabled user.
create or replace function qdp.session_role(session_user_id bigint) returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  select r.db_role from qdp.users u join qdp.roles r on r.name = u.role
  where u.id = session_user_id and not u.disabled
$$;

revoke all on function qdp.session_role(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- nothing of the portal needs it.
