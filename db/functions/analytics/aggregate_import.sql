-- Aggregates one import (called by the publication hook, on_publication.sql): the reference
-- day, one grouped scan, every per-key table, then the import's totals from by_municipality.
create or replace function qdp_analytics.aggregate_import(p_import_id bigint, p_previous_id bigint)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics, pg_temp
set work_mem = '256MB'
as $$
declare
  ref_day date;
  k record;
begin
  if to_regclass(format('qdp.quarantines_%s', p_import_id)) is null then
    raise exception 'qdp_analytics: import % has no quarantines partition', p_import_id
      using errcode = 'P0002';
  end if;
  -- The day the file describes: its newest start (no rows: today).
  execute format('select max(start_date) from qdp.quarantines_%s', p_import_id) into ref_day;
  ref_day := coalesce(ref_day, current_date);

  perform qdp_analytics.group_quarantines(p_import_id, ref_day);

  insert into qdp_analytics.imports (import_id, reference_day, previous_import_id, people, entries,
    exits, ending, first_published_at)
  values (p_import_id, ref_day, p_previous_id, 0, 0, 0, 0, now());

  for k in select * from qdp_analytics.per_key_tables() loop
    perform qdp_analytics.fill_per_key(k.table_name, k.keys, p_import_id, p_previous_id);
  end loop;

  update qdp_analytics.imports i set people = t.people, entries = t.entries, exits = t.exits,
    ending = t.ending
  from (
    select coalesce(sum(people), 0) as people, coalesce(sum(entries), 0) as entries,
      coalesce(sum(exits), 0) as exits, coalesce(sum(ending), 0) as ending
    from qdp_analytics.by_municipality where import_id = p_import_id
  ) t
  where i.import_id = p_import_id;

  drop table analytics_grouped;
end
$$;

revoke all on function qdp_analytics.aggregate_import(bigint,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
