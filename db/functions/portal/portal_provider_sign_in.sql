-- Single sign-on: the platform user an administrator registered the provider's identity on opens
-- a session (method 'provider'). An identity registered on nobody, or on a disabled user, opens
-- nothing: NULL, and the refusal is audited with the identity (who tried, for the administrator).
create or replace function qdp.portal_provider_sign_in(p_issuer text, p_claim text, p_value text,
  p_session_hash bytea, p_client text)
returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  who bigint;
  is_disabled boolean;
begin
  select u.id, u.disabled into who, is_disabled
  from qdp.user_identities i join qdp.users u on u.id = i.user_id
  where i.issuer = p_issuer and i.claim = p_claim and i.value = p_value;
  if who is null or is_disabled then
    perform qdp.portal_sign_in_record(who, 'login.refused',
      jsonb_build_object('method', 'provider',
        'reason', case when who is null then 'unknown identity' else 'disabled user' end,
        'issuer', p_issuer, 'claim', p_claim, 'identity', p_value), p_client);
    return null;
  end if;
  insert into qdp.portal_sessions (token_hash, user_id, client_address, method)
  values (p_session_hash, who, p_client, 'provider');
  perform qdp.portal_sign_in_record(who, 'login', jsonb_build_object('method', 'provider'), p_client);
  return who;
end
$$;

revoke all on function qdp.portal_provider_sign_in(text, text, text, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_provider_sign_in(text, text, text, bytea, text) to qdp_portal;
