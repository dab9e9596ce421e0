-- Ends this session's hold on an import (qdp.register_held_import), once the import finished.
create or replace function qdp.release_import(p_import_id bigint) returns void
language sql
set search_path = pg_catalog, qdp, pg_temp
as $$
  select null::void from (select pg_advisory_unlock(727005, p_import_id::integer)) released
$$;

revoke all on function qdp.release_import(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.release_import(bigint) to public;
