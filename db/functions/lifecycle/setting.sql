-- A named limit from qdp.settings; a missing key is a programming error, not a silent default.
create or replace function qdp.setting(setting_key text) returns text
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  found_value text;
begin
  select value into found_value from qdp.settings where key = setting_key;
  if not found then
    raise exception 'unknown setting "%"', setting_key using errcode = 'P0002';
  end if;
  return found_value;
end
$$;

revoke all on function qdp.setting(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.setting(text) to public;
