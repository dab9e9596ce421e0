-- The session's user: qdp.user_id (set_config(..., true), transaction-local) names it, and it
-- counts only if the user exists, is not disabled and belongs to the role the transaction switched
-- to. Inside a SECURITY DEFINER function current_user is the function's owner, so the caller's
-- role is read from the `role` setting that SET [LOCAL] ROLE sets; a session that did not switch
-- role ('none') has no user. Garbage in qdp.user_id means no user, never an error.
create or replace function qdp.session_binding(
  out user_id bigint, out username text, out role text, out istat_code text, out gp_code text,
  out aggregates_only boolean)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select u.id, u.username, u.role, u.istat_code, u.gp_code, r.aggregates_only
  from qdp.users u
  join qdp.roles r on r.name = u.role
  where u.id = (select case when s ~ '^[0-9]{1,18}$' then s::bigint end
                from (select current_setting('qdp.user_id', true) as s) setting)
    and not u.disabled
    and r.db_role = current_setting('role')
$$;

revoke all on function qdp.session_binding() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
