-- Ends every stale unfinished import as 'failed'; returns how many. Imports are locked one by one
-- (skipping those whose row a live process holds) so that a slow but running import is never
-- failed under its own process's feet while it holds its row lock.
create or replace function qdp.fail_stale_imports() returns integer
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
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

revoke all on function qdp.fail_stale_imports() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fail_stale_imports() to public;
