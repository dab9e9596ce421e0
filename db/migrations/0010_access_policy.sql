-- The access policy of DESIGN §6, enforced by PostgreSQL itself: one database role per kind of
-- portal user, column privileges for the fields, row-level security for the rows, and the
-- session functions the policies compare against. A portal bug cannot show what this refuses.

-- Roles are cluster-wide (several databases, concurrent runners): create each only if missing.
do $$
declare
  portal_role text;
begin
  foreach portal_role in array array['qdp_admin', 'qdp_staff', 'qdp_prefecture', 'qdp_municipality', 'qdp_gp'] loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = portal_role) then
      execute format('create role %I nologin', portal_role);
    end if;
  end loop;
  -- The portal's login role. NOINHERIT: it holds none of the five roles' privileges until a
  -- transaction switches to exactly one of them (permissive policies are OR'd across every role a
  -- session has, so an inheriting login role would let a GP see the Prefecture's rows).
  -- Deployment or local mode adds LOGIN and a password.
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'qdp_portal') then
    create role qdp_portal nologin noinherit;
  end if;
  alter role qdp_portal noinherit;
  foreach portal_role in array array['qdp_admin', 'qdp_staff', 'qdp_prefecture', 'qdp_municipality', 'qdp_gp'] loop
    -- From PostgreSQL 16 inheritance is a property of each grant: say it explicitly.
    if current_setting('server_version_num')::int >= 160000 then
      execute format('grant %I to qdp_portal with inherit false, set true', portal_role);
    else
      execute format('grant %I to qdp_portal', portal_role);
    end if;
  end loop;
end
$$;

insert into qdp.roles (name, db_role, description, purpose, legal_basis) values
  ('admin', 'qdp_admin',
   'Health authority administrators (data protection officer''s delegates, platform operators).',
   'Run the platform: supervise imports, publish or roll back, manage users, answer data subjects'' access requests from the audit log.',
   'GDPR art. 6(1)(e) and art. 9(2)(h)-(i); art. 2-sexies of the Italian privacy code (D.lgs. 196/2003); art. 17-bis of D.L. 18/2020 (public-health emergency processing by the National Health Service).'),
  ('staff', 'qdp_staff',
   'Health authority public-health staff (Dipartimento di Prevenzione).',
   'Contact tracing and supervision of people in isolation or quarantine.',
   'GDPR art. 9(2)(i) (public interest in public health) and art. 9(2)(h); art. 2-sexies of the Italian privacy code; art. 1 of D.L. 19/2020 and art. 17-bis of D.L. 18/2020.'),
  ('prefecture', 'qdp_prefecture',
   'The Prefecture (Prefettura - Ufficio Territoriale del Governo) of the province.',
   'Checks by the police forces that people in quarantine respect the isolation order.',
   'GDPR art. 9(2)(i) and art. 10; art. 2-sexies of the Italian privacy code; art. 4 of D.L. 19/2020 (checks on containment measures, coordinated by the Prefect).'),
  ('municipality', 'qdp_municipality',
   'A municipality of the territory, for its own residents only.',
   'Support to residents in quarantine (food and medicine delivery, waste collection) and the mayor''s ordinances.',
   'The mayor''s role as local health authority (art. 50 of D.lgs. 267/2000, art. 32 of L. 833/1978); GDPR art. 9(2)(i); art. 2-sexies of the Italian privacy code; art. 17-bis of D.L. 18/2020. Without that basis the authority narrows this role to aggregates (Garante per la protezione dei dati personali, 2020).'),
  ('gp', 'qdp_gp',
   'A general practitioner (medico di medicina generale), for their own patients only.',
   'Clinical follow-up of their patients in isolation or quarantine.',
   'GDPR art. 9(2)(h) (provision of health care) and art. 9(2)(i); art. 2-sexies of the Italian privacy code; art. 17-bis of D.L. 18/2020.')
on conflict (name) do nothing;

