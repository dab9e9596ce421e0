-- Registration for an importer that does the whole import itself on one database session (qdp
-- import, local mode): qdp.register_import, and for a new `loading` import the session's hold on
-- it, taken in the same transaction (before the SHA-256 lock is released), so a concurrent
-- registration of the same bytes sees it `in_progress`. The hold is a session advisory lock:
-- qdp.release_import ends it, and so does the end of the session (crash, kill, server restart).
create or replace function qdp.register_held_import(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  registered record;
begin
  select * into registered
  from qdp.register_import(register_held_import.source_name, register_held_import.sha256,
                           register_held_import.size_bytes) r;
  if registered.status = 'loading' then
    perform pg_advisory_lock(727005, registered.import_id::integer);
  end if;
  return query select registered.import_id, registered.status, registered.duplicate_of;
end
$$;

revoke all on function qdp.register_held_import(text,text,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.register_held_import(text,text,bigint) to public;
