-- The session's user: the live portal session whose token's SHA-256 the session's opening put in
-- the transaction-local setting qdp.session_token_hash (hex, db/session.ts). It counts only while
-- the session is live (not ended, within session_idle_minutes of its last request and
-- session_max_hours of its log-in, as qdp.portal_session_user checks it), its user is not
-- disabled and belongs to the role the transaction switched to. Inside a SECURITY DEFINER
-- function current_user is the function's owner, so the caller's role is read from the `role`
-- setting that SET [LOCAL] ROLE sets; a session that did not switch role ('none') has no user.
-- A connection that merely sets a user id, or a hash of no live session, has no user: every
-- policy, the audit and the portal's functions see nobody. Garbage in the setting means no user,
-- never an error.
create or replace function qdp.session_binding(
  out user_id bigint, out username text, out role text, out istat_code text, out gp_code text,
  out aggregates_only boolean)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select u.id, u.username, u.role, u.istat_code, u.gp_code, r.aggregates_only
  from qdp.portal_sessions s
  join qdp.users u on u.id = s.user_id
  join qdp.roles r on r.name = u.role
  where s.token_hash = (select case when h ~ '^[0-9a-f]{64}$' then decode(h, 'hex') end
                        from (select current_setting('qdp.session_token_hash', true) as h) setting)
    and s.last_seen_at >= now() - make_interval(mins => qdp.setting('session_idle_minutes')::integer)
    and s.created_at >= now() - make_interval(hours => qdp.setting('session_max_hours')::integer)
    and not u.disabled
    and r.db_role = current_setting('role')
$$;

revoke all on function qdp.session_binding() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
