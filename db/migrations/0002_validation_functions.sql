-- Pure, immutable validation helpers used by qdp.reconcile_import. They are single-expression SQL
-- functions without SET clauses so that the planner inlines them into the set-based statements:
-- no per-row function call overhead over a million rows.

-- The check character of a fiscal code (DESIGN §5), computed from the code's bytes: the value of a
-- character depends on whether its (1-based) position is odd or even, and a digit and the letter
-- of the same rank (0/A, 1/B, ...) share both values, omocodia letters being ordinary letters.
-- Each table maps a byte (an ASCII code) to its value; get_byte on a constant and on the code's
-- bytes is far cheaper than substr/ascii on text. Callers convert the text once per row (text::bytea
-- reads only letters and digits as themselves: the pattern check comes first).
create function qdp.fiscal_code_odd_value(c integer) returns integer
language sql immutable parallel safe
return get_byte('\x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000507090d0f1113150000000000000001000507090d0f111315020412140b0306080c0e100a16191817000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'::bytea, c);

create function qdp.fiscal_code_even_value(c integer) returns integer
language sql immutable parallel safe
return get_byte('\x0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001020304050607080900000000000000000102030405060708090a0b0c0d0e0f10111213141516171819000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'::bytea, c);

-- 0..25, the rank of the check character of the first 15 bytes (null for a shorter code).
create function qdp.fiscal_code_check_value(code_bytes bytea) returns integer
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

-- The check character (A..Z) of the first 15 characters of an upper-case fiscal code.
create function qdp.fiscal_code_check_character(code text) returns text
language sql immutable parallel safe
return chr(65 + qdp.fiscal_code_check_value(code::bytea));

-- The shape of a fiscal code: omocodia replaces digits by L M N P Q R S T U V.
create function qdp.fiscal_code_has_valid_pattern(code text) returns boolean
language sql immutable parallel safe
return code ~ '^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$';

-- Class bits of a byte in a fiscal code: 1 letter, 2 digit or omocodia letter (L M N P Q R S T U V),
-- 4 month letter (A B C D E H L M P R S T).
create function qdp.fiscal_code_class(c integer) returns integer
language sql immutable parallel safe
return get_byte('\x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002020202020202020202000000000000000505050505010105010101070703010703070707030301010101000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'::bytea, c);

-- The same shape as qdp.fiscal_code_has_valid_pattern on the code's bytes, without a regular
-- expression (several times cheaper over a million rows): all 16 bytes must be in their class.
create function qdp.fiscal_code_bytes_have_valid_pattern(code_bytes bytea) returns boolean
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

-- True for a well-formed upper-case fiscal code whose 16th character is the right check character.
create function qdp.fiscal_code_is_valid(code text) returns boolean
language sql immutable parallel safe
return case
  when qdp.fiscal_code_has_valid_pattern(code)
    then get_byte(code::bytea, 15) - 65 = qdp.fiscal_code_check_value(code::bytea)
  else false
end;

-- Every way the daily file may write a real date, from 1800 to 2199: dd/mm/yyyy, d/m/yyyy (and
-- the mixed d/mm, dd/m forms) and yyyy-mm-dd (xlsx dates reach transit as ISO). This table is the
-- rule: a text is a date exactly when it is a form here. Reconciliation joins it (a hash lookup is
-- about five times cheaper per row than a regular expression plus arithmetic) and qdp.parse_date
-- looks it up one value at a time.
create table qdp.date_forms (
  form text primary key,
  day date not null
);

insert into qdp.date_forms (form, day)
select distinct on (form) form, day::date
from generate_series(date '1800-01-01', date '2199-12-31', interval '1 day') as day
cross join lateral (values
  (to_char(day, 'DD/MM/YYYY')),
  (to_char(day, 'FMDD/FMMM/YYYY')),
  (to_char(day, 'DD/FMMM/YYYY')),
  (to_char(day, 'FMDD/MM/YYYY')),
  (to_char(day, 'YYYY-MM-DD'))
) as forms (form)
order by form;

analyze qdp.date_forms;

-- A date as the daily file writes it, or null when the text is not one of the forms above.
create function qdp.parse_date(value text) returns date
language sql stable parallel safe
return (select f.day from qdp.date_forms f where f.form = value);

-- A raw value safe to quote in a reject reason: only digits and date separators (a misplaced
-- column could hold a name, which must never reach a reason or a notification).
create function qdp.quoted_if_safe(prefix text, value text) returns text
language sql immutable parallel safe
return case
  when value ~ '^[0-9 ./-]{1,20}$' then prefix || ': "' || value || '"'
  else prefix
end;
