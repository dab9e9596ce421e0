-- The GP code a GP user's rows are limited to (NULL: no rows).
create or replace function qdp.current_gp_code() returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select b.gp_code from qdp.session_binding() b where not b.aggregates_only);
end
$$;

revoke all on function qdp.current_gp_code() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.current_gp_code() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
