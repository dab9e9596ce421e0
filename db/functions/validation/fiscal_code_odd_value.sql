-- The check character of a fiscal code (DESIGN §5), computed from the code's bytes: the value of a
-- character depends on whether its (1-based) position is odd or even, and a digit and the letter
-- of the same rank (0/A, 1/B, ...) share both values, omocodia letters being ordinary letters.
-- Each table maps a byte (an ASCII code) to its value; get_byte on a constant and on the code's
-- bytes is far cheaper than substr/ascii on text. Callers convert the text once per row (text::bytea
-- reads only letters and digits as themselves: the pattern check comes first).
create or replace function qdp.fiscal_code_odd_value(c integer) returns integer
language sql immutable parallel safe
return get_byte('\x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000507090d0f1113150000000000000001000507090d0f111315020412140b0306080c0e100a16191817000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'::bytea, c);

revoke all on function qdp.fiscal_code_odd_value(integer) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_odd_value(integer) to public;
