-- Base64url without padding (RFC 4648 §5, as JSON Web Tokens and Keys use it) to bytes.
create or replace function qdp.base64url_decode(t text) returns bytea
language sql immutable strict
set search_path = pg_catalog, qdp, pg_temp
as $$ select decode(rpad(translate(t, '-_', '+/'), ((length(t) + 3) / 4) * 4, '='), 'base64') $$;

revoke all on function qdp.base64url_decode(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
