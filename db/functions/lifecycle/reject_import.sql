-- File-level rejection by the reader (unreadable, missing columns, too large...).
create or replace function qdp.reject_import(p_import_id bigint, reason text) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  perform qdp.end_unfinished_import(p_import_id, 'rejected', reject_import.reason, 'rejected');
  insert into qdp.rejects (import_id, line_no, field, reason)
  values (p_import_id, 0, null, reject_import.reason);
end
$$;

revoke all on function qdp.reject_import(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.reject_import(bigint,text) to public;
