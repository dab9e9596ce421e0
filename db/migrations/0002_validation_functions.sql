-- Pure, immutable validation helpers used by qdp.reconcile_import. They are single-expression SQL
-- functions without SET clauses so that the planner inlines them into the set-based statements:
-- no per-row function call overhead over a million rows.

-- Value of one fiscal-code character in an even (1-based) position: digits 0-9, letters A-Z 0-25.
create function qdp.fiscal_code_even_value(c integer) returns integer
language sql immutable parallel safe
return c - case when c <= 57 then 48 else 65 end;

-- Value of one character in an odd (1-based) position. A digit and the letter of the same
-- even value (0/A, 1/B, ...) share the odd value, so one 26-entry table covers both.
create function qdp.fiscal_code_odd_value(c integer) returns integer
language sql immutable parallel safe
return ('{1,0,5,7,9,13,15,17,19,21,2,4,18,20,11,3,6,8,12,14,16,10,22,25,24,23}'::integer[])
  [qdp.fiscal_code_even_value(c) + 1];

-- The check character of the first 15 characters of an upper-case fiscal code (omocodia letters
-- included: they are ordinary letters for the checksum). Unrolled so that it stays one expression.
create function qdp.fiscal_code_check_character(code text) returns text
language sql immutable parallel safe
return chr(65 + (
    qdp.fiscal_code_odd_value(ascii(substr(code, 1, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 2, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 3, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 4, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 5, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 6, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 7, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 8, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 9, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 10, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 11, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 12, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 13, 1)))
  + qdp.fiscal_code_even_value(ascii(substr(code, 14, 1)))
  + qdp.fiscal_code_odd_value(ascii(substr(code, 15, 1)))
  ) % 26);

-- The shape of a fiscal code: omocodia replaces digits by L M N P Q R S T U V.
create function qdp.fiscal_code_has_valid_pattern(code text) returns boolean
language sql immutable parallel safe
return code ~ '^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$';

-- True for a well-formed upper-case fiscal code whose 16th character is the right check character.
create function qdp.fiscal_code_is_valid(code text) returns boolean
language sql immutable parallel safe
return coalesce(qdp.fiscal_code_has_valid_pattern(code)
  and substr(code, 16, 1) = qdp.fiscal_code_check_character(code), false);

-- make_date without exceptions: null when the day, month or year does not exist.
create function qdp.make_date_or_null(y integer, m integer, d integer) returns date
language sql immutable parallel safe
return case
  when y < 1 or m < 1 or m > 12 or d < 1 then null
  when d > case
      when m = 2 then case when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 29 else 28 end
      when m in (4, 6, 9, 11) then 30
      else 31
    end then null
  else make_date(y, m, d)
end;

-- A date as the daily file writes it: dd/mm/yyyy (also d/m/yyyy) or yyyy-mm-dd (xlsx dates are
-- written as ISO by the reader). Null when the text is not one of those or not a real date.
create function qdp.parse_date(value text) returns date
language sql immutable parallel safe
return case
  when value ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' then qdp.make_date_or_null(
    split_part(value, '/', 3)::integer, split_part(value, '/', 2)::integer,
    split_part(value, '/', 1)::integer)
  when value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then qdp.make_date_or_null(
    substr(value, 1, 4)::integer, substr(value, 6, 2)::integer, substr(value, 9, 2)::integer)
end;

-- A raw value safe to quote in a reject reason: only digits and date separators (a misplaced
-- column could hold a name, which must never reach a reason or a notification).
create function qdp.quoted_if_safe(prefix text, value text) returns text
language sql immutable parallel safe
return case
  when value ~ '^[0-9 ./-]{1,20}$' then prefix || ': "' || value || '"'
  else prefix
end;
