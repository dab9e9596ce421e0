-- on-upload's registration (S3 delivers an event at least once): the one rule,
-- qdp.register_import (an import of the same bytes whose Glue workflow run was recorded and that
-- is not stale is `in_progress`).
create or replace function qdp.register_upload(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return query select r.import_id, r.status, r.duplicate_of
    from qdp.register_import(register_upload.source_name, register_upload.sha256,
                             register_upload.size_bytes) r;
end
$$;

revoke all on function qdp.register_upload(text,text,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.register_upload(text,text,bigint) to public;
