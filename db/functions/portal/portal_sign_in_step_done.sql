-- The step done (a code accepted, or enrolment confirmed): the step ends and a session opens under
-- a new token, as after a password alone (0013's portal_login_succeeded).
create or replace function qdp.portal_sign_in_step_done(p_token_hash bytea, p_session_hash bytea, p_client text)
returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  who bigint;
begin
  delete from qdp.portal_sign_in_steps where token_hash = p_token_hash returning user_id into who;
  if who is null then
    raise exception 'no sign-in step for this token' using errcode = '42501';
  end if;
  perform qdp.portal_login_succeeded(who, p_session_hash, p_client);
  return who;
end
$$;

revoke all on function qdp.portal_sign_in_step_done(bytea, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- the second-factor sign-in functions, after a verified code.
