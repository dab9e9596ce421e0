-- Deletes what qdp.retention_selection selects (db/functions/privacy/, the rule the retention
-- preview shows): imports received before now() - retention_days with their transit and
-- quarantine partitions, rejects and publications, and patients that no remaining quarantine
-- mentions; audit entries older than both that and audit_retention_months (at least 24 months).
-- Never purged: the latest published import, a held import (awaiting an administrator's
-- decision) and an import still being imported. The result says what was purged, and what was
-- kept although older than the retention, and why.
create or replace function qdp.purge(retention_days integer default null) returns jsonb
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  selected record;
  purged bigint[];
  purged_id bigint;
  audit_kept integer;
  audit_count integer;
  patient_count integer;
begin
  -- No import may be published, rolled back to or reconciled while its history is being cut.
  perform pg_advisory_xact_lock(727003, 0);
  -- The one selection rule, which qdp.retention_preview shows before a purge runs.
  select * into selected from qdp.retention_selection(purge.retention_days);
  purged := selected.purged;

  foreach purged_id in array purged loop
    execute format('drop table if exists qdp.transit_%s', purged_id);
    execute format('drop table if exists qdp.quarantines_%s', purged_id);
  end loop;

  -- References that outlive the imports they name.
  update qdp.imports set duplicate_of = null
  where duplicate_of = any (purged) and not (id = any (purged));
  update qdp.gps set updated_import_id = null where updated_import_id = any (purged);

  delete from qdp.patients
  where fiscal_code in (select qdp.retention_unreferenced_patients(purged));
  get diagnostics patient_count = row_count;
  -- A kept patient whose first or last import is gone points at the earliest kept import that
  -- lists them (their data did not change since the purged import, or it would name a newer one).
  update qdp.patients p set
    first_import_id = case when p.first_import_id = any (purged) then k.first_kept
                           else p.first_import_id end,
    last_import_id = case when p.last_import_id = any (purged) then k.first_kept
                          else p.last_import_id end
  from (
    select q.fiscal_code, min(q.import_id) as first_kept
    from qdp.quarantines q
    where q.fiscal_code in (
      select fiscal_code from qdp.patients
      where first_import_id = any (purged) or last_import_id = any (purged))
    group by q.fiscal_code
  ) k
  where k.fiscal_code = p.fiscal_code;

  delete from qdp.rejects where import_id = any (purged);
  delete from qdp.publications where import_id = any (purged);
  delete from qdp.imports where id = any (purged);
  -- The audit log's append-only trigger (audit_log_append_only.sql) lets only the purge delete.
  perform set_config('qdp.purging', 'on', true);
  delete from qdp.audit_log where at < selected.audit_cutoff;
  get diagnostics audit_count = row_count;
  perform set_config('qdp.purging', 'off', true);
  select count(*) into audit_kept from qdp.audit_log where at < selected.cutoff;

  return jsonb_build_object(
    'imports', cardinality(purged), 'auditEntries', audit_count, 'patients', patient_count,
    'kept', jsonb_build_object(
      'latest', selected.kept_latest, 'held', to_jsonb(selected.kept_held),
      'inFlight', to_jsonb(selected.kept_in_flight), 'auditEntries', audit_kept,
      'auditRetentionMonths', selected.audit_retention_months));
end
$$;

revoke all on function qdp.purge(integer) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.purge(integer) to public;
