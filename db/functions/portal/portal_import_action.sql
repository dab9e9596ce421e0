-- The administrator's import actions: the lifecycle functions run as the owner, named after the
-- administrator, and each action is audited. Every portal role may call it; all but an
-- administrator's live session are refused with a message naming the action.
create or replace function qdp.portal_import_action(p_action text, p_import_id bigint, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  admin_name text;
begin
  if p_action = 'publish' then
    admin_name := qdp.portal_admin_username(format('publish import %s', p_import_id));
    perform qdp.publish_import(p_import_id, admin_name);
  elsif p_action = 'discard' then
    admin_name := qdp.portal_admin_username(format('discard import %s', p_import_id));
    perform qdp.discard_import(p_import_id, admin_name);
  elsif p_action = 'rollback' then
    admin_name := qdp.portal_admin_username(format('roll back to import %s', p_import_id));
    perform qdp.rollback_to(p_import_id, admin_name);
  else
    raise exception 'unknown import action "%": expected publish, discard or rollback', p_action
      using errcode = '22023';
  end if;
  perform qdp.audit('import.' || p_action, null, p_import_id, null, p_client);
end
$$;

revoke all on function qdp.portal_import_action(text,bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_import_action(text,bigint,text) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
