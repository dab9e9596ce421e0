-- An unsigned big-endian integer (RSA's octet strings, RFC 8017 OS2IP) as an exact numeric.
create or replace function qdp.bytes_numeric(b bytea) returns numeric
language plpgsql immutable strict
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  v numeric := 0;
  i integer;
begin
  for i in 0 .. length(b) - 1 loop
    v := v * 256 + get_byte(b, i);
  end loop;
  return v;
end
$$;

revoke all on function qdp.bytes_numeric(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
