-- List pages and searches are audited for the access report (0065: detail->'shown'), but not
-- counted in the dashboard's accesses per day (qdp_analytics.accesses): each count is an upsert of
-- one row per day, role and action, held locked until the page's transaction commits, so every
-- list page of a role would wait for the others' commits (measured in bench/README.md). Before
-- 0065 list pages were not audited at all: the dashboard counts what it counted then (patient
-- pages, exports, actions, log-ins, reports).
drop trigger analytics_on_audit on qdp.audit_log;
create trigger analytics_on_audit after insert on qdp.audit_log
  for each row when (new.action not in ('list.view', 'list.search'))
  execute function qdp_analytics.on_audit();