-- The session's user: qdp.user_id (set_config(..., true), transaction-local) names it, and it
-- counts only if the user exists, is not disabled and belongs to the role the transaction switched
-- to. Inside a SECURITY DEFINER function current_user is the function's owner, so the caller's
-- role is read from the `role` setting that SET [LOCAL] ROLE sets; a session that did not switch
-- role ('none') has no user. Garbage in qdp.user_id means no user, never an error.
create function qdp.session_binding(
  out user_id bigint, out username text, out role text, out istat_code text, out gp_code text,
  out aggregates_only boolean)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select u.id, u.username, u.role, u.istat_code, u.gp_code, r.aggregates_only
  from qdp.users u
  join qdp.roles r on r.name = u.role
  where u.id = (select case when s ~ '^[0-9]{1,18}$' then s::bigint end
                from (select current_setting('qdp.user_id', true) as s) setting)
    and not u.disabled
    and r.db_role = current_setting('role')
$$;

create function qdp.current_user_id() returns bigint
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select user_id from qdp.session_binding() $$;

-- True when the session has a valid user whose role may see patient rows (not aggregates only).
create function qdp.current_row_access() returns boolean
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select coalesce((select not aggregates_only from qdp.session_binding()), false) $$;

-- The municipality a municipality user's rows are limited to (NULL: no rows).
create function qdp.current_istat_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select istat_code from qdp.session_binding() where not aggregates_only $$;

-- The GP code a GP user's rows are limited to (NULL: no rows).
create function qdp.current_gp_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select gp_code from qdp.session_binding() where not aggregates_only $$;

-- The database role the portal switches to for a user; NULL for an unknown or disabled user.
create function qdp.session_role(session_user_id bigint) returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select r.db_role from qdp.users u join qdp.roles r on r.name = u.role
  where u.id = session_user_id and not u.disabled
$$;

revoke all on function qdp.session_binding(), qdp.current_user_id(), qdp.current_row_access(),
  qdp.current_istat_code(), qdp.current_gp_code(), qdp.session_role(bigint) from public;
grant execute on function qdp.current_user_id(), qdp.current_row_access(),
  qdp.current_istat_code(), qdp.current_gp_code()
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.session_role(bigint) to qdp_portal;

-- Schema and reference data.
grant usage on schema qdp to qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant select on qdp.municipalities, qdp.roles
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- The authority narrows a role to aggregates (DESIGN §6).
grant update (aggregates_only) on qdp.roles to qdp_admin;
grant select on qdp.settings, qdp.publications, qdp.transit, qdp.rejects, qdp.gps, qdp.patients,
  qdp.audit_log
  to qdp_admin;

-- Quarantines: fields by column privileges (a `select *` by a narrower role fails: it can never
-- see more), rows by one simple policy per role on the indexed columns.
grant select on qdp.quarantines to qdp_admin, qdp_staff, qdp_gp;
grant select (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
  residence_istat, residence_name, address, start_date, end_date, change)
  on qdp.quarantines to qdp_prefecture;
grant select (import_id, line_no, fiscal_code, surname, name, sex, birth_date,
  residence_istat, residence_name, address, phone, start_date, end_date, change)
  on qdp.quarantines to qdp_municipality;

-- Imports: the latest import's row for everyone (the portal says which file it shows); hashes,
-- sizes and error texts are operational details for administrators.
grant select on qdp.imports to qdp_admin;
grant select (id, source_name, status, received_at, loaded_at, published_at, finished_at,
  rows_total, rows_accepted, rows_rejected)
  on qdp.imports to qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;

-- Users: administrators manage them (disable, never delete: the audit log names them); everyone
-- reads their own row, without the password hash.
grant select, insert, update on qdp.users to qdp_admin;
grant select (id, username, display_name, role, istat_code, gp_code, disabled, failed_logins,
  locked_until, created_at)
  on qdp.users to qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;

