-- Stand-in Argon2id parameters for a name that has none (an unknown username, a wrong recovery
-- code's selector): the given parameters (or the portal's defaults) with a salt derived from the
-- name under qdp.sign_in_secret, the same at every call, so asking twice tells nobody whether the
-- name exists and the proof the portal then computes costs the same hash.
create or replace function qdp.argon2_stand_in(p_params text, p_name text) returns text
language sql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select coalesce(regexp_replace(p_params, '\$[^$]*$', ''), '$argon2id$v=19$m=19456,t=2,p=1')
    || '$' || rtrim(encode(substr(qdp_crypto.hmac(convert_to(coalesce(p_name, ''), 'UTF8'),
                                                (select secret from qdp.sign_in_secret), 'sha256'),
                                  1, 16), 'base64'), '=')
$$;

revoke all on function qdp.argon2_stand_in(text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
