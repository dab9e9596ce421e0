-- The GP's patients by municipality: a per-key table like by_municipality and by_gp, keyed by GP
-- code and municipality of residence, so that a GP's dashboard can show where its patients in
-- quarantine live without reading the patient tables (by_municipality is every GP's, by_gp has no
-- municipality).
--
-- The fill of 0012 is restated whole, and reshaped so that the three per-key tables come from one
-- grouping and one statement:
--   * the reference day (the import's newest start) is read first, so "ending" is counted while
--     grouping instead of grouping by end date: 0012 grouped by (key, reason, end date) to find it
--     afterwards, which for GP × municipality would mean about 400,000 groups per million rows
--     (every GP, every municipality, every end date) instead of about 70,000;
--   * one grouped scan by (municipality, GP code, reason), the finest key, into a temporary table;
--     by_gp_municipality takes it as it is, by_municipality and by_gp sum it over the other key;
--   * one statement fills each table (qdp_analytics.fill_per_key), the same for the three: people,
--     entries, extended, shortened, ending, and exits = the previous import's people of the key
--     minus those carried over (change <> 'new'), as 0012 counted them.
-- Counts are unchanged for by_municipality, by_gp and imports; the tests compare every table with
-- counts computed directly from the quarantines.

create table qdp_analytics.by_gp_municipality (
  import_id bigint not null references qdp_analytics.imports (import_id) on delete cascade,
  gp_code text not null, -- '' for people without a GP
  residence_istat text not null,
  reason text not null,
  people integer not null,
  entries integer not null,
  extended integer not null,
  shortened integer not null,
  ending integer not null,
  exits integer not null,
  -- Also the GP's policy index: import_id = latest and gp_code = the session's.
  primary key (import_id, gp_code, residence_istat, reason)
);

-- The import's quarantines grouped by municipality, GP code ('' for none) and reason, with the
-- counts every per-key table sums: the temporary table analytics_grouped (dropped at commit, or by
-- the caller when it fills several imports in one transaction). The caller checks that the
-- import's partition exists.
create function qdp_analytics.group_quarantines(p_import_id bigint, p_reference_day date)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics
set work_mem = '256MB'
as $$
begin
  execute format($sql$
    create temporary table analytics_grouped on commit drop as
      select q.residence_istat, coalesce(q.gp_code, '') as gp_code, q.reason,
        count(*)::integer as people,
        (count(*) filter (where q.change = 'new'))::integer as entries,
        (count(*) filter (where q.change = 'extended'))::integer as extended,
        (count(*) filter (where q.change = 'shortened'))::integer as shortened,
        (count(*) filter (where q.end_date = $1))::integer as ending
      from qdp.quarantines_%1$s q
      group by q.residence_istat, q.gp_code, q.reason
  $sql$, p_import_id) using p_reference_day;
end
$$;

-- Fills one per-key table for an import from analytics_grouped: the table's key columns (every
-- one of them is a column of analytics_grouped) plus the reason. Keys the previous import had and
-- this one has not get a row too, with only exits.
create function qdp_analytics.fill_per_key(p_table text, p_keys text[], p_import_id bigint,
  p_previous_id bigint)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics
as $$
declare
  keys text := (select string_agg(quote_ident(k), ', ') from unnest(p_keys) k);
begin
  -- FULL JOIN ... USING: each key column is the one side's or the other's.
  execute format($sql$
    insert into qdp_analytics.%1$I (import_id, %2$s, reason, people, entries, extended, shortened,
      ending, exits)
    select $1, %2$s, reason, coalesce(g.people, 0), coalesce(g.entries, 0),
      coalesce(g.extended, 0), coalesce(g.shortened, 0), coalesce(g.ending, 0),
      coalesce(p.people, 0) - coalesce(g.people - g.entries, 0)
    from (
      select %2$s, reason, sum(people)::integer as people, sum(entries)::integer as entries,
        sum(extended)::integer as extended, sum(shortened)::integer as shortened,
        sum(ending)::integer as ending
      from analytics_grouped group by %2$s, reason
    ) g
    full join (
      select %2$s, reason, people from qdp_analytics.%1$I
      where import_id = $2 and people > 0
    ) p using (%2$s, reason)
  $sql$, p_table, keys) using p_import_id, p_previous_id;
