-- The administrator an admin-only action runs for, or a refusal that names the action: every other
-- role, and a connection without a live administrator's session, is refused ("publish import 7:
-- only an administrator's session may do this, not a staff session").
create or replace function qdp.portal_admin_username(p_action text) returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  who record;
  acting text := current_setting('role');
begin
  select * into who from qdp.session_binding();
  if acting <> 'qdp_admin' or who.user_id is null then
    raise exception '%: only an administrator''s session may do this, not %', p_action,
      case when who.user_id is not null then 'a ' || who.role || ' session'
           when acting in ('qdp_admin', 'qdp_staff', 'qdp_prefecture', 'qdp_municipality', 'qdp_gp')
             then 'a connection without a live session'
           else 'a connection without a live session (role ' || current_user || ')' end
      using errcode = '42501';
  end if;
  return who.username;
end
$$;

revoke all on function qdp.portal_admin_username(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
