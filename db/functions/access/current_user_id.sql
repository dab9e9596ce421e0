create or replace function qdp.current_user_id() returns bigint
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select b.user_id from qdp.session_binding() b);
end
$$;

revoke all on function qdp.current_user_id() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.current_user_id() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
