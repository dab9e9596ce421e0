-- Fills one per-key table for an import from analytics_grouped: the table's key columns (every
-- one of them is a column of analytics_grouped) plus the reason. Keys the previous import had and
-- this one has not get a row too, with only exits.
create or replace function qdp_analytics.fill_per_key(p_table text, p_keys text[], p_import_id bigint,
  p_previous_id bigint)
returns void
language plpgsql
set search_path = pg_catalog, qdp, qdp_analytics, pg_temp
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

revoke all on function qdp_analytics.fill_per_key(text,text[],bigint,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
