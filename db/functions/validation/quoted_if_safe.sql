-- A raw value safe to quote in a reject reason: only digits and date separators (a misplaced
-- column could hold a name, which must never reach a reason or a notification).
create or replace function qdp.quoted_if_safe(prefix text, value text) returns text
language sql immutable parallel safe
return case
  when value ~ '^[0-9 ./-]{1,20}$' then prefix || ': "' || value || '"'
  else prefix
end;

revoke all on function qdp.quoted_if_safe(text,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.quoted_if_safe(text,text) to public;
