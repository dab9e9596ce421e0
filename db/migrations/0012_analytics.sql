-- Dashboard aggregates (the local stand-in for Redshift; the Glue analytics job copies every table
-- of this schema). No direct identifiers: counts per import by municipality, by GP code and by
-- day of access. Filled incrementally: once per import, when it is first published (a trigger on
-- qdp.publications, so the lifecycle functions of 0003 are not replaced); a rollback only adds a
-- publication row, the rolled-back-to import's aggregates already exist.
create schema qdp_analytics;

-- One row per import that was ever published.
create table qdp_analytics.imports (
  import_id bigint primary key references qdp.imports (id) on delete cascade,
  -- The day the import describes: its latest quarantine start (a file lists people in quarantine
  -- on its day, so the newest start is that day; the file itself carries no date).
  reference_day date not null,
  -- The import that was the latest just before its first publication (exits are counted against it;
  -- NULL when it had no aggregates, for instance purged).
  previous_import_id bigint,
  people integer not null,
  entries integer not null,
  exits integer not null,
  ending integer not null,
  first_published_at timestamptz not null
);

-- Every move of the latest import (publish or rollback), copied from qdp.publications so that the
-- dashboards (and Redshift) know which import was shown when without reading the platform tables.
create table qdp_analytics.publications (
  publication_id bigint primary key references qdp.publications (id) on delete cascade,
  import_id bigint not null references qdp_analytics.imports (import_id) on delete cascade,
  action text not null,
  at timestamptz not null
);

-- Per import and municipality of residence (ISTAT code) and reason: people in quarantine, entries
-- (new since the previous latest), extended, shortened, ending on the reference day, and exits
-- (people of the previous latest, by their municipality there, absent from this import).
create table qdp_analytics.by_municipality (
  import_id bigint not null references qdp_analytics.imports (import_id) on delete cascade,
  residence_istat text not null,
  reason text not null,
  people integer not null,
  entries integer not null,
  extended integer not null,
  shortened integer not null,
  ending integer not null,
  exits integer not null,
  primary key (import_id, residence_istat, reason)
);

-- The same per GP code ('' for people without a GP).
create table qdp_analytics.by_gp (
  import_id bigint not null references qdp_analytics.imports (import_id) on delete cascade,
  gp_code text not null,
  reason text not null,
  people integer not null,
  entries integer not null,
  extended integer not null,
  shortened integer not null,
  ending integer not null,
  exits integer not null,
  primary key (import_id, gp_code, reason)
);

-- Accesses per day, role and action (from the audit log, without who or whom).
create table qdp_analytics.accesses (
  day date not null,
  role text not null,
  action text not null,
  count bigint not null,
  primary key (day, role, action)
);

-- Aggregates one import: one scan of its quarantines grouped by municipality and by GP (with the
-- end date, from which the reference day and "ending" follow). The grouped rows stay small (a few
-- thousand) whatever the import's size: about 0.5 s for a million quarantines. Exits come from the
-- previous import's aggregates, not from an anti-join of the two imports (which doubled the cost
-- inside the import): the people of the previous import minus those carried over into this one
-- (the quarantines whose change is not 'new'), per municipality or GP. A person who moved between
-- two imports counts where they are now, so one key's exits can be off by the movers (the total is
-- exact).
create function qdp_analytics.aggregate_import(p_import_id bigint, p_previous_id bigint)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics
set work_mem = '256MB'
as $$
declare
  ref_day date;
