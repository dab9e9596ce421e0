-- The one registration rule of every import path (qdp import, local mode, on-upload through
-- register_upload). Under an advisory lock on the SHA-256, after ending stale imports:
-- - an import of the same bytes still in flight is `in_progress` (its id, nothing registered): in
--   flight means `loading`/`loaded` and either a Glue workflow run was recorded for it (AWS) or a
--   live session holds it (qdp.import_is_held: the local importer registers through
--   qdp.register_held_import and holds the import until it finishes or its connection ends);
-- - an import of the same bytes that completed (published, held, rejected, discarded) makes this
--   one a `duplicate` (registered, finished at once);
-- - otherwise a new `loading` import with an empty qdp.transit_<id> partition. An unfinished import
--   that nobody holds (its process or the server stopped) never blocks the same file again.
create or replace function qdp.register_import(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  running bigint;
  earlier bigint;
  new_id bigint;
begin
  perform qdp.fail_stale_imports();
  perform pg_advisory_xact_lock(727002, hashtext(register_import.sha256));
  select i.id into running from qdp.imports i
  where i.sha256 = register_import.sha256
    and i.status in ('loading', 'loaded')
    and (i.workflow_run_id is not null or qdp.import_is_held(i.id))
  order by i.id desc
  limit 1;
  if running is not null then
    return query select running, 'in_progress'::text, null::bigint;
    return;
  end if;
  select i.id into earlier from qdp.imports i
  where i.sha256 = register_import.sha256
    and i.status in ('published', 'held', 'rejected', 'discarded')
  order by i.id
  limit 1;
  if earlier is not null then
    insert into qdp.imports as i (source_name, sha256, size_bytes, status, duplicate_of, finished_at)
    values (register_import.source_name, register_import.sha256, register_import.size_bytes,
            'duplicate', earlier, now())
    returning i.id into new_id;
    return query select new_id, 'duplicate'::text, earlier;
    return;
  end if;
  insert into qdp.imports as i (source_name, sha256, size_bytes, status)
  values (register_import.source_name, register_import.sha256, register_import.size_bytes, 'loading')
  returning i.id into new_id;
  execute format('create table qdp.transit_%s partition of qdp.transit for values in (%s)',
                 new_id, new_id);
  return query select new_id, 'loading'::text, null::bigint;
end
$$;

revoke all on function qdp.register_import(text,text,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.register_import(text,text,bigint) to public;
