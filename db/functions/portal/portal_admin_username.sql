-- The administrator's import actions: the lifecycle functions run as the owner, named
-- after the administrator, and each action is audited.
create or replace function qdp.portal_admin_username() returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp
as $$
declare
  who record;
begin
  select * into who from qdp.session_binding();
  if current_setting('role') <> 'qdp_admin' or who.user_id is null then
    raise exception 'only an administrator''s session may change imports' using errcode = '42501';
  end if;
  return who.username;
end
$$;

revoke all on function qdp.portal_admin_username() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
