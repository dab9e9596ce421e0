-- Records the roles' fields (qdp.access_report_keep_role_fields) after every GRANT and REVOKE in
-- this database: a column privilege of a role changes only so. Definer: whoever grants need not be
-- able to write qdp.role_fields.
create or replace function qdp.access_report_keep_role_fields_on_grant() returns event_trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  perform qdp.access_report_keep_role_fields();
exception when others then
  -- A GRANT of anyone (an extension, the provider's own administration) must never fail for
  -- this record: the migrate run records the fields again at its end.
  raise warning 'qdp_keep_role_fields: the roles'' fields were not recorded after this %: % (%)',
    tg_tag, sqlerrm, sqlstate;
end
$$;

revoke all on function qdp.access_report_keep_role_fields_on_grant() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) has it, as the event trigger's function below.

-- The event trigger lives with its function (a numbered migration runs before the function
-- files). Creating an event trigger needs a superuser (PostgreSQL) or the cluster's master user
-- (RDS); a migrating role that is neither still gets the fields recorded at the end of each
-- migrate run, and the notice says so. Role memberships (GRANT role TO role) fire
-- no event trigger: the migrate run records those.
do $$
begin
  drop event trigger if exists qdp_keep_role_fields;
  create event trigger qdp_keep_role_fields on ddl_command_end
    when tag in ('GRANT', 'REVOKE')
    execute function qdp.access_report_keep_role_fields_on_grant();
exception when insufficient_privilege then
  raise notice 'qdp_keep_role_fields: % may not create event triggers; the roles'' fields are recorded at the end of each migrate run only', current_user;
end
$$;
