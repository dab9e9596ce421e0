-- Inside a user's session: the user's own password hash (to check the current password before a
-- change), and the change itself, which ends the user's other sessions.
create or replace function qdp.portal_own_password_hash() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select password_hash from qdp.users where id = qdp.current_user_id() $$;

revoke all on function qdp.portal_own_password_hash() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_own_password_hash() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
