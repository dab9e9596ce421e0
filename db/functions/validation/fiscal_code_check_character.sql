-- The check character (A..Z) of the first 15 characters of an upper-case fiscal code.
create or replace function qdp.fiscal_code_check_character(code text) returns text
language sql immutable parallel safe
return chr(65 + qdp.fiscal_code_check_value(code::bytea));

revoke all on function qdp.fiscal_code_check_character(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_check_character(text) to public;
