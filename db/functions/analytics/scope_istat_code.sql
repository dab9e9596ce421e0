-- The scope of the session's user for the dashboards: unlike qdp.current_istat_code() and
-- qdp.current_gp_code(), it holds for aggregates-only roles too (they see their scope's counts,
-- small ones suppressed by the portal).
create or replace function qdp_analytics.scope_istat_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ select istat_code from qdp.session_binding() $$;

revoke all on function qdp_analytics.scope_istat_code() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp_analytics.scope_istat_code() to qdp_municipality, qdp_gp;
