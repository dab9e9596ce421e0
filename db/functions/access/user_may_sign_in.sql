-- Whether a user may sign in now: the account exists, is not disabled and not locked out
-- (login_max_failures wrong passwords or codes lock it for login_lockout_minutes). The sign-in
-- functions ask it only after the same work for every user, so that the answer's time does not
-- tell (issue 13 §3).
create or replace function qdp.user_may_sign_in(p_user_id bigint) returns boolean
language sql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select exists (select 1 from qdp.users u
                 where u.id = p_user_id and not u.disabled and coalesce(u.locked_until <= now(), true))
$$;

revoke all on function qdp.user_may_sign_in(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
