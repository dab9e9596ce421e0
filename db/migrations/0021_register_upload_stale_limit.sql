-- register_upload (0020) with one limit for "still being imported": the stale_import_minutes
-- setting of 0005 instead of a window of its own. Stale imports are ended first, so an import in
-- flight is one whose workflow run was started and that is not stale yet.
drop function qdp.register_upload(text, text, bigint, integer);

create function qdp.register_upload(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  running bigint;
begin
  perform qdp.fail_stale_imports();
  perform pg_advisory_xact_lock(727002, hashtext(register_upload.sha256));
  select i.id into running from qdp.imports i
  where i.sha256 = register_upload.sha256
    and i.status in ('loading', 'loaded')
    and i.workflow_run_id is not null
  order by i.id desc
  limit 1;
  if running is not null then
    return query select running, 'in_progress'::text, null::bigint;
    return;
  end if;
  return query select r.import_id, r.status, r.duplicate_of
    from qdp.register_import(register_upload.source_name, register_upload.sha256,
                             register_upload.size_bytes) r;
end
$$;
