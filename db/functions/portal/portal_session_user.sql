-- The user of a session token, NULL when it is unknown, idle too long, too old, or its user is
-- disabled. Marks the session seen at most once every session_seen_seconds (0071; and at least
-- every half of session_idle_minutes), not on every request: a page commits no write to the
-- session's row. The idle limit counts from last_seen_at (here and in qdp.session_binding).
create or replace function qdp.portal_session_user(p_token_hash bytea) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  s qdp.portal_sessions;
begin
  select * into s from qdp.portal_sessions where token_hash = p_token_hash;
  if not found then
    return null;
  end if;
  if s.last_seen_at < now() - make_interval(mins => qdp.setting('session_idle_minutes')::integer)
     or s.created_at < now() - make_interval(hours => qdp.setting('session_max_hours')::integer)
     or not exists (select 1 from qdp.users u where u.id = s.user_id and not u.disabled) then
    delete from qdp.portal_sessions where token_hash = p_token_hash;
    return null;
  end if;
  if s.last_seen_at <= now() - make_interval(secs => least(
       qdp.setting('session_seen_seconds')::integer,
       qdp.setting('session_idle_minutes')::integer * 30)) then
    update qdp.portal_sessions set last_seen_at = now() where token_hash = p_token_hash;
  end if;
  return s.user_id;
end
$$;

revoke all on function qdp.portal_session_user(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_session_user(bytea) to qdp_portal;
