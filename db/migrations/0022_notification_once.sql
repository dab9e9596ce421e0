-- EventBridge delivers each event at least once, and in the workflow both the import job and the
-- analytics job report their end for the same workflow run: the import's message must still go
-- out once. notify claims the import's notification before publishing and gives the claim back
-- when publishing fails, so a retried delivery sends it (at least once, never twice when it
-- succeeded).
alter table qdp.imports add column notified_at timestamptz;

-- True when this call claimed the notification of the import (nobody had).
create function qdp.claim_notification(p_import_id bigint) returns boolean
language sql
set search_path = pg_catalog, qdp
as $$
  with claimed as (
    update qdp.imports set notified_at = now()
    where id = p_import_id and notified_at is null
    returning id
  )
  select exists (select 1 from claimed)
$$;

-- Gives a claim back (publishing the message failed).
create function qdp.release_notification(p_import_id bigint) returns void
language sql
set search_path = pg_catalog, qdp
as $$
  update qdp.imports set notified_at = null where id = p_import_id
$$;
