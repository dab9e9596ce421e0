-- Records one action of the session's user (who, as which role, did what to whom and from where).
-- Runs as the caller (0070): the entry is inserted as the session's role, the trigger
-- audit_log_session_user fills who from the live session, and the policy audit_log_checked
-- refuses an action the role cannot perform or a person the session cannot read
-- (audit_entry_permitted.sql): nothing is written then. Called from the lifecycle's and the
-- privacy's SECURITY DEFINER functions it runs as the owner, whose entries they check themselves.
create or replace function qdp.audit(action text, fiscal_code text default null, import_id bigint default null,
  detail jsonb default null, client_address text default null) returns bigint
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if qdp.current_user_id() is null then
    raise exception 'qdp.audit: no valid session user (no live portal session of this role: qdp.session_token_hash is unset, unknown, ended, of a disabled user or of another role)'
      using errcode = '42501';
  end if;
  if action is null or btrim(action) = '' then
    raise exception 'qdp.audit: action is required' using errcode = '22023';
  end if;
  insert into qdp.audit_log (action, fiscal_code, import_id, client_address, detail)
  values (action, fiscal_code, import_id, client_address, detail);
  -- The id the trigger saw: a portal role may not read the log back (no RETURNING).
  return current_setting('qdp.audit_last_id')::bigint;
end
$$;

revoke all on function qdp.audit(text,text,bigint,jsonb,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.audit(text,text,bigint,jsonb,text) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
