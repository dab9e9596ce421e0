-- Unexpected errors: the import did not complete, so the same file may be imported again.
create or replace function qdp.fail_import(p_import_id bigint, reason text) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  perform qdp.end_unfinished_import(p_import_id, 'failed', fail_import.reason, 'failed');
end
$$;

revoke all on function qdp.fail_import(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fail_import(bigint,text) to public;
