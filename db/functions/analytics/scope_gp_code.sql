create or replace function qdp_analytics.scope_gp_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ select gp_code from qdp.session_binding() $$;

revoke all on function qdp_analytics.scope_gp_code() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp_analytics.scope_gp_code() to qdp_municipality, qdp_gp;
