-- True when this call claimed the notification of the import (nobody had).
create or replace function qdp.claim_notification(p_import_id bigint) returns boolean
language sql
set search_path = pg_catalog, qdp, pg_temp
as $$
  with claimed as (
    update qdp.imports set notified_at = now()
    where id = p_import_id and notified_at is null
    returning id
  )
  select exists (select 1 from claimed)
$$;

revoke all on function qdp.claim_notification(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.claim_notification(bigint) to public;
