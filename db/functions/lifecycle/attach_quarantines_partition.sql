-- Gives a filled, standalone quarantines table of one import the keys and indexes of
-- qdp.quarantines and attaches it as the import's partition. Indexes built before attaching are
-- adopted (no rebuild); the CHECK constraint spares the attach a scan of the rows.
create or replace function qdp.attach_quarantines_partition(p_import_id bigint) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
set maintenance_work_mem = '256MB'
as $$
begin
  execute format($sql$
    alter table qdp.quarantines_%1$s add primary key (fiscal_code, import_id);
    create index on qdp.quarantines_%1$s (import_id, gp_code, fiscal_code);
    create index on qdp.quarantines_%1$s (import_id, residence_istat, fiscal_code);
    alter table qdp.quarantines_%1$s add constraint quarantines_%1$s_import_id_check
      check (import_id = %1$s);
    alter table qdp.quarantines attach partition qdp.quarantines_%1$s for values in (%1$s);
  $sql$, p_import_id);
end
$$;

revoke all on function qdp.attach_quarantines_partition(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
