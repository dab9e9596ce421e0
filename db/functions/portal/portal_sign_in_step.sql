-- The live step of a token (none when unknown, older than sign_in_step_minutes, or its user is
-- disabled or locked): whose it is and what it asks for. The authenticator's secret is not
-- returned: the database checks codes itself.
create or replace function qdp.portal_sign_in_step(p_token_hash bytea)
returns table (user_id bigint, username text, next text)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select s.user_id, u.username, s.next
  from qdp.portal_sign_in_steps s
  join qdp.users u on u.id = s.user_id and not u.disabled and coalesce(u.locked_until <= now(), true)
  where s.token_hash = p_token_hash
    and s.created_at >= now() - make_interval(mins => qdp.setting('sign_in_step_minutes')::integer)
$$;

revoke all on function qdp.portal_sign_in_step(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_sign_in_step(bytea) to qdp_portal;
