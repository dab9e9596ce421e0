-- An RS256 signature check (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2.2): s^e mod n must be
-- the encoding 0x00 0x01 FF…FF 0x00 DigestInfo(SHA-256) H(input) of the key's length. PostgreSQL
-- has no RSA, but numeric is exact at any length: the modular exponentiation is square and
-- multiply over numerics (e = 65537: 17 multiplications of 2048-bit numbers, a few milliseconds).
create or replace function qdp.rs256_valid(p_input bytea, p_signature bytea, p_n bytea, p_e bytea)
returns boolean
language plpgsql immutable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  n numeric := qdp.bytes_numeric(p_n);
  e numeric := qdp.bytes_numeric(p_e);
  s numeric := qdp.bytes_numeric(p_signature);
  k integer := length(ltrim(encode(p_n, 'hex'), '0'));
  digest_info bytea := '\x3031300d060960864801650304020105000420'::bytea || sha256(p_input);
  m numeric := 1;
  base numeric;
begin
  k := (k + 1) / 2; -- the modulus's length in bytes
  if n is null or e is null or s is null or n < 3 or e < 3 or s >= n
     or length(p_signature) <> k or k < length(digest_info) + 11 or k > 1024 then
    return false;
  end if;
  base := s;
  while e > 0 loop
    if mod(e, 2) = 1 then
      m := mod(m * base, n);
    end if;
    e := div(e, 2);
    if e > 0 then
      base := mod(base * base, n);
    end if;
  end loop;
  return m = qdp.bytes_numeric('\x0001'::bytea || decode(repeat('ff', k - length(digest_info) - 3), 'hex')
                               || '\x00'::bytea || digest_info);
end
$$;

revoke all on function qdp.rs256_valid(bytea, bytea, bytea, bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
