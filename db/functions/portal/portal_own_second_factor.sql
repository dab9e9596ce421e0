-- In your own session: whether your local account has a confirmed authenticator (true), has none
-- yet (false), or cannot have one (NULL: an account without a password signs in through the
-- identity provider, whose own factors apply). No live session: NULL.
create or replace function qdp.portal_own_second_factor() returns boolean
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  select exists (select 1 from qdp.user_second_factors f
                 where f.user_id = u.id and f.confirmed_at is not null)
  from qdp.users u
  where u.id = qdp.current_user_id() and u.password_verifier is not null
$$;

revoke all on function qdp.portal_own_second_factor() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_own_second_factor() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
