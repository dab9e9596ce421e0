-- A new, unconfirmed TOTP secret for a user, encrypted with the portal's key (never over a
-- confirmed one: a confirmed authenticator is replaced only after an administrator's reset).
create or replace function qdp.second_factor_enrol_for(p_user_id bigint, p_secret bytea, p_key text)
returns void
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if p_secret is null or length(p_secret) <> 20 then
    raise exception 'a TOTP secret is 20 bytes (160 bits, RFC 4226)' using errcode = '22023';
  end if;
  if p_key is null or length(p_key) < 32 then
    raise exception 'the portal''s second-factor key must be at least 32 characters' using errcode = '22023';
  end if;
  insert into qdp.user_second_factors (user_id, secret_sealed)
  values (p_user_id, qdp_crypto.pgp_sym_encrypt_bytea(p_secret, p_key, 'cipher-algo=aes256'))
  on conflict (user_id) do update
    set secret_sealed = excluded.secret_sealed, created_at = now(), last_step = null
    where qdp.user_second_factors.confirmed_at is null;
end
$$;

revoke all on function qdp.second_factor_enrol_for(bigint, bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
