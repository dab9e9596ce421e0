-- Called in the transaction that COPYs the rows, so that "loaded" always means "all rows are in".
create or replace function qdp.mark_loaded(p_import_id bigint) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
  total integer;
begin
  if current_status <> 'loading' then
    raise exception 'import % is %, only a loading import can be marked loaded',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  execute format('select count(*) from qdp.transit_%s', p_import_id) into total;
  update qdp.imports set status = 'loaded', loaded_at = now(), rows_total = total
  where id = p_import_id;
end
$$;

revoke all on function qdp.mark_loaded(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.mark_loaded(bigint) to public;
