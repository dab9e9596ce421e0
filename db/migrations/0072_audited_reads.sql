-- Every read of a quarantine by a portal session writes its audit entry (issue 12 §3). Until now a
-- portal role read qdp.quarantines itself, so a connection holding a live session's token could
-- read its scope with a plain SELECT and write no entry, and could record a view it never made.
-- From here a portal role reads quarantines only through qdp.read_quarantines_as_<role>, a
-- SECURITY DEFINER function owned by that role's reader, which reads and writes the entry of
-- exactly what it read in the same call (db/functions/access/read_quarantines.sql).
--
-- qdp_<role>_reader: no login, and no role may switch to it but the migrating role (which owns its
-- functions through it). It is a member of qdp_<role>, so it has exactly that role's column
-- privileges and row policies: the one place that says what each role reads stays the grants and
-- policies of 0010. The policies below add that the reading role is the reader: the same role
-- switched to directly, as the portal's login role does, sees no quarantine.
do $$
declare
  portal_role text;
  reader text;
begin
  foreach portal_role in array array['qdp_admin', 'qdp_staff', 'qdp_prefecture', 'qdp_municipality', 'qdp_gp'] loop
    reader := portal_role || '_reader';
    if not exists (select 1 from pg_catalog.pg_roles where rolname = reader) then
      execute format('create role %I nologin inherit', reader);
    end if;
    if current_setting('server_version_num')::int >= 160000 then
      execute format('grant %I to %I with inherit true, set false', portal_role, reader);
      -- The migrating role owns the reader's functions through it (replaced on every run).
      execute format('grant %I to %I with inherit true, set true', reader, current_user);
    else
      execute format('grant %I to %I', portal_role, reader);
      execute format('grant %I to %I', reader, current_user);
    end if;
  end loop;
end
$$;

alter policy quarantines_admin on qdp.quarantines
  using (current_user = 'qdp_admin_reader' and qdp.current_row_access());
alter policy quarantines_staff on qdp.quarantines
  using (current_user = 'qdp_staff_reader' and import_id = qdp.latest_import_id()
         and qdp.current_row_access());
alter policy quarantines_prefecture on qdp.quarantines
  using (current_user = 'qdp_prefecture_reader' and import_id = qdp.latest_import_id()
         and qdp.current_row_access());
alter policy quarantines_municipality on qdp.quarantines
  using (current_user = 'qdp_municipality_reader' and import_id = qdp.latest_import_id()
         and residence_istat = qdp.current_istat_code());
alter policy quarantines_gp on qdp.quarantines
  using (current_user = 'qdp_gp_reader' and import_id = qdp.latest_import_id()
         and gp_code = qdp.current_gp_code());
