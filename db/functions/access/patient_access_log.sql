-- Who looked at this person's record, and when (a data subject's right of access, GDPR art. 15).
create or replace function qdp.patient_access_log(fiscal_code text)
returns table (at timestamptz, user_id bigint, username text, role text, action text,
  import_id bigint, client_address text, detail jsonb)
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if current_setting('role') <> 'qdp_admin' or qdp.current_user_id() is null then
    raise exception 'qdp.patient_access_log: only an administrator''s session may read the access log'
      using errcode = '42501';
  end if;
  return query
    select a.at, a.user_id, a.username, a.role, a.action, a.import_id, a.client_address, a.detail
    from qdp.audit_log a
    where a.fiscal_code = patient_access_log.fiscal_code
    order by a.at, a.id;
end
$$;

revoke all on function qdp.patient_access_log(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.patient_access_log(text) to qdp_admin;
