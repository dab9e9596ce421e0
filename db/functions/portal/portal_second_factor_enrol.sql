-- Enrolment at sign-in (a right password, its role needing a second factor and none confirmed): a
-- new, unconfirmed secret for the step's user, stored encrypted with the portal's key (also for a
-- user locked out or disabled meanwhile, whose code then fails as a wrong one: issue 13 §3).
create or replace function qdp.portal_second_factor_enrol(p_token_hash bytea, p_secret bytea, p_key text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  who bigint := (qdp.sign_in_step_of(p_token_hash, 'enrol')).user_id;
begin
  if who is null then
    raise exception 'no enrolment step for this token' using errcode = '42501';
  end if;
  perform qdp.second_factor_enrol_for(who, p_secret, p_key);
end
$$;

revoke all on function qdp.portal_second_factor_enrol(bytea, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_enrol(bytea, bytea, text) to qdp_portal;
