-- The user of a session token, NULL when it is unknown, idle too long, too old, or its user is
-- disabled. Marks the session seen (at most once a minute: one write per minute, not per request).
create or replace function qdp.portal_session_user(p_token_hash bytea) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
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
  if s.last_seen_at < now() - interval '1 minute' then
    update qdp.portal_sessions set last_seen_at = now() where token_hash = p_token_hash;
  end if;
  return s.user_id;
end
$$;

revoke all on function qdp.portal_session_user(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_session_user(bytea) to qdp_portal;
