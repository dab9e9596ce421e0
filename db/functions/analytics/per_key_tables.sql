-- The per-key tables and their keys, in the order they are filled.
create or replace function qdp_analytics.per_key_tables(out table_name text, out keys text[])
returns setof record
language sql immutable
as $$
  values ('by_municipality', array['residence_istat']),
         ('by_gp', array['gp_code']),
         ('by_gp_municipality', array['gp_code', 'residence_istat'])
$$;

revoke all on function qdp_analytics.per_key_tables() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
