-- The fields of a patient each role could read, from when (issue 14 §2): the access report names
-- the fields a role could see when an access happened, not today's. PostgreSQL keeps no history
-- of grants, so the database keeps its own: a row per role and change, written by
-- qdp.access_report_keep_role_fields() (db/functions/privacy/access_report_keep_role_fields.sql)
-- after every GRANT or REVOKE (an event trigger, where the migrating role may create one) and at
-- the end of every migrate run. A role's first row counts from '-infinity': what it could read
-- before this migration is not known, as for qdp.role_purposes (0065).
create table qdp.role_fields (
  role text not null references qdp.roles (name),
  valid_from timestamptz not null,
  fields text[] not null,
  primary key (role, valid_from)
);

-- Read only by the report's SECURITY DEFINER function; nobody writes it but the keeping function.
alter table qdp.role_fields enable row level security;
alter table qdp.role_fields force row level security;
do $$
begin
  execute format('create policy owner_all on qdp.role_fields to %I using (true) with check (true)',
                 current_user);
end
$$;
