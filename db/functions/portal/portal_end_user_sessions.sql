-- Ends every session of a user (an administrator disabled the user or reset the password).
create or replace function qdp.portal_end_user_sessions(p_user_id bigint) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
begin
  perform qdp.portal_admin_username();
  delete from qdp.portal_sessions where user_id = p_user_id;
end
$$;

revoke all on function qdp.portal_end_user_sessions(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_end_user_sessions(bigint) to qdp_admin;
