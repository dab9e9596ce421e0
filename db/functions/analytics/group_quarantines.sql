-- The import's quarantines grouped by municipality, GP code ('' for none) and reason, with the
-- counts every per-key table sums: the temporary table analytics_grouped (dropped at commit, or by
-- the caller when it fills several imports in one transaction). The caller checks that the
-- import's partition exists.
create or replace function qdp_analytics.group_quarantines(p_import_id bigint, p_reference_day date)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics, pg_temp
set work_mem = '256MB'
as $$
begin
  execute format($sql$
    create temporary table analytics_grouped on commit drop as
      select q.residence_istat, coalesce(q.gp_code, '') as gp_code, q.reason,
        count(*)::integer as people,
        (count(*) filter (where q.change = 'new'))::integer as entries,
        (count(*) filter (where q.change = 'extended'))::integer as extended,
        (count(*) filter (where q.change = 'shortened'))::integer as shortened,
        (count(*) filter (where q.end_date = $1))::integer as ending
      from qdp.quarantines_%1$s q
      group by q.residence_istat, q.gp_code, q.reason
  $sql$, p_import_id) using p_reference_day;
end
$$;

revoke all on function qdp_analytics.group_quarantines(bigint,date) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
