-- A right password: opens a session under a new token (never one the browser brought: no session
-- fixation) and clears the failure count. Refused for a disabled or locked account.
create or replace function qdp.portal_login_succeeded(p_user_id bigint, p_token_hash bytea, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  update qdp.users set failed_logins = 0, locked_until = null
  where id = p_user_id and not disabled and coalesce(locked_until <= now(), true);
  if not found then
    raise exception 'user % is disabled or locked out', p_user_id using errcode = '42501';
  end if;
  insert into qdp.portal_sessions (token_hash, user_id, client_address)
  values (p_token_hash, p_user_id, p_client);
end
$$;

revoke all on function qdp.portal_login_succeeded(bigint,bytea,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- the sign-in functions, after the database verified a proof (password, code, provider token).
