-- Records one action of the session's user (who, as which role, did what to whom and from where).
create or replace function qdp.audit(action text, fiscal_code text default null, import_id bigint default null,
  detail jsonb default null, client_address text default null) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  who record;
  new_id bigint;
begin
  select * into who from qdp.session_binding();
  if who.user_id is null then
    raise exception 'qdp.audit: no valid session user (no live portal session of this role: qdp.session_token_hash is unset, unknown, ended, of a disabled user or of another role)'
      using errcode = '42501';
  end if;
  if action is null or btrim(action) = '' then
    raise exception 'qdp.audit: action is required' using errcode = '22023';
  end if;
  insert into qdp.audit_log (user_id, username, role, action, fiscal_code, import_id, client_address, detail)
  values (who.user_id, who.username, who.role, action, fiscal_code, import_id, client_address, detail)
  returning id into new_id;
  return new_id;
end
$$;

revoke all on function qdp.audit(text,text,bigint,jsonb,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.audit(text,text,bigint,jsonb,text) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