begin
  if to_regclass(format('qdp.quarantines_%s', p_import_id)) is null then
    raise exception 'qdp_analytics: import % has no quarantines partition', p_import_id
      using errcode = 'P0002';
  end if;

  execute format($sql$
    create temporary table analytics_grouped on commit drop as
      select grouping(q.residence_istat) = 0 as by_municipality,
        coalesce(q.residence_istat, coalesce(q.gp_code, '')) as code,
        q.reason, q.end_date,
        count(*)::integer as people,
        (count(*) filter (where q.change = 'new'))::integer as entries,
        (count(*) filter (where q.change = 'extended'))::integer as extended,
        (count(*) filter (where q.change = 'shortened'))::integer as shortened,
        max(q.start_date) as max_start
      from qdp.quarantines_%1$s q
      group by grouping sets ((q.residence_istat, q.reason, q.end_date),
                              (q.gp_code, q.reason, q.end_date))
  $sql$, p_import_id);

  select max(max_start) into ref_day from analytics_grouped where by_municipality;
  if ref_day is null then
    ref_day := current_date;
  end if;

  insert into qdp_analytics.imports (import_id, reference_day, previous_import_id, people, entries,
    exits, ending, first_published_at)
  values (p_import_id, ref_day, p_previous_id, 0, 0, 0, 0, now());

  insert into qdp_analytics.by_municipality (import_id, residence_istat, reason, people, entries,
    extended, shortened, ending, exits)
  select p_import_id, coalesce(g.code, p.residence_istat), coalesce(g.reason, p.reason),
    coalesce(g.people, 0), coalesce(g.entries, 0), coalesce(g.extended, 0),
    coalesce(g.shortened, 0), coalesce(g.ending, 0),
    coalesce(p.people, 0) - coalesce(g.people - g.entries, 0)
  from (
    select code, reason, sum(people)::integer as people, sum(entries)::integer as entries,
      sum(extended)::integer as extended, sum(shortened)::integer as shortened,
      (sum(people) filter (where end_date = ref_day))::integer as ending
    from analytics_grouped where by_municipality group by code, reason
  ) g
  full join (
    select residence_istat, reason, people from qdp_analytics.by_municipality
    where import_id = p_previous_id and people > 0
  ) p on p.residence_istat = g.code and p.reason = g.reason;

  insert into qdp_analytics.by_gp (import_id, gp_code, reason, people, entries, extended,
    shortened, ending, exits)
  select p_import_id, coalesce(g.code, p.gp_code), coalesce(g.reason, p.reason),
    coalesce(g.people, 0), coalesce(g.entries, 0), coalesce(g.extended, 0),
    coalesce(g.shortened, 0), coalesce(g.ending, 0),
    coalesce(p.people, 0) - coalesce(g.people - g.entries, 0)
  from (
    select code, reason, sum(people)::integer as people, sum(entries)::integer as entries,
      sum(extended)::integer as extended, sum(shortened)::integer as shortened,
      (sum(people) filter (where end_date = ref_day))::integer as ending
    from analytics_grouped where not by_municipality group by code, reason
  ) g
  full join (
    select gp_code, reason, people from qdp_analytics.by_gp
    where import_id = p_previous_id and people > 0
  ) p on p.gp_code = g.code and p.reason = g.reason;

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

-- The publication hook: aggregates an import the first time it becomes the latest, and records
-- every publication. Security definer: it writes qdp_analytics whoever publishes.
create function qdp_analytics.on_publication() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, qdp_analytics
as $$
declare
  previous_id bigint;
begin
  if not exists (select 1 from qdp_analytics.imports where import_id = new.import_id) then
    select p.import_id into previous_id from qdp.publications p
    join qdp_analytics.imports a on a.import_id = p.import_id
    where p.id < new.id order by p.id desc limit 1;
    perform qdp_analytics.aggregate_import(new.import_id, previous_id);
  end if;
  insert into qdp_analytics.publications (publication_id, import_id, action, at)
  values (new.id, new.import_id, new.action, new.at);
  return null;
end
$$;

create trigger analytics_on_publication after insert on qdp.publications
  for each row execute function qdp_analytics.on_publication();

-- Every audit entry counts one access of its day, role and action.
create function qdp_analytics.on_audit() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, qdp_analytics
as $$
begin
  insert into qdp_analytics.accesses as a (day, role, action, count)
  values ((new.at at time zone 'Europe/Rome')::date, coalesce(new.role, ''), new.action, 1)
  on conflict (day, role, action) do update set count = a.count + 1;
  return null;
end
$$;

create trigger analytics_on_audit after insert on qdp.audit_log
  for each row execute function qdp_analytics.on_audit();

-- Imports published before this migration get their aggregates now, in publication order.
do $$
declare
  pub record;
  previous_id bigint;
