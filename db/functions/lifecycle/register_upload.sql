-- on-upload's registration (S3 delivers an event at least once): stale imports are ended first,
-- then an import of the same SHA-256 still loading with a workflow run is `in_progress`; anything
-- else registers as qdp.register_import does.
create or replace function qdp.register_upload(source_name text, sha256 text, size_bytes bigint)
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

revoke all on function qdp.register_upload(text,text,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.register_upload(text,text,bigint) to public;
