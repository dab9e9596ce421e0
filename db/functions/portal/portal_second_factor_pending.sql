-- The secret being enrolled in an enrolment step (to show it again after a wrong code); NULL when
-- the step is not an enrolment or nothing is pending. A confirmed secret is never returned.
create or replace function qdp.portal_second_factor_pending(p_token_hash bytea, p_key text) returns bytea
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  return (select qdp.second_factor_secret(s.user_id, p_key)
            from qdp.sign_in_step_of(p_token_hash, 'enrol') s
            join qdp.user_second_factors f on f.user_id = s.user_id and f.confirmed_at is null);
end
$$;

revoke all on function qdp.portal_second_factor_pending(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_second_factor_pending(bytea, text) to qdp_portal;
