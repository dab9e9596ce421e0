-- The shape of a fiscal code: omocodia replaces digits by L M N P Q R S T U V.
create or replace function qdp.fiscal_code_has_valid_pattern(code text) returns boolean
language sql immutable parallel safe
return code ~ '^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$';

revoke all on function qdp.fiscal_code_has_valid_pattern(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.fiscal_code_has_valid_pattern(text) to public;