begin
  for pub in select id, import_id, action, at from qdp.publications order by id loop
    if not exists (select 1 from qdp_analytics.imports where import_id = pub.import_id)
       and to_regclass(format('qdp.quarantines_%s', pub.import_id)) is not null then
      perform qdp_analytics.aggregate_import(pub.import_id, previous_id);
    end if;
    if exists (select 1 from qdp_analytics.imports where import_id = pub.import_id) then
      insert into qdp_analytics.publications (publication_id, import_id, action, at)
      values (pub.id, pub.import_id, pub.action, pub.at);
    end if;
    previous_id := pub.import_id;
  end loop;
  insert into qdp_analytics.accesses (day, role, action, count)
  select (at at time zone 'Europe/Rome')::date, coalesce(role, ''), action, count(*)
  from qdp.audit_log group by 1, 2, 3;
end
$$;

-- The scope of the session's user for the dashboards: unlike qdp.current_istat_code() and
-- qdp.current_gp_code(), it holds for aggregates-only roles too (they see their scope's counts,
-- small ones suppressed by the portal).
create function qdp_analytics.scope_istat_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select istat_code from qdp.session_binding() $$;

create function qdp_analytics.scope_gp_code() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select gp_code from qdp.session_binding() $$;

revoke all on function qdp_analytics.aggregate_import(bigint, bigint),
  qdp_analytics.on_publication(), qdp_analytics.on_audit(),
  qdp_analytics.scope_istat_code(), qdp_analytics.scope_gp_code() from public;
grant usage on schema qdp_analytics
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp_analytics.scope_istat_code(), qdp_analytics.scope_gp_code()
  to qdp_municipality, qdp_gp;

-- Who reads what (DESIGN §6, applied to aggregates): the territory's totals and the history of
-- publications for the health authority and the Prefecture; by municipality for them and, for its
-- own code, the municipality; by GP (load per GP) for the health authority and, for its own code,
-- the GP. The reason column is withheld from the roles that may not see the reason.
grant select on qdp_analytics.imports to qdp_admin, qdp_staff, qdp_prefecture;
grant select (import_id, reference_day, previous_import_id, first_published_at)
  on qdp_analytics.imports to qdp_municipality, qdp_gp;
grant select on qdp_analytics.publications
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant select on qdp_analytics.by_municipality to qdp_admin, qdp_staff;
grant select (import_id, residence_istat, people, entries, extended, shortened, ending, exits)
  on qdp_analytics.by_municipality to qdp_prefecture, qdp_municipality;
grant select on qdp_analytics.by_gp to qdp_admin, qdp_staff, qdp_gp;
grant select on qdp_analytics.accesses to qdp_admin;

do $$
declare
  t text;
begin
  foreach t in array array['imports', 'publications', 'by_municipality', 'by_gp', 'accesses'] loop
    execute format('alter table qdp_analytics.%I enable row level security', t);
    execute format('alter table qdp_analytics.%I force row level security', t);
    execute format('create policy owner_all on qdp_analytics.%I to %I using (true) with check (true)',
                   t, current_user);
  end loop;
end
$$;

-- Import-level counts are the whole territory's: the municipality and the GP read only the
-- reference day and the publication history there (column grants above).
create policy imports_all on qdp_analytics.imports for select
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp
  using (qdp.current_user_id() is not null);
create policy publications_all on qdp_analytics.publications for select
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp
  using (qdp.current_user_id() is not null);
create policy by_municipality_all on qdp_analytics.by_municipality for select
  to qdp_admin, qdp_staff, qdp_prefecture
  using (qdp.current_user_id() is not null);
create policy by_municipality_own on qdp_analytics.by_municipality for select
  to qdp_municipality
  using (residence_istat = qdp_analytics.scope_istat_code());
create policy by_gp_all on qdp_analytics.by_gp for select to qdp_admin, qdp_staff
  using (qdp.current_user_id() is not null);
create policy by_gp_own on qdp_analytics.by_gp for select to qdp_gp
  using (gp_code = qdp_analytics.scope_gp_code());
create policy accesses_admin on qdp_analytics.accesses for select to qdp_admin
  using (qdp.current_user_id() is not null);
