-- The one way a portal session reads quarantines (0072): runs the request's statement
-- (qdp.read_quarantines_sql, which says what a request holds), returns its rows and writes the
-- audit entry of exactly the people it returned, in the same call:
--   patient.view   the person, one entry naming them (fiscal_code) if the session sees them;
--   list.*         the first request.shown_limit rows in order (at least 1), one entry with
--                  detail.shown, their fiscal codes, detail.rows their number, and what was
--                  asked as the request says it (detail.filters: the filters given, the sort and
--                  its direction; detail.page for a page: offset / shown_limit + 1), never as the
--                  caller describes it; no row shown, no entry. At most one row is read past
--                  shown_limit (limit <= shown_limit + 1: a page reads one more than it shows, to
--                  know there is a next page; an export one more than it may hold), and it comes
--                  back with every column NULL: it says there is more and shows nobody, so no
--                  person leaves the database without an entry.
-- It runs as the caller, and only the readers may call it: qdp_<role>_reader, through
-- qdp.read_quarantines_as_<role> (SECURITY DEFINER), the only role whose reads of qdp.quarantines
-- the row policies answer. So the rows are the session's role's (its column privileges and row
-- policies), the entry is checked as every entry is (audit_entry_permitted.sql), and a refused
-- entry undoes the read with its transaction. Without a live session it raises before reading.
create or replace function qdp.read_quarantines(request jsonb) returns setof qdp.quarantines
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  action text := request ->> 'action';
  statement text := qdp.read_quarantines_sql(request);
  import_id bigint := (request ->> 'import_id')::bigint;
  client_address text := request ->> 'client_address';
  shown_limit integer;
  shown text[] := '{}';
  person qdp.quarantines;
  nobody qdp.quarantines;
begin
  if qdp.current_user_id() is null then
    raise exception 'qdp.read_quarantines: no valid session user (no live portal session of this role)'
      using errcode = '42501';
  end if;
  if action = 'patient.view' then
    for person in execute statement loop
      perform qdp.audit(action, person.fiscal_code, import_id, null, client_address);
      return next person;
    end loop;
    return;
  end if;
  if coalesce(request ->> 'shown_limit', '') !~ '^[0-9]{1,9}$' or (request ->> 'shown_limit')::integer < 1 then
    raise exception 'qdp.read_quarantines: % needs shown_limit, how many of the rows read are shown (at least 1)', action
      using errcode = '22023';
  end if;
  shown_limit := (request ->> 'shown_limit')::integer;
  if (request ->> 'limit')::bigint > shown_limit + 1 then
    raise exception 'qdp.read_quarantines: limit may be at most shown_limit + 1 (one row past the shown ones says there is more)'
      using errcode = '22023';
  end if;
  for person in execute statement loop
    if cardinality(shown) < shown_limit then
      shown := shown || person.fiscal_code;
      return next person;
    else
      return next nobody;
    end if;
  end loop;
  if cardinality(shown) > 0 then
    perform qdp.audit(action, null, import_id,
      jsonb_build_object('filters',
          coalesce((select jsonb_object_agg(f.key, f.value) from jsonb_each(request -> 'filters') f
                    where jsonb_typeof(f.value) = 'string' and f.value <> '""'::jsonb), '{}'::jsonb)
          || jsonb_build_object('sort', coalesce(request ->> 'sort', 'fiscal_code'),
                                'dir', coalesce(request ->> 'dir', 'asc')))
        || case when action = 'list.export' then '{}'::jsonb
                else jsonb_build_object('page', (request ->> 'offset')::bigint / shown_limit + 1) end
        || jsonb_build_object('rows', cardinality(shown), 'shown', to_jsonb(shown)),
      client_address);
  end if;
end
$$;

revoke all on function qdp.read_quarantines(jsonb) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.read_quarantines(jsonb) to qdp_admin_reader, qdp_staff_reader, qdp_prefecture_reader, qdp_municipality_reader, qdp_gp_reader;
