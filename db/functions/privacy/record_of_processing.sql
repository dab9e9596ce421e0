-- The record of processing (GDPR art. 30, DESIGN §15) as the database enforces it at the time of
-- the request: the controller and the region (settings the deployment writes); per recipient role
-- its purpose and legal basis (qdp.roles) and, table by table, the columns a session of that role
-- can read (its column privileges and schema usage, has_column_privilege) with the row-level
-- security policies that apply to it (pg_policy); the categories of data subjects and personal
-- data (qdp.personal_data_fields, for the columns that exist); the retention settings in force;
-- the security measures read from the live settings and the catalogue. Never a hand-kept list of
-- who reads what. Administrators' portal sessions and the owner (the command line) may read it.
create or replace function qdp.privacy_record() returns jsonb
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if current_setting('role') <> 'none' then
    perform qdp.portal_admin_username('read the record of processing');
  end if;
  return jsonb_build_object(
    'generatedAt', now(),
    'controller', nullif(qdp.setting('controller_name'), ''),
    'dataRegion', nullif(qdp.setting('data_region'), ''),
    'roles', (
      select jsonb_agg(jsonb_build_object(
               'role', r.name, 'dbRole', r.db_role, 'description', r.description,
               'purpose', r.purpose, 'legalBasis', r.legal_basis,
               'aggregatesOnly', r.aggregates_only,
               'tables', coalesce((
                 select jsonb_agg(jsonb_build_object(
                          'table', t.nspname || '.' || t.relname,
                          'columns', t.columns,
                          'rowLevelSecurity', t.relrowsecurity,
                          'policies', coalesce((
                            select jsonb_agg(jsonb_build_object(
                                     'name', pol.polname,
                                     'command', case pol.polcmd when 'r' then 'SELECT' else 'ALL' end,
                                     'using', pg_get_expr(pol.polqual, pol.polrelid))
                                   order by pol.polname)
                            from pg_policy pol
                            where pol.polrelid = t.oid and pol.polcmd in ('r', '*')
                              and (0 = any (pol.polroles)
                                   or (select oid from pg_roles where rolname = r.db_role) = any (pol.polroles))
                          ), '[]'))
                        order by t.nspname, t.relname)
                 from (
                   select c.oid, n.nspname, c.relname, c.relrowsecurity,
                          jsonb_agg(jsonb_build_object(
                            'column', a.attname, 'dataSubjects', f.data_subjects,
                            'category', f.category) order by a.attnum) as columns
                   from pg_class c
                   join pg_namespace n on n.oid = c.relnamespace
                   join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                   left join qdp.personal_data_fields f
                     on f.table_schema = n.nspname and f.table_name = c.relname
                        and f.column_name = a.attname
                   where c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
                     and n.nspname not in ('pg_catalog', 'information_schema')
                     and n.nspname !~ '^pg_'
                     and has_schema_privilege(r.db_role, n.oid, 'USAGE')
                     and has_column_privilege(r.db_role, c.oid, a.attnum, 'SELECT')
                   group by c.oid, n.nspname, c.relname, c.relrowsecurity
                 ) t
               ), '[]'))
             order by r.name)
      from qdp.roles r),
    'personalData', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'dataSubjects', g.data_subjects, 'category', g.category, 'fields', g.fields)
             order by g.data_subjects, g.category), '[]')
      from (
        select f.data_subjects, f.category,
               jsonb_agg(f.table_schema || '.' || f.table_name || '.' || f.column_name
                         order by f.table_schema, f.table_name, a.attnum) as fields
        from qdp.personal_data_fields f
        join pg_namespace n on n.nspname = f.table_schema
        join pg_class c on c.relnamespace = n.oid and c.relname = f.table_name
        join pg_attribute a on a.attrelid = c.oid and a.attname = f.column_name and not a.attisdropped
        group by f.data_subjects, f.category
      ) g),
    'retention', qdp.retention_settings(),
    'security', jsonb_build_object(
      'encryptionKeyArn', nullif(qdp.setting('encryption_key_arn'), ''),
      'databaseTls', current_setting('ssl') = 'on',
      'connectionTls', coalesce((select s.ssl from pg_stat_ssl s where s.pid = pg_backend_pid()), false),
      'auditLog', jsonb_build_object(
        'appendOnly', exists (
          select 1 from pg_trigger tg
          where tg.tgrelid = 'qdp.audit_log'::regclass and tg.tgenabled <> 'D'
            and tg.tgfoid = 'qdp.audit_log_append_only()'::regprocedure),
        'retentionMonths', qdp.setting('audit_retention_months')::integer),
      'rowLevelSecurity', (
        select coalesce(jsonb_agg(n.nspname || '.' || c.relname order by n.nspname, c.relname), '[]')
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('qdp', 'qdp_analytics') and c.relkind in ('r', 'p')
          and not c.relispartition and c.relrowsecurity and c.relforcerowsecurity),
      'secondFactorRoles', to_jsonb(array_remove(
        string_to_array(replace(qdp.setting('second_factor_roles'), ' ', ''), ','), '')),
      'sessionIdleMinutes', qdp.setting('session_idle_minutes')::integer,
      'sessionMaxHours', qdp.setting('session_max_hours')::integer,
      'loginMaxFailures', qdp.setting('login_max_failures')::integer,
      'loginLockoutMinutes', qdp.setting('login_lockout_minutes')::integer,
      'dashboardMinCount', qdp.setting('dashboard_min_count')::integer));
end
$$;

revoke all on function qdp.privacy_record() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- Every portal role may call it: all but an administrator's live session are refused, naming the action.
grant execute on function qdp.privacy_record() to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
