-- The time step of a TOTP code (RFC 6238 over RFC 4226: HMAC-SHA-1, 6 digits, 30-second steps,
-- one step either side of now for a phone's clock a little off) later than p_after, or NULL. The
-- portal's authenticator address (portal/sign-in/second-factor.ts) announces these parameters;
-- test/db/sign-in.test.ts checks that the codes an authenticator library makes are accepted here.
create or replace function qdp.totp_step(p_secret bytea, p_code text, p_after bigint) returns bigint
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  now_step bigint := floor(extract(epoch from now()) / 30)::bigint;
  s bigint;
  mac bytea;
  o integer;
  v bigint;
begin
  if p_secret is null or p_code is null or p_code !~ '^[0-9]{6}$' then
    return null;
  end if;
  for s in now_step - 1 .. now_step + 1 loop
    continue when p_after is not null and s <= p_after;
    mac := qdp_crypto.hmac(int8send(s), p_secret, 'sha1');
    o := get_byte(mac, 19) & 15;
    v := ((get_byte(mac, o) & 127)::bigint << 24) | (get_byte(mac, o + 1)::bigint << 16)
         | (get_byte(mac, o + 2)::bigint << 8) | get_byte(mac, o + 3)::bigint;
    if lpad((v % 1000000)::text, 6, '0') = p_code then
      return s;
    end if;
  end loop;
  return null;
end
$$;

revoke all on function qdp.totp_step(bytea, text, bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
