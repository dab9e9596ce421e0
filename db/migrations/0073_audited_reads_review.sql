-- What a review of 0072 found, closed (issue 12 §3).
--
-- 1. The patients' register and the imports' staging rows hold the same personal data as the
--    quarantines; an administrator's session read them with a plain SELECT and no entry. The
--    portal never reads them (the owner's lifecycle and privacy functions do): the administrator
--    loses the privilege, and the record of processing says so.
revoke select on qdp.patients, qdp.transit from qdp_admin;
drop policy if exists patients_admin on qdp.patients;
drop policy if exists transit_admin on qdp.transit;

-- 2. The transaction that wrote each audit entry, as its full 64-bit id (set by the trigger
--    audit_log_session_user, never by the writer): the patient's timeline answers only after a
--    view of the same person by the same transaction, which a 32-bit xmin told apart neither
--    across a savepoint (a subtransaction's own id) nor across wraparound.
alter table qdp.audit_log add column if not exists xact xid8;
comment on column qdp.audit_log.xact is
  'The transaction that wrote the entry (pg_current_xact_id(), set by the trigger audit_log_session_user).';

-- 3. A held import published after a newer one did not move its people's first_import_id back
--    before qdp.upsert_patients kept it the earliest (b24503b); the timeline reads from it on.
--    Only such late publications can have left it too high: each is looked at once.
do $$
declare
  late bigint;
begin
  for late in
    select distinct x.import_id from qdp.publications x
    where x.action = 'publish'
      and exists (select from qdp.publications y
                  where y.action = 'publish' and y.import_id > x.import_id and y.at < x.at)
      and to_regclass(format('qdp.quarantines_%s', x.import_id)) is not null
    order by 1
  loop
    execute format(
      'update qdp.patients p set first_import_id = %1$s
       where p.first_import_id > %1$s
         and exists (select from qdp.quarantines q where q.import_id = %1$s and q.fiscal_code = p.fiscal_code)',
      late);
  end loop;
end
$$;

-- 4. A reader made before 0072 by hand (roles are cluster-wide) could log in: none may.
do $$
declare
  reader text;
begin
  foreach reader in array array['qdp_admin_reader', 'qdp_staff_reader', 'qdp_prefecture_reader',
                                'qdp_municipality_reader', 'qdp_gp_reader'] loop
    execute format('alter role %I nologin', reader);
  end loop;
end
$$;
