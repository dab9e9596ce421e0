-- The publication hook: aggregates each published import for the dashboards. An import without
-- a quarantines partition (publications written directly, as the access-policy fixtures do,
-- before their partitions) must never make publishing fail because of the dashboards. Such an import gets no aggregates (and
-- its publication no analytics row); the next import's exits then count from the last aggregated.
create or replace function qdp_analytics.on_publication() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, qdp_analytics, pg_temp
as $$
declare
  previous_id bigint;
begin
  if to_regclass(format('qdp.quarantines_%s', new.import_id)) is null then
    return null;
  end if;
  if not exists (select 1 from qdp_analytics.imports where import_id = new.import_id) then
    select p.import_id into previous_id from qdp.publications p
    join qdp_analytics.imports a on a.import_id = p.import_id
    where p.id < new.id order by p.id desc limit 1;
    perform qdp_analytics.aggregate_import(new.import_id, previous_id);
  end if;
  insert into qdp_analytics.publications (publication_id, import_id, action, at)
  values (new.id, new.import_id, new.action, new.at);
  return null;
end
$$;

revoke all on function qdp_analytics.on_publication() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
