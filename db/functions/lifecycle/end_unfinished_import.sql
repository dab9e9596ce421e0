-- Ends an import that did not complete its load ('loading' or 'loaded') as `new_status`, with the
-- reason; the verb names the action in the error for any other state.
create or replace function qdp.end_unfinished_import(p_import_id bigint, new_status text, reason text, verb text)
returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status not in ('loading', 'loaded') then
    raise exception 'import % is %, only a loading or loaded import can be %',
      p_import_id, current_status, verb using errcode = 'P0001';
  end if;
  update qdp.imports set status = new_status, error = end_unfinished_import.reason,
    finished_at = now()
  where id = p_import_id;
end
$$;

revoke all on function qdp.end_unfinished_import(bigint,text,text,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.end_unfinished_import(bigint,text,text,text) to public;
