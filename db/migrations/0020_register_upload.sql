-- Registration of a file that arrived in the landing bucket (functions/on-upload). S3 delivers
-- each event at least once: a second delivery of the same bytes while the first is being
-- imported must not start a second import. An import is "in flight" once on-upload has started
-- its Glue workflow run (qdp.record_workflow_run) and until it ends; an import whose function
-- died before that point never blocks a new upload of its file.
alter table qdp.imports add column workflow_run_id text;
create unique index imports_workflow_run_id_idx on qdp.imports (workflow_run_id)
  where workflow_run_id is not null;

-- Returns the in-flight import of the same bytes with status 'in_progress' and registers
-- nothing, when there is one (started less than in_flight_minutes ago); otherwise it is
-- qdp.register_import, under the same per-file lock.
create function qdp.register_upload(source_name text, sha256 text, size_bytes bigint,
                                    in_flight_minutes integer default 360)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  running bigint;
begin
  perform pg_advisory_xact_lock(727002, hashtext(register_upload.sha256));
  select i.id into running from qdp.imports i
  where i.sha256 = register_upload.sha256
    and i.status in ('loading', 'loaded')
    and i.workflow_run_id is not null
    and i.received_at > now() - make_interval(mins => in_flight_minutes)
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

-- Records the Glue workflow run that imports a loading import (the notify function finds the
-- import of a Glue job run through it).
create function qdp.record_workflow_run(p_import_id bigint, run_id text) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status <> 'loading' then
    raise exception 'import % is %, only a loading import can be given a workflow run',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  update qdp.imports set workflow_run_id = run_id where id = p_import_id;
end
$$;
