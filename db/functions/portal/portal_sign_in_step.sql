-- The live step of a token (qdp.sign_in_step_of: none when unknown, done, or older than
-- sign_in_step_minutes): whose it is and what it asks for. A step whose user was locked out or
-- disabled meanwhile is still shown; its codes fail as wrong ones do. The authenticator's secret
-- is not returned: the database checks codes itself.
create or replace function qdp.portal_sign_in_step(p_token_hash bytea)
returns table (user_id bigint, username text, next text)
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  select s.user_id, u.username, s.next
  from qdp.sign_in_step_of(p_token_hash, null) s
  join qdp.users u on u.id = s.user_id
$$;

revoke all on function qdp.portal_sign_in_step(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_sign_in_step(bytea) to qdp_portal;
