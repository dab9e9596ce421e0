-- 0..25, the rank of the check character of the first 15 bytes (null for a shorter code).
create or replace function qdp.fiscal_code_check_value(code_bytes bytea) returns integer
language sql immutable parallel safe
return case when octet_length(code_bytes) >= 15 then (
    qdp.fiscal_code_odd_value(get_byte(code_bytes, 0))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 1))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 2))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 3))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 4))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 5))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 6))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 7))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 8))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 9))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 10))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 11))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 12))
  + qdp.fiscal_code_even_value(get_byte(code_bytes, 13))
  + qdp.fiscal_code_odd_value(get_byte(code_bytes, 14))
  ) % 26 end;

revoke all on function qdp.fiscal_code_check_value(bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_check_value(bytea) to public;
