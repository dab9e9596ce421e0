-- The retention of the daily files themselves, as the deployment set it, so that the data officer
-- sees every retention in force in one place (the administrator's data protection page, `qdp
-- privacy retention`, the record of processing). The landing bucket's lifecycle rule deletes
-- them (the component's rawFileRetentionDays); the database only records the number. Empty: not
-- recorded (local mode keeps no landing bucket; a deployment writes it).
insert into qdp.settings (key, value, description) values
  ('raw_file_retention_days', '',
   'How many days the landing bucket keeps each daily file before its lifecycle rule deletes it (the component''s rawFileRetentionDays, written by the deployment); empty: not recorded. Shown in the record of processing and the retention page; the database deletes no file.')
on conflict (key) do nothing;

alter table qdp.settings add constraint raw_file_retention_days_whole_days check (
  key <> 'raw_file_retention_days' or value ~ '^([0-9]{1,6})?$'
);
