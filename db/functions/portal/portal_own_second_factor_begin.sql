-- In your own session, a local account whose role does not require a second factor enrols one of
-- its own accord: an enrolment step for the session's user under p_step_hash, finished as at
-- sign-in (qdp.portal_second_factor_enrol, qdp.portal_second_factor_sign_in: a right code
-- confirms the secret, stores the recovery codes and opens a session). Refused without a live
-- session, for an account without a password, over a confirmed authenticator (an
-- administrator's reset replaces one), and while the account is locked out.
create or replace function qdp.portal_own_second_factor_begin(p_step_hash bytea) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  has_factor boolean := qdp.portal_own_second_factor();
begin
  if qdp.current_user_id() is null then
    raise exception 'enrol a second factor: no live session' using errcode = '42501';
  elsif has_factor is null then
    raise exception 'enrol a second factor: only an account with a password has one here'
      using errcode = '42501';
  elsif has_factor then
    raise exception 'enrol a second factor: this account has one already (an administrator resets it)'
      using errcode = '42501';
  end if;
  -- Refused with 55000 while the account is locked out (wrong passwords typed elsewhere): the
  -- step could never finish, and its own session may know why (the portal's page says it).
  perform qdp.portal_sign_in_step_begin(qdp.current_user_id(), p_step_hash, 'enrol');
end
$$;

revoke all on function qdp.portal_own_second_factor_begin(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_own_second_factor_begin(bytea) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
