-- Ends every session of a user (an administrator disabled the user or reset the password). Every
-- portal role may call it; all but an administrator's live session are refused with a message
-- naming the action.
create or replace function qdp.portal_end_user_sessions(p_user_id bigint) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  perform qdp.portal_admin_username(format('end the sessions of user %s', p_user_id));
  delete from qdp.portal_sessions where user_id = p_user_id;
end
$$;

revoke all on function qdp.portal_end_user_sessions(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_end_user_sessions(bigint) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
