create or replace function qdp.portal_session_end(p_token_hash bytea) returns void
language sql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ delete from qdp.portal_sessions where token_hash = p_token_hash $$;

revoke all on function qdp.portal_session_end(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_session_end(bytea) to qdp_portal;
