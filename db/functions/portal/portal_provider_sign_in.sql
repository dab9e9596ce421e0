-- Single sign-on, verified by the database: p_id_token is the provider's ID token as the portal
-- received it (after openid-client checked state, nonce and PKCE); qdp.id_token_verified checks
-- its signature against the registered provider's keys, issuer, audience and expiry, and a token
-- opens at most one session (qdp.provider_tokens_used). The identity is the value of the
-- provider's registered claim in the verified token; the platform user an administrator
-- registered it on opens a session (method 'provider', audited `login`). A token that does not
-- pass, an identity registered on nobody or on a disabled user opens nothing: the refusal is
-- returned and audited (`login.refused`, with the identity when the token was good).
create or replace function qdp.portal_provider_sign_in(p_id_token text, p_session_hash bytea,
  p_client text, out user_id bigint, out refusal text)
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  token record;
  claim_name text;
  identity_value text;
  who bigint;
  is_disabled boolean;
begin
  select * into token from qdp.id_token_verified(p_id_token);
  if token.refusal is null then
    delete from qdp.provider_tokens_used
    where token_hash in (select t.token_hash from qdp.provider_tokens_used t
                         where t.expires_at < now() limit 1000);
    insert into qdp.provider_tokens_used (token_hash, expires_at)
    values (sha256(convert_to(p_id_token, 'UTF8')), to_timestamp((token.claims ->> 'exp')::numeric))
    on conflict do nothing;
    if not found then
      token.refusal := 'token already used';
    end if;
  end if;
  if token.refusal is null then
    select p.claim into claim_name from qdp.identity_providers p where p.issuer = token.issuer;
    if jsonb_typeof(token.claims -> claim_name) = 'string' then
      identity_value := token.claims ->> claim_name;
    else
      token.refusal := format('the token has no "%s" claim', claim_name);
    end if;
  end if;
  if token.refusal is not null then
    refusal := token.refusal;
    perform qdp.portal_sign_in_record(null, 'login.refused',
      jsonb_build_object('method', 'provider', 'reason', refusal), p_client);
    return;
  end if;
  select u.id, u.disabled into who, is_disabled
  from qdp.user_identities i join qdp.users u on u.id = i.user_id
  where rtrim(i.issuer, '/') = rtrim(token.issuer, '/') and i.claim = claim_name
    and i.value = identity_value;
  if who is null or is_disabled then
    refusal := case when who is null then 'unknown identity' else 'disabled user' end;
    perform qdp.portal_sign_in_record(who, 'login.refused',
      jsonb_build_object('method', 'provider', 'reason', refusal,
        'issuer', token.issuer, 'claim', claim_name, 'identity', identity_value), p_client);
    return;
  end if;
  insert into qdp.portal_sessions (token_hash, user_id, client_address, method)
  values (p_session_hash, who, p_client, 'provider');
  perform qdp.portal_sign_in_record(who, 'login', jsonb_build_object('method', 'provider'), p_client);
  user_id := who;
end
$$;

revoke all on function qdp.portal_provider_sign_in(text, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_provider_sign_in(text, bytea, text) to qdp_portal;
