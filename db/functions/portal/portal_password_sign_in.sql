-- Password sign-in, verified by the database: p_proof is the Argon2id output the portal computed
-- from the typed password with qdp.portal_password_params; its SHA-256 must be the user's stored
-- verifier (0052). A right proof of an enabled, unlocked user clears the failure count and then
-- either opens a session under p_token_hash ('session', audited `login`) or, when the user has an
-- authenticator or its role needs one (setting second_factor_roles), begins the step under
-- p_token_hash ('code' or 'enrol'). Anything else is one failure, recorded by the same statement
-- for a known user (counted towards the lock-out unless locked or disabled, and audited with that
-- reason) and an unknown one: 'failed'. Without the
-- password nobody (the login role included) can open a session or a step.
create or replace function qdp.portal_password_sign_in(p_username text, p_proof bytea,
  p_token_hash bytea, p_client text)
returns text
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  who record;
  outcome text;
begin
  select u.id, u.role, u.password_verifier, qdp.user_may_sign_in(u.id) as may_sign_in,
         exists (select 1 from qdp.user_second_factors f
                 where f.user_id = u.id and f.confirmed_at is not null) as has_factor
    into who
  from qdp.users u
  where u.username = p_username;
  if who.id is null or not who.may_sign_in
     or not qdp.argon2_proof_valid(p_proof, who.password_verifier) then
    perform qdp.portal_sign_in_failed(who.id, 'password', p_client);
    return 'failed';
  end if;
  outcome := case
    when who.has_factor then 'code'
    when who.role = any (string_to_array(replace(qdp.setting('second_factor_roles'), ' ', ''), ','))
      then 'enrol'
    else 'session'
  end;
  if outcome = 'session' then
    perform qdp.portal_login_succeeded(who.id, p_token_hash, p_client);
    perform qdp.portal_sign_in_record(who.id, 'login', jsonb_build_object('method', 'password'), p_client);
  else
    perform qdp.portal_sign_in_step_begin(who.id, p_token_hash, outcome);
  end if;
  return outcome;
end
$$;

revoke all on function qdp.portal_password_sign_in(text, bytea, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_password_sign_in(text, bytea, bytea, text) to qdp_portal;
