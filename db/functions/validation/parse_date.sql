-- A date as the daily file writes it, or null when the text is not one of the forms above.
create or replace function qdp.parse_date(value text) returns date
language sql stable parallel safe
return (select f.day from qdp.date_forms f where f.form = value);

revoke all on function qdp.parse_date(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.parse_date(text) to public;
