-- "Who saw my record" (GDPR art. 15, DESIGN §15): every access to a person's data within
-- audit_retention_months, oldest first. An access is an audit entry naming the person
-- (patient.view, an earlier access report) or one whose detail->'shown' lists them (a list page,
-- a search or an export that showed them: portal/queries/list.ts). Each comes with who (user,
-- role, organisation: the user's municipality or GP code), the fields of a patient that role could
-- read (qdp.role_fields, 0069) and the purpose and legal basis (qdp.role_purposes, 0065), both as
-- they were at that moment. Only an administrator's live
-- session may ask; the report is audited (access.report, with the person and the count) in the
-- same statement. A code that is not a valid fiscal code is refused without being repeated.
create or replace function qdp.access_report(fiscal_code text, client_address text default null)
returns table (at timestamptz, audit_id bigint, user_id bigint, username text, display_name text,
  role text, istat_code text, municipality text, gp_code text, gp_name text, action text,
  import_id bigint, fields text[], purpose text, legal_basis text)
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
#variable_conflict use_column
-- (variables are named so that no column of the query shadows them)
declare
  person_code text := upper(btrim(access_report.fiscal_code));
  window_start timestamptz := now() - make_interval(months => qdp.setting('audit_retention_months')::integer);
  found_entries bigint;
begin
  if current_setting('role') <> 'qdp_admin' or qdp.current_user_id() is null then
    raise exception 'qdp.access_report: only an administrator''s session may produce an access report'
      using errcode = '42501';
  end if;
  if person_code is null or not qdp.fiscal_code_is_valid(person_code) then
    raise exception 'qdp.access_report: not a valid fiscal code (16 letters and digits in the fiscal code''s pattern, with the right check character)'
      using errcode = '22023';
  end if;
  return query
    select e.at, e.id, e.user_id, e.username, u.display_name, e.role, u.istat_code, m.name,
      u.gp_code, g.name, e.action, e.import_id,
      f.fields, p.purpose, p.legal_basis
    from qdp.audit_log e
    left join qdp.users u on u.id = e.user_id
    left join qdp.municipalities m on m.istat_code = u.istat_code
    left join qdp.gps g on g.code = u.gp_code
    left join lateral (
      select rf.fields from qdp.role_fields rf
      where rf.role = e.role and rf.valid_from <= e.at
      order by rf.valid_from desc limit 1) f on true
    left join lateral (
      select rp.purpose, rp.legal_basis from qdp.role_purposes rp
      where rp.role = e.role and rp.valid_from <= e.at
      order by rp.valid_from desc limit 1) p on true
    where (e.fiscal_code = person_code or (e.detail -> 'shown') ? person_code)
      and e.at >= window_start
    order by e.at, e.id;
  get diagnostics found_entries = row_count;
  perform qdp.audit('access.report', person_code, null, jsonb_build_object('entries', found_entries),
                    client_address);
end
$$;

revoke all on function qdp.access_report(text, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.access_report(text, text) to qdp_admin;
