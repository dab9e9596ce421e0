-- A provider sign-in refused before any identity was known (a state that does not match, a
-- refused code, a token that does not pass): audited with the reason only.
create or replace function qdp.portal_provider_refused(p_reason text, p_client text) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  perform qdp.portal_sign_in_record(null, 'login.refused',
    jsonb_build_object('method', 'provider', 'reason', p_reason), p_client);
end
$$;

revoke all on function qdp.portal_provider_refused(text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_provider_refused(text, text) to qdp_portal;
