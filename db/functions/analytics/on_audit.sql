-- Every audit entry counts one access of its day, role and action.
create or replace function qdp_analytics.on_audit() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, qdp_analytics, pg_temp
as $$
begin
  insert into qdp_analytics.accesses as a (day, role, action, count)
  values ((new.at at time zone 'Europe/Rome')::date, coalesce(new.role, ''), new.action, 1)
  on conflict (day, role, action) do update set count = a.count + 1;
  return null;
end
$$;

revoke all on function qdp_analytics.on_audit() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
