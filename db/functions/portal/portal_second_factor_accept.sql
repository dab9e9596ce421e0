-- A right code's time step, accepted once: true when it is later than every step accepted before
-- (so a code, once used, is refused), and the step's authenticator is then confirmed. At
-- enrolment the recovery codes (selectors and Argon2id hashes) replace any earlier ones.
create or replace function qdp.portal_second_factor_accept(p_token_hash bytea, p_step bigint,
  p_selectors text[] default null, p_code_hashes text[] default null)
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
  update qdp.user_second_factors
  set last_step = p_step, confirmed_at = coalesce(confirmed_at, now())
  where user_id = step.user_id and (last_step is null or last_step < p_step);
  if not found then
    return false;
  end if;
  if p_selectors is not null then
    if step.next <> 'enrol' then
      raise exception 'recovery codes are given at enrolment only' using errcode = '42501';
    end if;
    delete from qdp.user_recovery_codes where user_id = step.user_id;
    insert into qdp.user_recovery_codes (user_id, selector, code_hash)
    select step.user_id, s, h from unnest(p_selectors, p_code_hashes) as c (s, h);
  end if;
  return true;
end
$$;

revoke all on function qdp.portal_second_factor_accept(bytea, bigint, text[], text[]) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_accept(bytea, bigint, text[], text[]) to qdp_portal;
