-- A portal request opens in one call: the session of its cookie's token (checked exactly as
-- qdp.portal_session_user checks it: unknown, idle, too old or disabled user → nothing), the
-- user's database role, and what every page shows of the viewer (names, the role's purpose, the
-- latest import). Before, a page paid three round trips for this (session lookup, opening,
-- viewer) and re-planned the viewer's four-table join each time; db/session.ts now sends one
-- statement, and PL/pgSQL keeps this function's plans for the connection's life
-- (bench/README.md, portal).
--
-- Read as the owner: a user's own row and role and the latest import's name and times are what
-- every role may already read about itself (access policy). Only the portal's login role may call it, as
-- it may call qdp.portal_session_user.
create or replace function qdp.portal_open_session(p_token_hash bytea,
  out user_id bigint, out db_role text, out username text, out display_name text,
  out role text, out istat_code text, out gp_code text, out aggregates_only boolean,
  out purpose text, out legal_basis text, out latest_import_id bigint,
  out latest_source_name text, out latest_published_at timestamptz,
  out latest_reference_day text)
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  session_user_id bigint := qdp.portal_session_user(p_token_hash);
begin
  if session_user_id is null then
    return;
  end if;
  select u.id, r.db_role, u.username, u.display_name, u.role, u.istat_code, u.gp_code,
         r.aggregates_only, r.purpose, r.legal_basis
    into user_id, db_role, username, display_name, role, istat_code, gp_code,
         aggregates_only, purpose, legal_basis
  from qdp.users u join qdp.roles r on r.name = u.role
  where u.id = session_user_id and not u.disabled;
  if user_id is null then
    return;
  end if;
  latest_import_id := qdp.latest_import_id();
  select i.source_name, i.published_at into latest_source_name, latest_published_at
  from qdp.imports i where i.id = latest_import_id;
  select a.reference_day::text into latest_reference_day
  from qdp_analytics.imports a where a.import_id = latest_import_id;
end
$$;

revoke all on function qdp.portal_open_session(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_open_session(bytea) to qdp_portal;
