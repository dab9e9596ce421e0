-- True for a well-formed upper-case fiscal code whose 16th character is the right check character.
create or replace function qdp.fiscal_code_is_valid(code text) returns boolean
language sql immutable parallel safe
return case
  when qdp.fiscal_code_has_valid_pattern(code)
    then get_byte(code::bytea, 15) - 65 = qdp.fiscal_code_check_value(code::bytea)
  else false
end;

revoke all on function qdp.fiscal_code_is_valid(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_is_valid(text) to public;
