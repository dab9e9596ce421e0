-- A TOTP code of the user's authenticator, checked by the database (qdp.totp_step) and accepted
-- once: its time step must be later than every step accepted before, so a code, once used, is
-- refused. The first accepted code confirms an authenticator being enrolled. Two racing uses of
-- one code: the row lock lets one win. A user who may not sign in now (locked out, disabled:
-- qdp.user_may_sign_in) gets the same check and no code accepted, the right one neither (the
-- answer and its time must not tell, issue 13 §3).
create or replace function qdp.second_factor_accept_code(p_user_id bigint, p_code text, p_key text)
returns boolean
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  after bigint;
  step bigint;
begin
  select f.last_step into after from qdp.user_second_factors f where f.user_id = p_user_id for update;
  if not found then
    return false;
  end if;
  step := qdp.totp_step(qdp.second_factor_secret(p_user_id, p_key), p_code, after);
  if step is null or not qdp.user_may_sign_in(p_user_id) then
    return false;
  end if;
  update qdp.user_second_factors
  set last_step = step, confirmed_at = coalesce(confirmed_at, now())
  where user_id = p_user_id;
  return true;
end
$$;

revoke all on function qdp.second_factor_accept_code(bigint, text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
