-- At a 'code' step: the Argon2id parameters and salt of the step user's unused recovery code with
-- this selector, from which the portal computes the proof for qdp.portal_recovery_code_sign_in;
-- a stand-in (the selector's salt derived from qdp.sign_in_secret) when there is none, so that a
-- wrong selector costs the same hash. NULL without a live code step (a step whose user was locked
-- out or disabled meanwhile is live: its code then fails after the same hash).
create or replace function qdp.portal_recovery_code_params(p_token_hash bytea, p_selector text) returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select coalesce(
              (select r.code_params from qdp.user_recovery_codes r
               where r.user_id = s.user_id and r.selector = p_selector and r.used_at is null),
              qdp.argon2_stand_in((select r.code_params from qdp.user_recovery_codes r
                                   where r.user_id = s.user_id limit 1), p_selector))
            from qdp.sign_in_step_of(p_token_hash, 'code') s
            where s.user_id is not null);
end
$$;

revoke all on function qdp.portal_recovery_code_params(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_recovery_code_params(bytea, text) to qdp_portal;
