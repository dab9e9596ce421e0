-- The audit log is append-only: rows are written only by qdp.audit(), never changed, and deleted
-- only by the retention purge, which sets the transaction-local qdp.purging = 'on', and never
-- while younger than audit_retention_months (at least 24 months, DESIGN §6).
create or replace function qdp.audit_log_append_only() returns trigger
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'the audit log is append-only: UPDATE is refused' using errcode = '42501';
  elsif tg_op = 'TRUNCATE' then
    raise exception 'the audit log is append-only: TRUNCATE is refused' using errcode = '42501';
  elsif coalesce(current_setting('qdp.purging', true), '') <> 'on' then
    raise exception 'the audit log is append-only: DELETE is allowed only to the retention purge (qdp.purging = on)'
      using errcode = '42501';
  elsif old.at >= now() - make_interval(months => qdp.setting('audit_retention_months')::integer) then
    raise exception 'the audit log keeps entries for audit_retention_months (% months): entry % of % is younger',
      qdp.setting('audit_retention_months'), old.id, old.at using errcode = '42501';
  end if;
  return old;
end
$$;

revoke all on function qdp.audit_log_append_only() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
