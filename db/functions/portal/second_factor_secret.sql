-- A user's TOTP secret, decrypted with the portal's key (0052: stored encrypted with pgcrypto's
-- OpenPGP symmetric encryption, AES-256; the key is derived from the portal's settings and never
-- stored in the database). NULL when the user has none; an error naming the cause when the key
-- does not open it (the portal's cookie secret changed: reset the user's second factor).
create or replace function qdp.second_factor_secret(p_user_id bigint, p_key text) returns bytea
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  sealed bytea;
begin
  select f.secret_sealed into sealed from qdp.user_second_factors f where f.user_id = p_user_id;
  if sealed is null then
    return null;
  end if;
  begin
    return qdp_crypto.pgp_sym_decrypt_bytea(sealed, p_key);
  exception when others then
    raise exception 'the second factor of user % does not open with the portal''s key (QDP_PORTAL_COOKIE_SECRET changed since it was enrolled?): an administrator resets it and the user enrols again',
      p_user_id using errcode = '28000';
  end;
end
$$;

revoke all on function qdp.second_factor_secret(bigint, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
