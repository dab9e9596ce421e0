-- Sign-out: ends the session and says how it began (a provider's session is ended there too).
create or replace function qdp.portal_sign_out(p_token_hash bytea) returns text
language sql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ delete from qdp.portal_sessions where token_hash = p_token_hash returning method $$;

revoke all on function qdp.portal_sign_out(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_sign_out(bytea) to qdp_portal;
