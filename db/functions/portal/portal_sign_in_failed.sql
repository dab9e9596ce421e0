-- A failed password, code or recovery code. The same statement runs whether the user exists or
-- not, is locked or not (the answer and its time must not tell them apart): a known, enabled,
-- unlocked user's failure is counted by portal_login_failed (login_max_failures locks it for
-- login_lockout_minutes), and the attempt is audited: the method, and for a known user who could
-- not sign in anyway the reason ('locked', 'disabled user'), which the answer never says. A
-- lock-out does not end the user's pending step: its codes fail as wrong ones do until its time
-- ends (an ended step would tell).
create or replace function qdp.portal_sign_in_failed(p_user_id bigint, p_method text, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  refused text := (select case when u.disabled then 'disabled user'
                               when u.locked_until > now() then 'locked' end
                   from qdp.users u where u.id = p_user_id);
begin
  if p_method not in ('password', 'code', 'recovery') then
    raise exception 'unknown sign-in method "%": expected password, code or recovery', p_method
      using errcode = '22023';
  end if;
  if qdp.user_may_sign_in(p_user_id) then
    perform qdp.portal_login_failed(p_user_id);
  end if;
  perform qdp.portal_sign_in_record(p_user_id, 'login.failed',
    jsonb_strip_nulls(jsonb_build_object('method', p_method, 'reason', refused)), p_client);
end
$$;

revoke all on function qdp.portal_sign_in_failed(bigint, text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- the sign-in functions.
