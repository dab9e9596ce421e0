-- Every retention in force, from the live settings: daily files (the landing bucket's lifecycle,
-- as the deployment recorded it), imports and rejects (qdp.purge, retention_days) and access logs
-- (audit_retention_months, at least 24). The record of processing and the retention page show it.
-- Administrators' portal sessions and the owner (the command line) may read it.
create or replace function qdp.retention_settings() returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if current_setting('role') <> 'none' then
    perform qdp.portal_admin_username('read the retention settings');
  end if;
  return (
    select jsonb_agg(jsonb_build_object(
             'data', r.data, 'setting', s.key, 'value', nullif(s.value, ''), 'unit', r.unit,
             'description', s.description) order by r.position)
    from (values (1, 'dailyFiles', 'raw_file_retention_days', 'days'),
                 (2, 'imports', 'retention_days', 'days'),
                 (3, 'rejects', 'retention_days', 'days'),
                 (4, 'accessLogs', 'audit_retention_months', 'months'))
           as r (position, data, key, unit)
    join qdp.settings s on s.key = r.key);
end
$$;

revoke all on function qdp.retention_settings() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- Every portal role may call it: all but an administrator's live session are refused, naming the action.
grant execute on function qdp.retention_settings() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
