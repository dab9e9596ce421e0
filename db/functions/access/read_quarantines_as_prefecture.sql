-- The prefecture role's reads of quarantines (0072): qdp.read_quarantines run as qdp_prefecture_reader, the
-- one role whose reads the prefecture's row policies answer. The function's owner is what it is for.
create or replace function qdp.read_quarantines_as_prefecture(request jsonb) returns setof qdp.quarantines
language sql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$ select * from qdp.read_quarantines(request) $$;

do $$
begin
  -- A new owner needs CREATE on the schema for the change only.
  if (select proowner::regrole::text from pg_proc
      where oid = 'qdp.read_quarantines_as_prefecture(jsonb)'::regprocedure) <> 'qdp_prefecture_reader' then
    grant create on schema qdp to qdp_prefecture_reader;
    alter function qdp.read_quarantines_as_prefecture(jsonb) owner to qdp_prefecture_reader;
    revoke create on schema qdp from qdp_prefecture_reader;
  end if;
end
$$;

revoke all on function qdp.read_quarantines_as_prefecture(jsonb) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.read_quarantines_as_prefecture(jsonb) to qdp_prefecture;
