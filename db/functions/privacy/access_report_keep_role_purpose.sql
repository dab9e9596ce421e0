-- Keeps the history of each role's purpose and legal basis (qdp.role_purposes, 0065): the access
-- report names the text in force when an access happened, not today's. Two changes in one
-- transaction share now(): the later one wins.
create or replace function qdp.access_report_keep_role_purpose() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if tg_op = 'UPDATE' and old.purpose = new.purpose and old.legal_basis = new.legal_basis then
    return new;
  end if;
  insert into qdp.role_purposes (role, valid_from, purpose, legal_basis)
  values (new.name, now(), new.purpose, new.legal_basis)
  on conflict (role, valid_from) do update
    set purpose = excluded.purpose, legal_basis = excluded.legal_basis;
  return new;
end
$$;

revoke all on function qdp.access_report_keep_role_purpose() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) runs it, as the trigger of qdp.roles (definer:
-- whoever may change a purpose need not write the history).

-- The trigger lives with its function: a numbered migration runs before the function files.
create or replace trigger roles_keep_purpose
  after insert or update of purpose, legal_basis on qdp.roles
  for each row
  execute function qdp.access_report_keep_role_purpose();
