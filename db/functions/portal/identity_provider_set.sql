-- Registers (or updates) the identity provider whose ID tokens the database accepts: its issuer,
-- the portal's client id there, the claim that identifies a person, and its key set (JWKS, at
-- least one RSA key with n and e). The owner's (the migrating role, local mode, tests); an
-- administrator refreshes through qdp.portal_identity_provider_refresh. Never the login role's.
create or replace function qdp.identity_provider_set(p_issuer text, p_client_id text, p_claim text,
  p_jwks jsonb, p_by text)
returns void
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if jsonb_typeof(p_jwks -> 'keys') is distinct from 'array' or not exists (
       select 1 from jsonb_array_elements(p_jwks -> 'keys') k
       where k ->> 'kty' = 'RSA' and k ? 'n' and k ? 'e' and coalesce(k ->> 'use', 'sig') = 'sig') then
    raise exception 'the key set of % has no RSA signing key ({"keys": [{"kty": "RSA", "n": …, "e": …}]})',
      p_issuer using errcode = '22023';
  end if;
  -- One row per issuer, kept without a final slash (URL parsers add one to a bare origin; tokens
  -- and registered identities are compared the same way).
  insert into qdp.identity_providers (issuer, client_id, claim, keys, keys_updated_at, updated_by)
  values (rtrim(p_issuer, '/'), p_client_id, p_claim, p_jwks, now(), p_by)
  on conflict (issuer) do update
    set client_id = excluded.client_id, claim = excluded.claim, keys = excluded.keys,
        keys_updated_at = now(), updated_by = excluded.updated_by;
end
$$;

revoke all on function qdp.identity_provider_set(text, text, text, jsonb, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
