-- The same shape as qdp.fiscal_code_has_valid_pattern on the code's bytes, without a regular
-- expression (several times cheaper over a million rows): all 16 bytes must be in their class.
create or replace function qdp.fiscal_code_bytes_have_valid_pattern(code_bytes bytea) returns boolean
language sql immutable parallel safe
return case when octet_length(code_bytes) = 16 then
  (qdp.fiscal_code_class(get_byte(code_bytes, 0)) & qdp.fiscal_code_class(get_byte(code_bytes, 1))
   & qdp.fiscal_code_class(get_byte(code_bytes, 2)) & qdp.fiscal_code_class(get_byte(code_bytes, 3))
   & qdp.fiscal_code_class(get_byte(code_bytes, 4)) & qdp.fiscal_code_class(get_byte(code_bytes, 5))
   & qdp.fiscal_code_class(get_byte(code_bytes, 11)) & qdp.fiscal_code_class(get_byte(code_bytes, 15))
   & 1)
  + (qdp.fiscal_code_class(get_byte(code_bytes, 6)) & qdp.fiscal_code_class(get_byte(code_bytes, 7))
   & qdp.fiscal_code_class(get_byte(code_bytes, 9)) & qdp.fiscal_code_class(get_byte(code_bytes, 10))
   & qdp.fiscal_code_class(get_byte(code_bytes, 12)) & qdp.fiscal_code_class(get_byte(code_bytes, 13))
   & qdp.fiscal_code_class(get_byte(code_bytes, 14)) & 2)
  + (qdp.fiscal_code_class(get_byte(code_bytes, 8)) & 4) = 7
else false end;

revoke all on function qdp.fiscal_code_bytes_have_valid_pattern(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_bytes_have_valid_pattern(bytea) to public;
