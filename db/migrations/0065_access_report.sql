-- The data-subject access report (GDPR art. 15, DESIGN §15, issue 14 §2): who saw a person's
-- data, when, as which role, and why. Two things the audit log alone did not keep:
--
-- 1. Which people a list page, a search or an export showed. Their entry (list.view, list.search,
--    list.export) holds the fiscal codes it showed as a JSON array in detail->'shown', written by
--    the statement that read the rows (portal/queries/list.ts). One entry per page, not one per
--    person: the page pays for one insert (measured in bench/README.md). This GIN index finds
--    every entry whose array holds a code (`detail -> 'shown' ? code`).
create index audit_log_shown_idx on qdp.audit_log using gin ((detail -> 'shown'));

-- 2. The purpose and legal basis in force at the time of an access. qdp.roles holds the current
--    text; every change is kept here from now on (a trigger on qdp.roles,
--    db/functions/privacy/access_report_keep_role_purpose.sql), so the report names the text that
--    was in force when the access happened. What was in force before this migration is not known:
--    the first row of each role is its text at this migration, from '-infinity'.
create table qdp.role_purposes (
  role text not null references qdp.roles (name),
  valid_from timestamptz not null,
  purpose text not null,
  legal_basis text not null,
  primary key (role, valid_from)
);
insert into qdp.role_purposes (role, valid_from, purpose, legal_basis)
select name, '-infinity', purpose, legal_basis from qdp.roles;

-- Read only by the report's SECURITY DEFINER function; nobody writes it but the trigger.
alter table qdp.role_purposes enable row level security;
alter table qdp.role_purposes force row level security;
do $$
begin
  execute format('create policy owner_all on qdp.role_purposes to %I using (true) with check (true)',
                 current_user);
end
$$;
