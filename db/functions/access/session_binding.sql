-- The session's user: the live portal session whose token's SHA-256 the session's opening put in
-- the transaction-local setting qdp.session_token_hash (hex, db/session.ts). It counts only while
-- the session is live (not ended, within session_idle_minutes of its last request and
-- session_max_hours of its log-in, as qdp.portal_session_user checks it), its user is not
-- disabled and belongs to the role the transaction switched to (or to that role's reader, 0072,
-- which only the owner can switch to: its tests and the benchmark read as a reader directly).
-- Inside a SECURITY DEFINER function current_user is the function's owner, so the caller's role is read from the `role`
-- setting that SET [LOCAL] ROLE sets; a session that did not switch role ('none') has no user.
-- A connection that merely sets a user id, or a hash of no live session, has no user: every
-- policy, the audit and the portal's functions see nobody. Garbage in the setting means no user,
-- never an error.
-- PL/pgSQL, not SQL: a SQL function that is not inlined (SECURITY DEFINER never is) is planned
-- on every call, and every policy, the audit and the portal's functions call this one or its
-- wrappers (current_user_id, current_gp_code, …) several times a page: planned each time the
-- three-table join cost about 0.3 ms of the database's CPU a call, more than the list's own query
-- (bench/README.md). PL/pgSQL keeps the plan for the connection's life. Without a live session
-- it answers one row of NULLs (its callers read a column of it: NULL either way).
create or replace function qdp.session_binding(
  out user_id bigint, out username text, out role text, out istat_code text, out gp_code text,
  out aggregates_only boolean)
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  token_hex text := current_setting('qdp.session_token_hash', true);
begin
  if token_hex is null or token_hex !~ '^[0-9a-f]{64}$' then
    return;
  end if;
  select u.id, u.username, u.role, u.istat_code, u.gp_code, r.aggregates_only
    into user_id, username, role, istat_code, gp_code, aggregates_only
  from qdp.portal_sessions s
  join qdp.users u on u.id = s.user_id
  join qdp.roles r on r.name = u.role
  where s.token_hash = decode(token_hex, 'hex')
    -- The limits read in the same plan (qdp.setting, a function with its own SET, cost a call
    -- each): both settings always exist (0013).
    and s.last_seen_at >= now() - make_interval(mins => (
          select value::integer from qdp.settings where key = 'session_idle_minutes'))
    and s.created_at >= now() - make_interval(hours => (
          select value::integer from qdp.settings where key = 'session_max_hours'))
    and not u.disabled
    and current_setting('role') in (r.db_role, r.db_role || '_reader');
end
$$;

revoke all on function qdp.session_binding() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
