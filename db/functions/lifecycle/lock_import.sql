-- Raises unless the import exists; returns its status, locking its row.
create or replace function qdp.lock_import(p_import_id bigint) returns text
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  found_status text;
begin
  select status into found_status from qdp.imports where id = p_import_id for update;
  if not found then
    raise exception 'import % does not exist', p_import_id using errcode = 'P0002';
  end if;
  return found_status;
end
$$;

revoke all on function qdp.lock_import(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.lock_import(bigint) to public;
