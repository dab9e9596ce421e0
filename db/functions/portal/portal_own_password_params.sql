-- Inside a user's session: the Argon2id parameters and salt of the user's own password, from which
-- the portal computes the proof of the current password that qdp.portal_set_own_password checks.
create or replace function qdp.portal_own_password_params() returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ select password_hash from qdp.users where id = qdp.current_user_id() $$;

revoke all on function qdp.portal_own_password_params() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_own_password_params() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
