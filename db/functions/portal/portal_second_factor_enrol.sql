-- Enrolment: a new, unconfirmed secret for the step's user (never over a confirmed one).
create or replace function qdp.portal_second_factor_enrol(p_token_hash bytea, p_secret text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  step record;
begin
  select * into step from qdp.portal_sign_in_step(p_token_hash);
  if step.user_id is null or step.next <> 'enrol' then
    raise exception 'no enrolment step for this token' using errcode = '42501';
  end if;
  insert into qdp.user_second_factors (user_id, secret) values (step.user_id, p_secret)
  on conflict (user_id) do update set secret = excluded.secret, created_at = now(), last_step = null
    where qdp.user_second_factors.confirmed_at is null;
end
$$;

revoke all on function qdp.portal_second_factor_enrol(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_enrol(bytea, text) to qdp_portal;
