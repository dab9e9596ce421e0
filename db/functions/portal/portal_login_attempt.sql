-- Records one log-in attempt of p_client and answers whether it is allowed. Attempts of the same
-- address are serialised by a transaction-level advisory lock (727024, hash of the address), so
-- two instances racing for the last allowed attempt cannot both get it: the second one counts the
-- first one's row (READ COMMITTED: its count takes a snapshot after the first commits). Call it
-- in its own (autocommit) statement, as the portal does. Expired attempts (of any address) are
-- deleted as it goes, at most 1000 a call, skipping rows another call is deleting: every call
-- inserts at most one row and removes up to 1000 expired ones, so the table holds about one
-- minute of allowed attempts.
create or replace function qdp.portal_login_attempt(p_client text) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  per_minute integer := qdp.setting('login_attempts_per_minute')::integer;
  recent integer;
begin
  if p_client is null or p_client = '' or length(p_client) > 100 then
    raise exception 'the client address must be 1 to 100 characters' using errcode = '22023';
  end if;
  delete from qdp.portal_login_attempts
  where ctid = any (array(
    select ctid from qdp.portal_login_attempts
    where at <= now() - interval '1 minute'
    order by at
    limit 1000
    for update skip locked));
  perform pg_advisory_xact_lock(727024, hashtext(p_client));
  select count(*) into recent
  from qdp.portal_login_attempts
  where client_address = p_client and at > now() - interval '1 minute';
  if recent >= per_minute then
    return false;
  end if;
  insert into qdp.portal_login_attempts (client_address, at) values (p_client, now());
  return true;
end
$$;

revoke all on function qdp.portal_login_attempt(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_login_attempt(text) to qdp_portal;
