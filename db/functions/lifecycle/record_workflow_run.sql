-- Records the Glue workflow run that imports a loading import (the notify function finds the
-- import of a Glue job run through it).
create or replace function qdp.record_workflow_run(p_import_id bigint, run_id text) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status <> 'loading' then
    raise exception 'import % is %, only a loading import can be given a workflow run',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  update qdp.imports set workflow_run_id = run_id where id = p_import_id;
end
$$;

revoke all on function qdp.record_workflow_run(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.record_workflow_run(bigint,text) to public;
