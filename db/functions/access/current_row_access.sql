-- True when the session has a valid user whose role may see patient rows (not aggregates only).
create or replace function qdp.current_row_access() returns boolean
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select coalesce((select not b.aggregates_only from qdp.session_binding() b), false));
end
$$;

revoke all on function qdp.current_row_access() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.current_row_access() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
