-- The import a reconciliation compared the file with (the latest publication at that moment).
-- The summary's "previous import" reads it: two imports registered in one order can be reconciled
-- and published in the other, so "the newest published import with a smaller id" could name an
-- import the file was never compared with (qdp.reconcile_import sets it; imports reconciled earlier
-- get that rule's answer below). No foreign key: the purge may delete the import
-- compared with while this one stays, and the number still says what the file was compared with.
alter table qdp.imports add column compared_with bigint;
comment on column qdp.imports.compared_with is
  'The import this one was reconciled against (the latest publication then; possibly purged since); null before reconciliation or for the first import.';

-- Imports reconciled before this column: the rule the summary used until now.
update qdp.imports i set compared_with = (
  select max(p.id) from qdp.imports p where p.status = 'published' and p.id < i.id)
where i.rows_accepted is not null and i.rows_total > 0;