-- Row-level security, forced so that it also binds the owner; the owner (the role running the
-- migrations, which the import lifecycle's functions run as) gets an explicit, visible policy,
-- because on Aurora the owner is not a superuser and would otherwise see nothing.
do $$
declare
  t text;
begin
  foreach t in array array['quarantines', 'imports', 'patients', 'gps', 'users', 'audit_log'] loop
    execute format('alter table qdp.%I enable row level security', t);
    execute format('alter table qdp.%I force row level security', t);
    execute format('create policy owner_all on qdp.%I to %I using (true) with check (true)', t, current_user);
  end loop;
end
$$;

create policy quarantines_admin on qdp.quarantines for select to qdp_admin
  using (qdp.current_row_access());
create policy quarantines_staff on qdp.quarantines for select to qdp_staff
  using (import_id = qdp.latest_import_id() and qdp.current_row_access());
create policy quarantines_prefecture on qdp.quarantines for select to qdp_prefecture
  using (import_id = qdp.latest_import_id() and qdp.current_row_access());
create policy quarantines_municipality on qdp.quarantines for select to qdp_municipality
  using (import_id = qdp.latest_import_id() and residence_istat = qdp.current_istat_code());
create policy quarantines_gp on qdp.quarantines for select to qdp_gp
  using (import_id = qdp.latest_import_id() and gp_code = qdp.current_gp_code());

create policy imports_admin on qdp.imports for select to qdp_admin
  using (qdp.current_user_id() is not null);
create policy imports_latest on qdp.imports for select
  to qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp
  using (id = qdp.latest_import_id() and qdp.current_user_id() is not null);

create policy patients_admin on qdp.patients for select to qdp_admin
  using (qdp.current_row_access());
create policy gps_admin on qdp.gps for select to qdp_admin
  using (qdp.current_user_id() is not null);

create policy users_admin on qdp.users for all to qdp_admin
  using (qdp.current_user_id() is not null) with check (qdp.current_user_id() is not null);
create policy users_self on qdp.users for select
  to qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp
  using (id = qdp.current_user_id());

create policy audit_log_admin on qdp.audit_log for select to qdp_admin
  using (qdp.current_user_id() is not null);

-- Partitions (qdp.quarantines_<id>, qdp.transit_<id>) carry no grants: queries through the parent
-- are checked against the parent's privileges and policies, a partition named directly is refused.
-- New partitions are created by the lifecycle functions without grants; nothing may add default
-- privileges in this schema.
do $$
declare
  part regclass;
begin
  for part in
    select inhrelid::regclass from pg_catalog.pg_inherits
    where inhparent in ('qdp.quarantines'::regclass, 'qdp.transit'::regclass)
  loop
    execute format('revoke all on %s from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp', part);
  end loop;
end
$$;

-- The audit log is append-only: rows are written only by qdp.audit(), never changed, and deleted
-- only by the retention purge, which sets the transaction-local qdp.purging = 'on'.
create function qdp.audit_log_append_only() returns trigger
language plpgsql
set search_path = pg_catalog, qdp
as $$
begin
  if tg_op = 'UPDATE' then
    raise exception 'the audit log is append-only: UPDATE is refused' using errcode = '42501';
  elsif tg_op = 'TRUNCATE' then
    raise exception 'the audit log is append-only: TRUNCATE is refused' using errcode = '42501';
  elsif coalesce(current_setting('qdp.purging', true), '') <> 'on' then
    raise exception 'the audit log is append-only: DELETE is allowed only to the retention purge (qdp.purging = on)'
      using errcode = '42501';
  end if;
  return old;
end
$$;

create trigger audit_log_append_only before update or delete on qdp.audit_log
  for each row execute function qdp.audit_log_append_only();
create trigger audit_log_no_truncate before truncate on qdp.audit_log
  for each statement execute function qdp.audit_log_append_only();

-- Records one action of the session's user (who, as which role, did what to whom and from where).
create function qdp.audit(action text, fiscal_code text default null, import_id bigint default null,
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
    raise exception 'qdp.audit: no valid session user (qdp.user_id is unset, unknown, disabled or of another role)'
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

-- Who looked at this person's record, and when (a data subject's right of access, GDPR art. 15).
create function qdp.patient_access_log(fiscal_code text)
returns table (at timestamptz, user_id bigint, username text, role text, action text,
  import_id bigint, client_address text, detail jsonb)
language plpgsql stable security definer
set search_path = pg_catalog, qdp
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

revoke all on function qdp.audit(text, text, bigint, jsonb, text), qdp.patient_access_log(text),
  qdp.audit_log_append_only() from public;
grant execute on function qdp.audit(text, text, bigint, jsonb, text)
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.patient_access_log(text) to qdp_admin;
