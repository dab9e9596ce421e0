-- A failed password, code or recovery code. The same statement runs whether the user exists or
-- not, is locked or not (the answer and its time must not tell them apart): a known, enabled,
-- unlocked user's failure is counted by portal_login_failed (login_max_failures locks it for
-- login_lockout_minutes; its pending step ends then too), and the attempt is audited.
create or replace function qdp.portal_sign_in_failed(p_user_id bigint, p_method text, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
begin
  if p_method not in ('password', 'code', 'recovery') then
    raise exception 'unknown sign-in method "%": expected password, code or recovery', p_method
      using errcode = '22023';
  end if;
  if exists (select 1 from qdp.users
             where id = p_user_id and not disabled and coalesce(locked_until <= now(), true))
     and qdp.portal_login_failed(p_user_id) then
    delete from qdp.portal_sign_in_steps where user_id = p_user_id;
  end if;
  perform qdp.portal_sign_in_record(p_user_id, 'login.failed',
    jsonb_build_object('method', p_method), p_client);
end
$$;

revoke all on function qdp.portal_sign_in_failed(bigint, text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- the sign-in functions.
