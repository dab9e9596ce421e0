-- Gives a claim back (publishing the message failed).
create or replace function qdp.release_notification(p_import_id bigint) returns void
language sql
set search_path = pg_catalog, qdp, pg_temp
as $$
  update qdp.imports set notified_at = null where id = p_import_id
$$;

revoke all on function qdp.release_notification(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.release_notification(bigint) to public;
