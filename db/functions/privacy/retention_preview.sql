-- What the next purge would remove, before it runs, by the purge's own selection rule
-- (qdp.retention_selection, qdp.retention_unreferenced_patients): the imports (with their rejects
-- and publications), the patients no kept import names, the audit entries, and what it would keep
-- although older than the retention, and why; with the retention settings in force. Nothing is
-- changed. Administrators' portal sessions and the owner (the command line) may call it.
create or replace function qdp.retention_preview(retention_days integer default null) returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  selected record;
begin
  if current_setting('role') <> 'none' then
    perform qdp.portal_admin_username('preview the purge');
  end if;
  select * into selected from qdp.retention_selection(retention_preview.retention_days);
  return jsonb_build_object(
    'retentionDays', selected.days,
    'cutoff', selected.cutoff,
    'auditCutoff', selected.audit_cutoff,
    'settings', qdp.retention_settings(),
    'imports', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'id', i.id, 'sourceName', i.source_name, 'status', i.status,
               'receivedAt', i.received_at, 'rowsTotal', i.rows_total) order by i.id), '[]')
      from qdp.imports i where i.id = any (selected.purged)),
    'rejects', (select count(*) from qdp.rejects where import_id = any (selected.purged)),
    'publications', (select count(*) from qdp.publications where import_id = any (selected.purged)),
    'patients', (select count(*) from qdp.retention_unreferenced_patients(selected.purged)),
    'auditEntries', (select count(*) from qdp.audit_log where at < selected.audit_cutoff),
    'kept', jsonb_build_object(
      'latest', selected.kept_latest, 'held', to_jsonb(selected.kept_held),
      'inFlight', to_jsonb(selected.kept_in_flight),
      'auditEntries', (select count(*) from qdp.audit_log
                       where at >= selected.audit_cutoff and at < selected.cutoff),
      'auditRetentionMonths', selected.audit_retention_months));
end
$$;

revoke all on function qdp.retention_preview(integer) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- Every portal role may call it: all but an administrator's live session are refused, naming the action.
grant execute on function qdp.retention_preview(integer) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
