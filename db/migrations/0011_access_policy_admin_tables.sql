-- The administrators' own tables get row-level security too, so that a session switched to
-- qdp_admin without a valid administrator (qdp.user_id unset, unknown, disabled or of another
-- role) reads nothing there either. Transit and rejects hold raw personal data as the file had
-- it: narrowing the admin role to aggregates hides them as it hides patients. Loads COPY into the
-- partitions (which carry no policies) and the lifecycle functions run as the owner, which keeps
-- its explicit owner_all policy.
do $$
declare
  t text;
begin
  foreach t in array array['transit', 'rejects', 'publications', 'settings'] loop
    execute format('alter table qdp.%I enable row level security', t);
    execute format('alter table qdp.%I force row level security', t);
    execute format('create policy owner_all on qdp.%I to %I using (true) with check (true)', t, current_user);
  end loop;
end
$$;

create policy transit_admin on qdp.transit for select to qdp_admin
  using (qdp.current_row_access());
create policy rejects_admin on qdp.rejects for select to qdp_admin
  using (qdp.current_row_access());
create policy publications_admin on qdp.publications for select to qdp_admin
  using (qdp.current_user_id() is not null);
create policy settings_admin on qdp.settings for select to qdp_admin
  using (qdp.current_user_id() is not null);
