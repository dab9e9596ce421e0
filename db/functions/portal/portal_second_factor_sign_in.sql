-- The step after a right password, finished with a TOTP code the database checks itself
-- (qdp.second_factor_accept_code: each code accepted once): at a 'code' step the user's confirmed
-- authenticator; at an 'enrol' step the secret being enrolled, which the code confirms, with the
-- recovery codes given then (p_selectors, p_code_hashes: whole Argon2id hashes). A right code ends
-- the step and opens the session under p_session_hash (audited `login` with its method); a wrong,
-- used or missing code is a failure counted towards the lock-out (false). No live step: false.
create or replace function qdp.portal_second_factor_sign_in(p_token_hash bytea, p_code text, p_key text,
  p_session_hash bytea, p_client text, p_selectors text[] default null, p_code_hashes text[] default null)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  step record;
begin
  select * into step from qdp.portal_sign_in_step(p_token_hash);
  if step.user_id is null then
    return false;
  end if;
  if step.next = 'enrol' and p_selectors is null then
    raise exception 'enrolment gives recovery codes' using errcode = '22023';
  end if;
  if step.next = 'code' and p_selectors is not null then
    raise exception 'recovery codes are given at enrolment only' using errcode = '42501';
  end if;
  if not qdp.second_factor_accept_code(step.user_id, p_code, p_key) then
    perform qdp.portal_sign_in_failed(step.user_id, 'code', p_client);
    return false;
  end if;
  if step.next = 'enrol' then
    perform qdp.recovery_codes_store(step.user_id, p_selectors, p_code_hashes);
  end if;
  perform qdp.portal_sign_in_step_done(p_token_hash, p_session_hash, p_client);
  perform qdp.portal_sign_in_record(step.user_id, 'login',
    jsonb_build_object('method', case step.next when 'enrol' then 'password+totp (enrolled)'
                                                else 'password+totp' end), p_client);
  return true;
end
$$;

revoke all on function qdp.portal_second_factor_sign_in(bytea, text, text, bytea, text, text[], text[]) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_sign_in(bytea, text, text, bytea, text, text[], text[]) to qdp_portal;
