-- An OpenID Connect ID token checked by the database (OpenID Connect Core §3.1.3.7): a compact JWS
-- signed RS256 by one of the registered provider's keys (qdp.identity_providers, written only by
-- the owner or an administrator's session), whose `iss` is that provider, whose `aud` is (or
-- holds) its client id, not expired, not issued in the future (60 s of clock skew). The claims on
-- success, or the reason of the refusal (never an error: the caller records it).
create or replace function qdp.id_token_verified(p_token text, out issuer text, out claims jsonb,
  out refusal text)
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  parts text[] := string_to_array(p_token, '.');
  header jsonb;
  signature bytea;
  provider qdp.identity_providers;
  key jsonb;
  signed boolean := false;
  now_s numeric := extract(epoch from now());
begin
  begin
    if cardinality(parts) <> 3 or length(p_token) > 16384 then
      raise exception 'malformed';
    end if;
    header := convert_from(qdp.base64url_decode(parts[1]), 'UTF8')::jsonb;
    claims := convert_from(qdp.base64url_decode(parts[2]), 'UTF8')::jsonb;
    signature := qdp.base64url_decode(parts[3]);
    if jsonb_typeof(header) <> 'object' or jsonb_typeof(claims) <> 'object' then
      raise exception 'malformed';
    end if;
  exception when others then
    claims := null;
    refusal := 'malformed token';
    return;
  end;
  if header ->> 'alg' is distinct from 'RS256' then
    refusal := format('signature algorithm %s refused: RS256 only', coalesce(header ->> 'alg', 'none'));
    claims := null;
    return;
  end if;
  -- An issuer that is a bare origin may be written with or without its final slash.
  select * into provider from qdp.identity_providers p
  where rtrim(p.issuer, '/') = rtrim(claims ->> 'iss', '/');
  if provider.issuer is null then
    refusal := 'issuer not registered';
    claims := null;
    return;
  end if;
  for key in
    select k from jsonb_array_elements(provider.keys -> 'keys') k
    where k ->> 'kty' = 'RSA' and coalesce(k ->> 'use', 'sig') = 'sig'
      and (header ->> 'kid' is null or k ->> 'kid' = header ->> 'kid')
  loop
    begin
      signed := qdp.rs256_valid(convert_to(parts[1] || '.' || parts[2], 'UTF8'), signature,
                                qdp.base64url_decode(key ->> 'n'), qdp.base64url_decode(key ->> 'e'));
    exception when others then
      signed := false;
    end;
    exit when signed;
  end loop;
  if not signed then
    refusal := 'signature not made by a registered key of the provider (if it rotated its keys, an administrator refreshes them)';
  elsif not (claims -> 'aud' = to_jsonb(provider.client_id)
             or (jsonb_typeof(claims -> 'aud') = 'array' and claims -> 'aud' ? provider.client_id)) then
    refusal := 'token for another client';
  elsif jsonb_typeof(claims -> 'exp') is distinct from 'number' or (claims ->> 'exp')::numeric <= now_s then
    refusal := 'token expired';
  elsif jsonb_typeof(claims -> 'iat') = 'number' and (claims ->> 'iat')::numeric > now_s + 60 then
    refusal := 'token issued in the future';
  end if;
  if refusal is not null then
    claims := null;
    return;
  end if;
  issuer := provider.issuer;
end
$$;

revoke all on function qdp.id_token_verified(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
