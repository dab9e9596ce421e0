-- Access logs are kept at least 24 months, whatever the data retention says (DESIGN §6): their own
-- setting, audit_retention_months, which the database refuses below 24. qdp.purge and the audit
-- log's append-only trigger read it (db/functions/lifecycle/purge.sql,
-- db/functions/access/audit_log_append_only.sql).
insert into qdp.settings (key, value, description) values
  ('audit_retention_months', '24',
   'Audit-log entries (who looked at whose record, and every import action) younger than this many months are never deleted, whatever retention_days says; at least 24 (the database refuses less).');

update qdp.settings
set description = 'qdp purge deletes imports received more than this many days ago, with their transit rows, quarantines, rejects and publications; never the latest published import, a held one (awaiting an administrator) or one still being imported. Audit entries follow audit_retention_months.'
where key = 'retention_days';

alter table qdp.settings add constraint audit_retention_at_least_24_months check (
  case when key = 'audit_retention_months'
    then case when value ~ '^[0-9]{1,6}$' then value::integer >= 24 else false end
    else true
  end
);
