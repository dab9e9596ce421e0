-- Settings the portal reads inside a session (the dashboards' threshold) are readable by every
-- role through this function; the settings table stays the administrators'.
create or replace function qdp.portal_setting(setting_key text) returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  select value from qdp.settings
  where key = setting_key
    and key in ('dashboard_min_count', 'session_idle_minutes', 'session_max_hours',
                'login_max_failures', 'login_lockout_minutes')
$$;

revoke all on function qdp.portal_setting(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_setting(text) to qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
