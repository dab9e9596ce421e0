-- The account behind a username, for the portal to check the password (Argon2id, in the portal).
-- Disabled and unknown users give no row; `locked` says a lock-out is running.
create or replace function qdp.portal_login_lookup(p_username text)
returns table (user_id bigint, password_hash text, locked boolean)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select u.id, u.password_hash, coalesce(u.locked_until > now(), false)
  from qdp.users u
  where u.username = p_username and not u.disabled
$$;

revoke all on function qdp.portal_login_lookup(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_login_lookup(text) to qdp_portal;
