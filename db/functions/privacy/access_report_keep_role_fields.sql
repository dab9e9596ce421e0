-- Keeps the history of the fields of a patient each role can read (qdp.role_fields, 0069): the
-- access report names the fields a role could see when an access happened. A role's fields are the
-- columns of qdp.quarantines its database role may select (column privileges, as the patient page
-- and the record of processing read them), without the import's own bookkeeping columns. A row is
-- added only when a role's fields differ from its latest row; a role's first row counts from
-- '-infinity'.
create or replace function qdp.access_report_keep_role_fields() returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  -- Fired by every GRANT in the database, also while a migration recreates the table: nothing to
  -- record then (the migrate run records at its end).
  if to_regclass('qdp.quarantines') is null then
    return;
  end if;
  insert into qdp.role_fields (role, valid_from, fields)
  select now_fields.role,
         -- The change's own time, not its transaction's start: a REVOKE late in a long migrate run
         -- does not date back over accesses made while it ran.
         case when latest.fields is null then '-infinity'::timestamptz else clock_timestamp() end,
         now_fields.fields
  from (
    select r.name as role,
           coalesce((select array_agg(c.attname::text order by c.attnum) from pg_attribute c
                     where c.attrelid = 'qdp.quarantines'::regclass and c.attnum > 0
                       and not c.attisdropped and c.attname not in ('import_id', 'line_no')
                       and has_column_privilege(r.db_role, c.attrelid, c.attnum, 'SELECT')),
                    '{}') as fields
    from qdp.roles r
    where exists (select 1 from pg_roles where rolname = r.db_role)
  ) now_fields
  left join lateral (
    select f.fields from qdp.role_fields f
    where f.role = now_fields.role order by f.valid_from desc limit 1) latest on true
  where latest.fields is distinct from now_fields.fields
  on conflict (role, valid_from) do update set fields = excluded.fields;
end
$$;

revoke all on function qdp.access_report_keep_role_fields() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) runs it: at the end of every migrate run
-- (db/migrate.ts) and from the event trigger of access_report_keep_role_fields_on_grant.sql.
