-- The step after a right password, finished with a TOTP code the database checks itself
-- (qdp.second_factor_accept_code: each code accepted once): at a 'code' step the user's confirmed
-- authenticator; at an 'enrol' step the secret being enrolled, which the code confirms, with the
-- recovery codes given then (p_selectors, p_code_hashes: whole Argon2id hashes). A right code ends
-- the step and opens the session under p_session_hash (audited `login` with its method); a wrong,
-- used or missing code is a failure counted towards the lock-out (false). Once the user is locked
-- out or disabled, every code, the right one too, is a failure (not counted) with the same answer
-- and work (issue 13 §3); the step goes on until its time ends. No live step of the kind the call
-- is for (recovery codes given: 'enrol'; none: 'code'): false.
create or replace function qdp.portal_second_factor_sign_in(p_token_hash bytea, p_code text, p_key text,
  p_session_hash bytea, p_client text, p_selectors text[] default null, p_code_hashes text[] default null)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  -- Recovery codes are given at enrolment only, and enrolment gives them.
  kind text := case when p_selectors is null then 'code' else 'enrol' end;
  who bigint := (qdp.sign_in_step_of(p_token_hash, kind)).user_id;
begin
  if who is null then
    return false;
  end if;
  if not qdp.second_factor_accept_code(who, p_code, p_key) then
    perform qdp.portal_sign_in_failed(who, 'code', p_client);
    return false;
  end if;
  if kind = 'enrol' then
    perform qdp.recovery_codes_store(who, p_selectors, p_code_hashes);
  end if;
  perform qdp.portal_sign_in_step_done(p_token_hash, p_session_hash, p_client);
  perform qdp.portal_sign_in_record(who, 'login',
    jsonb_build_object('method', case kind when 'enrol' then 'password+totp (enrolled)'
                                           else 'password+totp' end), p_client);
  return true;
end
$$;

revoke all on function qdp.portal_second_factor_sign_in(bytea, text, text, bytea, text, text[], text[]) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_sign_in(bytea, text, text, bytea, text, text[], text[]) to qdp_portal;
