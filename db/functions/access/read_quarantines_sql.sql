-- The statement qdp.read_quarantines runs for a request, every value a literal: the import's id a
-- constant, so the partitioned table is pruned while planning (one partition planned and locked,
-- not a year of them), every identifier a column of qdp.quarantines or one of the sorts below,
-- every value quoted. It reads nothing and runs as the caller; the portal benchmark runs the
-- statement it gives as its baseline (bench/portal.ts), as the page's reader.
--
-- request (jsonb, built by portal/queries/list.ts and patient.ts):
--   action         patient.view | list.view | list.search | list.export
--   import_id      the import read (null: nothing is published, no row)
--   columns        the fields to read; the other columns are NULL in the rows, fiscal_code is
--                  always read (the audit names it). A column the role may not read fails the
--                  read (column privileges), whatever asks for it.
--   patient.view:  fiscal_code
--   list.*:        filters {q (prefix of fiscal code, surname, name or "surname name"),
--                  municipality (ISTAT code), reason, status (new | extended | shortened |
--                  ending), from, to (yyyy-mm-dd)}, each optional; sort (fiscal_code | surname |
--                  start_date | end_date | municipality), dir (asc | desc), limit, offset,
--                  reference_day (the import's, for status "ending")
-- A request that breaks these rules raises 22023 naming the key, and nothing is read.
create or replace function qdp.read_quarantines_sql(request jsonb) returns text
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  action text := request ->> 'action';
  wanted text[];
  unknown text;
  known text[];
  select_list text;
  filters jsonb := coalesce(request -> 'filters', '{}'::jsonb);
  conditions text[];
  pattern text;
  sort_columns text[];
  direction text := coalesce(request ->> 'dir', 'asc');
  row_limit integer;
  row_offset bigint;
  bound text;
begin
  if action is null or action not in ('patient.view', 'list.view', 'list.search', 'list.export') then
    raise exception 'qdp.read_quarantines: action must be patient.view, list.view, list.search or list.export, not %',
      coalesce(action, 'null') using errcode = '22023';
  end if;
  if jsonb_typeof(request -> 'columns') is distinct from 'array' then
    raise exception 'qdp.read_quarantines: columns must be an array of column names' using errcode = '22023';
  end if;
  wanted := array(select jsonb_array_elements_text(request -> 'columns'));
  -- One pass over the table's columns: the select list (the others NULL, in the table's order, so
  -- the rows are qdp.quarantines rows) and the names a request may ask for.
  select string_agg(case when a.attname = any (wanted) or a.attname = 'fiscal_code'
                      then format('q.%I', a.attname)
                      else format('null::%s', format_type(a.atttypid, a.atttypmod)) end,
                    ', ' order by a.attnum),
         array_agg(a.attname::text)
    into select_list, known
  from pg_catalog.pg_attribute a
  where a.attrelid = 'qdp.quarantines'::regclass and a.attnum > 0 and not a.attisdropped;
  select c into unknown from unnest(wanted) c where c <> all (known) limit 1;
  if found then
    raise exception 'qdp.read_quarantines: columns: % is not a column of qdp.quarantines', unknown
      using errcode = '22023';
  end if;

  if jsonb_typeof(request -> 'import_id') = 'null' or not request ? 'import_id' then
    conditions := array['false'];
  elsif jsonb_typeof(request -> 'import_id') = 'number' and (request ->> 'import_id') ~ '^[0-9]{1,18}$' then
    conditions := array[format('q.import_id = %s', request ->> 'import_id')];
  else
    raise exception 'qdp.read_quarantines: import_id must be an import''s id or null' using errcode = '22023';
  end if;

  if action = 'patient.view' then
    if jsonb_typeof(request -> 'fiscal_code') is distinct from 'string' then
      raise exception 'qdp.read_quarantines: patient.view needs fiscal_code, a string' using errcode = '22023';
    end if;
    return format('select %s from qdp.quarantines q where q.fiscal_code = %L and %s',
                  select_list, request ->> 'fiscal_code', array_to_string(conditions, ' and '));
  end if;

  if jsonb_typeof(filters) <> 'object' then
    raise exception 'qdp.read_quarantines: filters must be an object' using errcode = '22023';
  end if;
  if coalesce(filters ->> 'q', '') <> '' then
    -- A prefix matched literally: LIKE's wildcards and escape character escaped.
    pattern := format('%L', regexp_replace(filters ->> 'q', '([\\%_])', '\\\1', 'g') || '%');
    conditions := conditions || format(
      '(q.fiscal_code like %1$s or q.surname like %1$s or q.name like %1$s or (q.surname || '' '' || q.name) like %1$s)',
      pattern);
  end if;
  if coalesce(filters ->> 'municipality', '') <> '' then
    if (filters ->> 'municipality') !~ '^[0-9]{6}$' then
      raise exception 'qdp.read_quarantines: filters.municipality must be a 6-digit ISTAT code' using errcode = '22023';
    end if;
    conditions := conditions || format('q.residence_istat = %L', filters ->> 'municipality');
  end if;
  if coalesce(filters ->> 'reason', '') <> '' then
    if (filters ->> 'reason') not in ('POSITIVO', 'CONTATTO') then
      raise exception 'qdp.read_quarantines: filters.reason must be POSITIVO or CONTATTO' using errcode = '22023';
    end if;
    conditions := conditions || format('q.reason = %L', filters ->> 'reason');
  end if;
  if coalesce(filters ->> 'status', '') = 'ending' then
    if request ? 'reference_day' and jsonb_typeof(request -> 'reference_day') <> 'null'
       and coalesce(request ->> 'reference_day', '') !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
      raise exception 'qdp.read_quarantines: reference_day must be a date yyyy-mm-dd or null' using errcode = '22023';
    end if;
    conditions := conditions || format('q.end_date = %L::date', request ->> 'reference_day');
  elsif coalesce(filters ->> 'status', '') <> '' then
    if (filters ->> 'status') not in ('new', 'extended', 'shortened') then
      raise exception 'qdp.read_quarantines: filters.status must be new, extended, shortened or ending' using errcode = '22023';
    end if;
    conditions := conditions || format('q.change = %L', filters ->> 'status');
  end if;
  -- The dates: from bounds the start, to the end.
  foreach bound in array array['from', 'to'] loop
    if coalesce(filters ->> bound, '') <> '' then
      if (filters ->> bound) !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
        raise exception 'qdp.read_quarantines: filters.% must be a date yyyy-mm-dd', bound using errcode = '22023';
      end if;
      conditions := conditions || format(
        case bound when 'from' then 'q.start_date >= %L::date' else 'q.end_date <= %L::date' end,
        filters ->> bound);
    end if;
  end loop;

  -- Each sort ends with the fiscal code: a total order, and the list's indexes end with it (0025).
  sort_columns := case coalesce(request ->> 'sort', 'fiscal_code')
    when 'fiscal_code' then array['fiscal_code']
    when 'surname' then array['surname', 'name', 'fiscal_code']
    when 'start_date' then array['start_date', 'fiscal_code']
    when 'end_date' then array['end_date', 'fiscal_code']
    when 'municipality' then array['residence_name', 'fiscal_code']
  end;
  if sort_columns is null then
    raise exception 'qdp.read_quarantines: sort must be fiscal_code, surname, start_date, end_date or municipality'
      using errcode = '22023';
  end if;
  if direction not in ('asc', 'desc') then
    raise exception 'qdp.read_quarantines: dir must be asc or desc' using errcode = '22023';
  end if;
  if coalesce(request ->> 'limit', '') !~ '^[0-9]{1,9}$' or coalesce(request ->> 'offset', '') !~ '^[0-9]{1,10}$' then
    raise exception 'qdp.read_quarantines: limit and offset must be whole numbers' using errcode = '22023';
  end if;
  row_limit := (request ->> 'limit')::integer;
  row_offset := (request ->> 'offset')::bigint;
  return format('select %s from qdp.quarantines q where %s order by %s limit %s offset %s',
                select_list, array_to_string(conditions, ' and '),
                (select string_agg(format('q.%I %s', c, direction), ', ' order by n)
                 from unnest(sort_columns) with ordinality s(c, n)),
                row_limit, row_offset);
end
$$;

revoke all on function qdp.read_quarantines_sql(jsonb) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.read_quarantines_sql(jsonb) to qdp_admin_reader, qdp_staff_reader, qdp_prefecture_reader, qdp_municipality_reader, qdp_gp_reader;
