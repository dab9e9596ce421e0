-- A wrong password: counts it, and locks the account at login_max_failures. Returns true when the
-- account is now locked.
create or replace function qdp.portal_login_failed(p_user_id bigint) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  failures integer;
  max_failures integer := qdp.setting('login_max_failures')::integer;
begin
  update qdp.users set failed_logins = failed_logins + 1
  where id = p_user_id
  returning failed_logins into failures;
  if failures >= max_failures then
    update qdp.users set failed_logins = 0,
      locked_until = now() + make_interval(mins => qdp.setting('login_lockout_minutes')::integer)
    where id = p_user_id;
    return true;
  end if;
  return false;
end
$$;

revoke all on function qdp.portal_login_failed(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- the sign-in functions, which verify the proof first.
