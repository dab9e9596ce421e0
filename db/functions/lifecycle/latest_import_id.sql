-- The import that users other than administrators see: the newest publication. Security definer
-- so that portal roles can know the latest without reading the publication history; stable so
-- that a policy `import_id = qdp.latest_import_id()` is evaluated once per query and can use an
-- index or prune partitions.
create or replace function qdp.latest_import_id() returns bigint
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select import_id from qdp.publications order by id desc limit 1
$$;

revoke all on function qdp.latest_import_id() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.latest_import_id() to public;
