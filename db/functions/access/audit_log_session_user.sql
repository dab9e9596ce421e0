-- Who wrote an audit entry, from the live session (qdp.session_binding), never from the writer:
-- the portal roles may not insert user_id, username or role (0070), so for them these are always
-- the session's; without a live session of the role they stay NULL and the policy
-- audit_log_checked refuses the row. The owner (the sign-in's SECURITY DEFINER functions) may
-- name the user itself (a log-in's entry, before its session exists): then nothing is changed.
-- The entry's id is kept in the transaction-local qdp.audit_last_id for qdp.audit() to return
-- (a portal role may not read the log back: no RETURNING).
create or replace function qdp.audit_log_session_user() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if new.user_id is null then
    select b.user_id, b.username, b.role into new.user_id, new.username, new.role
    from qdp.session_binding() b;
  end if;
  -- The writing transaction, never the writer's say (0073: the timeline checks it).
  new.xact := pg_current_xact_id();
  perform set_config('qdp.audit_last_id', new.id::text, true);
  return new;
end
$$;

create or replace trigger audit_log_session_user before insert on qdp.audit_log
  for each row execute function qdp.audit_log_session_user();

revoke all on function qdp.audit_log_session_user() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) attaches it; a trigger runs for whoever inserts.
