-- The patients a purge of these imports removes: those no quarantine of another import names
-- (qdp.purge deletes them, qdp.retention_preview counts them: one rule).
create or replace function qdp.retention_unreferenced_patients(purged bigint[])
returns setof text
language sql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select p.fiscal_code from qdp.patients p
  where not exists (
    select 1 from qdp.quarantines q
    where q.fiscal_code = p.fiscal_code and q.import_id <> all (purged))
$$;

revoke all on function qdp.retention_unreferenced_patients(bigint[]) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
