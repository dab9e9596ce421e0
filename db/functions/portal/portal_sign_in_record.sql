-- An attempt that did not open a session, in the audit log (who, when, how, why), written as the
-- owner: before a session there is no session user for qdp.audit.
create or replace function qdp.portal_sign_in_record(p_user_id bigint, p_action text, p_detail jsonb,
  p_client text)
returns void
language sql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  insert into qdp.audit_log (user_id, username, role, action, client_address, detail)
  select p_user_id, u.username, u.role, p_action, p_client, p_detail
  from (select 1) one left join qdp.users u on u.id = p_user_id
$$;

revoke all on function qdp.portal_sign_in_record(bigint, text, jsonb, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner calls it, from the other sign-in functions.