end
$$;

-- The per-key tables and their keys, in the order they are filled.
create function qdp_analytics.per_key_tables(out table_name text, out keys text[])
returns setof record
language sql immutable
as $$
  values ('by_municipality', array['residence_istat']),
         ('by_gp', array['gp_code']),
         ('by_gp_municipality', array['gp_code', 'residence_istat'])
$$;

-- Aggregates one import (called by the publication hook of 0012/0015, unchanged): the reference
-- day, one grouped scan, every per-key table, then the import's totals from by_municipality.
create or replace function qdp_analytics.aggregate_import(p_import_id bigint, p_previous_id bigint)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics
set work_mem = '256MB'
as $$
declare
  ref_day date;
  k record;
begin
  if to_regclass(format('qdp.quarantines_%s', p_import_id)) is null then
    raise exception 'qdp_analytics: import % has no quarantines partition', p_import_id
      using errcode = 'P0002';
  end if;
  -- The day the file describes: its newest start (no rows: today, as 0012).
  execute format('select max(start_date) from qdp.quarantines_%s', p_import_id) into ref_day;
  ref_day := coalesce(ref_day, current_date);

  perform qdp_analytics.group_quarantines(p_import_id, ref_day);

  insert into qdp_analytics.imports (import_id, reference_day, previous_import_id, people, entries,
    exits, ending, first_published_at)
  values (p_import_id, ref_day, p_previous_id, 0, 0, 0, 0, now());

  for k in select * from qdp_analytics.per_key_tables() loop
    perform qdp_analytics.fill_per_key(k.table_name, k.keys, p_import_id, p_previous_id);
  end loop;

  update qdp_analytics.imports i set people = t.people, entries = t.entries, exits = t.exits,
    ending = t.ending
  from (
    select coalesce(sum(people), 0) as people, coalesce(sum(entries), 0) as entries,
      coalesce(sum(exits), 0) as exits, coalesce(sum(ending), 0) as ending
    from qdp_analytics.by_municipality where import_id = p_import_id
  ) t
  where i.import_id = p_import_id;

  drop table analytics_grouped;
end
$$;

-- Imports aggregated before this migration get their GP × municipality rows now, in the order
-- they were first published (exits count against the previous import's rows, filled first), with
-- the reference day and previous import they were aggregated with.
do $$
declare
  imp record;
begin
  for imp in
    select a.import_id, a.previous_import_id, a.reference_day
    from qdp_analytics.imports a
    order by a.first_published_at, a.import_id
  loop
    if to_regclass(format('qdp.quarantines_%s', imp.import_id)) is not null then
      perform qdp_analytics.group_quarantines(imp.import_id, imp.reference_day);
      perform qdp_analytics.fill_per_key(k.table_name, k.keys, imp.import_id,
        imp.previous_import_id)
      from qdp_analytics.per_key_tables() k where k.table_name = 'by_gp_municipality';
      drop table analytics_grouped;
    end if;
  end loop;
end
$$;

revoke all on function qdp_analytics.group_quarantines(bigint, date),
  qdp_analytics.fill_per_key(text, text[], bigint, bigint),
  qdp_analytics.per_key_tables() from public;

-- Who reads it (DESIGN §6): the health authority all of it, a GP its own code's rows (with the
-- reason, which GPs may see). The Prefecture and the municipalities get no GP dimension (as for
-- by_gp): no grant, so a query by them fails rather than returning nothing.
grant select on qdp_analytics.by_gp_municipality to qdp_admin, qdp_staff, qdp_gp;

alter table qdp_analytics.by_gp_municipality enable row level security;
alter table qdp_analytics.by_gp_municipality force row level security;
do $$
begin
  execute format(
    'create policy owner_all on qdp_analytics.by_gp_municipality to %I using (true) with check (true)',
    current_user);
end
$$;
create policy by_gp_municipality_all on qdp_analytics.by_gp_municipality for select
  to qdp_admin, qdp_staff
  using (qdp.current_user_id() is not null);
create policy by_gp_municipality_own on qdp_analytics.by_gp_municipality for select to qdp_gp
  using (gp_code = qdp_analytics.scope_gp_code());
