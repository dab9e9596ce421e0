create or replace function qdp.portal_import_action(p_action text, p_import_id bigint, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  admin_name text := qdp.portal_admin_username();
begin
  if p_action = 'publish' then
    perform qdp.publish_import(p_import_id, admin_name);
  elsif p_action = 'discard' then
    perform qdp.discard_import(p_import_id, admin_name);
  elsif p_action = 'rollback' then
    perform qdp.rollback_to(p_import_id, admin_name);
  else
    raise exception 'unknown import action "%": expected publish, discard or rollback', p_action
      using errcode = '22023';
  end if;
  perform qdp.audit('import.' || p_action, null, p_import_id, null, p_client);
end
$$;

revoke all on function qdp.portal_import_action(text,bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_import_action(text,bigint,text) to qdp_admin;
