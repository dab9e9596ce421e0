-- How often a portal session's last_seen_at is written (issue 12 §2): at most once every
-- session_seen_seconds, not on every request, so that a page commits no write to the session's
-- row (qdp.portal_session_user, db/functions/portal/portal_session_user.sql). Until now the same
-- interval was a literal minute in that function; now it is a setting with its rule.
--
-- What it means for the idle limit: last_seen_at is then at most session_seen_seconds older than
-- the session's last request, so a session idle since its last request ends between
-- session_idle_minutes - session_seen_seconds and session_idle_minutes after it, never later. The
-- function writes at least every half of session_idle_minutes whatever this says, so an active
-- session never ends for want of a write.
insert into qdp.settings (key, value, description) values
  ('session_seen_seconds', '60',
   'A portal session''s last request is recorded at most once every this many seconds (0: every request); the idle limit counts from the recorded time, so an idle session ends up to this many seconds before session_idle_minutes. At most 3600.')
on conflict (key) do nothing;

alter table qdp.settings add constraint session_seen_seconds_whole_seconds check (
  case when key = 'session_seen_seconds'
    then case when value ~ '^[0-9]{1,4}$' then value::integer <= 3600 else false end
    else true
  end
);
