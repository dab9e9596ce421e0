-- The import that users other than administrators see: the newest publication. Security definer
-- so that portal roles can know the latest without reading the publication history; stable so
-- that a policy `import_id = qdp.latest_import_id()` is evaluated once per query and can use an
-- index or prune partitions. PL/pgSQL, which keeps its plan for the connection's life: a
-- SECURITY DEFINER SQL function is never inlined and was planned on every call, several a portal
-- page (its opening, the row policies, the audit's check, the page's check: bench/README.md).
create or replace function qdp.latest_import_id() returns bigint
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select import_id from qdp.publications order by id desc limit 1);
end
$$;

revoke all on function qdp.latest_import_id() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.latest_import_id() to public;
