-- Makes an earlier published import the latest again. Nothing is rewritten: the quarantines of
-- that import show what its file said, while qdp.patients keeps the newest personal data.
create or replace function qdp.rollback_to(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  current_status text;
begin
  perform pg_advisory_xact_lock(727003, 0);
  current_status := qdp.lock_import(p_import_id);
  if current_status <> 'published' then
    raise exception 'import % is %, only a published import can be rolled back to',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  if qdp.latest_import_id() = p_import_id then
    raise exception 'import % is already the latest', p_import_id using errcode = 'P0001';
  end if;
  insert into qdp.publications (import_id, action, by_user)
  values (p_import_id, 'rollback', rollback_to.by_user);
end
$$;

revoke all on function qdp.rollback_to(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.rollback_to(bigint,text) to public;
