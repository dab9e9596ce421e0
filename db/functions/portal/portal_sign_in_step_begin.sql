-- A right password whose user needs a second factor: the step (`code` or `enrol`) under a new
-- token. Earlier steps of the user end.
create or replace function qdp.portal_sign_in_step_begin(p_user_id bigint, p_token_hash bytea, p_next text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if not qdp.user_may_sign_in(p_user_id) then
    -- 55000: the portal's page for an enrolment begun in a live session whose account is locked
    -- out meanwhile (portal/queries/account.ts ENROLMENT_LOCKED_OUT).
    raise exception 'user % is disabled or locked out', p_user_id using errcode = '55000';
  end if;
  delete from qdp.portal_sign_in_steps
  where user_id = p_user_id
     or created_at < now() - make_interval(mins => qdp.setting('sign_in_step_minutes')::integer);
  insert into qdp.portal_sign_in_steps (token_hash, user_id, next) values (p_token_hash, p_user_id, p_next);
end
$$;

revoke all on function qdp.portal_sign_in_step_begin(bigint, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it:
-- qdp.portal_password_sign_in, after a verified password.
