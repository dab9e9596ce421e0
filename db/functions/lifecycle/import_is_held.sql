-- Whether a live session holds import p_import_id (the session advisory lock 727005/<id> that
-- qdp.register_held_import takes): the importing process is still at work. The lock ends with its
-- session, so a killed importer or a restarted server holds nothing.
create or replace function qdp.import_is_held(p_import_id bigint) returns boolean
language sql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select exists (
    select from pg_locks l
    where l.locktype = 'advisory' and l.granted
      and l.database = (select oid from pg_database where datname = current_database())
      and l.classid = 727005 and l.objid = p_import_id::oid and l.objsubid = 2
  )
$$;

revoke all on function qdp.import_is_held(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.import_is_held(bigint) to public;
