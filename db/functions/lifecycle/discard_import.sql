create or replace function qdp.discard_import(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status <> 'held' then
    raise exception 'import % is %, only a held import can be discarded',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  update qdp.imports set status = 'discarded',
    error = error || coalesce(' (discarded by ' || discard_import.by_user || ')', ' (discarded)')
  where id = p_import_id;
end
$$;

revoke all on function qdp.discard_import(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.discard_import(bigint,text) to public;
