-- An administrator's session registers the identity provider, or refreshes its keys after the
-- provider rotated them (the portal fetched the key set from the provider's jwks_uri): audited
-- `provider.keys` with the key ids. Every other role and a connection without an administrator's
-- live session are refused, naming the action.
create or replace function qdp.portal_identity_provider_refresh(p_issuer text, p_client_id text,
  p_claim text, p_jwks jsonb, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  admin_name text := qdp.portal_admin_username(format('refresh the keys of identity provider %s', p_issuer));
begin
  perform qdp.identity_provider_set(p_issuer, p_client_id, p_claim, p_jwks, admin_name);
  perform qdp.audit('provider.keys', null, null,
    jsonb_build_object('issuer', rtrim(p_issuer, '/'), 'client_id', p_client_id, 'claim', p_claim,
      'kids', (select coalesce(jsonb_agg(k -> 'kid'), '[]') from jsonb_array_elements(p_jwks -> 'keys') k)),
    p_client);
end
$$;

revoke all on function qdp.portal_identity_provider_refresh(text, text, text, jsonb, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_identity_provider_refresh(text, text, text, jsonb, text) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
