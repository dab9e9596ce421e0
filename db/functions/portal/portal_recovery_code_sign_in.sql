-- A 'code' step finished with a recovery code instead of a TOTP code: p_proof is the Argon2id
-- output of the typed code with qdp.portal_recovery_code_params; its SHA-256 must be the stored
-- verifier of the step user's unused code with that selector. The code is then used (once: two
-- racing uses, one wins), the step ends and the session opens under p_session_hash (audited
-- `login`, method password+recovery). Anything else is a failure counted towards the lock-out; the
-- right code of a user locked out or disabled meanwhile is a failure too (not counted, the code not
-- used: the same answer and work as a wrong code, issue 13 §3).
create or replace function qdp.portal_recovery_code_sign_in(p_token_hash bytea, p_selector text,
  p_proof bytea, p_session_hash bytea, p_client text)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  who bigint := (qdp.sign_in_step_of(p_token_hash, 'code')).user_id;
begin
  if who is null then
    return false;
  end if;
  update qdp.user_recovery_codes r set used_at = now()
  where r.user_id = who and r.selector = p_selector and r.used_at is null
    and qdp.argon2_proof_valid(p_proof, r.code_verifier) and qdp.user_may_sign_in(who);
  if not found then
    perform qdp.portal_sign_in_failed(who, 'recovery', p_client);
    return false;
  end if;
  perform qdp.portal_sign_in_step_done(p_token_hash, p_session_hash, p_client);
  perform qdp.portal_sign_in_record(who, 'login',
    jsonb_build_object('method', 'password+recovery'), p_client);
  return true;
end
$$;

revoke all on function qdp.portal_recovery_code_sign_in(bytea, text, bytea, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_recovery_code_sign_in(bytea, text, bytea, bytea, text) to qdp_portal;
