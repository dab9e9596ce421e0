-- An importing process that dies between registering a file and finishing it (a killed `qdp
-- import`, a Glue job that never reported) leaves its import 'loading' or 'loaded' forever: the
-- database rolled its work back, but nobody is left to say so. Every registration ends such
-- imports older than a named limit as 'failed', so the history says what happened and an admin
-- never waits on a file that is not coming.

insert into qdp.settings (key, value, description) values
  ('stale_import_minutes', '180',
   'An import still loading or loaded this many minutes after it was received is ended as failed (its importing process stopped); checked at every registration and by qdp imports.');

-- Ends every stale unfinished import as 'failed'; returns how many. Imports are locked one by one
-- (skipping those whose row a live process holds) so that a slow but running import is never
-- failed under its own process's feet while it holds its row lock.
create function qdp.fail_stale_imports() returns integer
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  minutes integer := qdp.setting('stale_import_minutes')::integer;
  ended integer;
begin
  if minutes is null or minutes < 1 then
    raise exception 'setting stale_import_minutes must be a whole number of minutes of at least 1, not %',
      coalesce(minutes::text, 'empty') using errcode = '22023';
  end if;
  with stale as (
    select id from qdp.imports
    where status in ('loading', 'loaded')
      and received_at < now() - make_interval(mins => minutes)
    for update skip locked
  )
  update qdp.imports i
  set status = 'failed', finished_at = now(),
    error = format('the importing process stopped: still %s %s minutes after the file was received',
                   i.status, minutes)
  from stale
  where i.id = stale.id;
  get diagnostics ended = row_count;
  return ended;
end
$$;

-- register_import as in 0003, with the stale imports ended first.
create or replace function qdp.register_import(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  earlier bigint;
  new_id bigint;
begin
  perform qdp.fail_stale_imports();
  perform pg_advisory_xact_lock(727002, hashtext(register_import.sha256));
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
