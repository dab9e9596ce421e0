-- What a purge with this retention would remove, and what it would keep although older, and why:
-- the one selection rule that qdp.purge applies and qdp.retention_preview shows before it runs.
-- Imports received before now() - retention_days go, except the latest published, a held import
-- (awaiting an administrator's decision) and a loading or loaded one (still being imported).
-- Audit entries go only when older than both that cut-off and audit_retention_months.
create or replace function qdp.retention_selection(retention_days integer default null)
returns table (
  days integer, cutoff timestamptz, audit_retention_months integer, audit_cutoff timestamptz,
  purged bigint[], kept_latest bigint, kept_held bigint[], kept_in_flight bigint[])
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  latest bigint := qdp.latest_import_id();
begin
  days := coalesce(retention_selection.retention_days, qdp.setting('retention_days')::integer);
  if days is null or days < 0 then
    raise exception 'retention_days must be zero or more, got %', days using errcode = '22023';
  end if;
  audit_retention_months := qdp.setting('audit_retention_months')::integer;
  cutoff := now() - make_interval(days => days);
  audit_cutoff := least(cutoff, now() - make_interval(months => audit_retention_months));
  select coalesce(array_agg(i.id order by i.id) filter (
           where i.id is distinct from latest and i.status not in ('held', 'loading', 'loaded')), '{}'),
         max(i.id) filter (where i.id = latest),
         coalesce(array_agg(i.id order by i.id) filter (where i.status = 'held'), '{}'),
         coalesce(array_agg(i.id order by i.id) filter (where i.status in ('loading', 'loaded')), '{}')
    into purged, kept_latest, kept_held, kept_in_flight
  from qdp.imports i
  where i.received_at < cutoff;
  return next;
end
$$;

revoke all on function qdp.retention_selection(integer) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
