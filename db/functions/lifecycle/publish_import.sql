-- Makes an import the latest: upserts GPs and patients from its quarantines (only rows whose data
-- differ are written) and records the publication. Allowed for a held import, and for a loaded
-- one only from inside qdp.reconcile_import (its quarantines exist only in that transaction).
create or replace function qdp.publish_import(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
set work_mem = '256MB'
as $$
declare
  current_status text;
begin
  perform pg_advisory_xact_lock(727003, 0);
  current_status := qdp.lock_import(p_import_id);
  if not (current_status = 'held'
          or (current_status = 'loaded'
              and to_regclass(format('qdp.quarantines_%s', p_import_id)) is not null)) then
    raise exception 'import % is %, only a held import can be published',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  -- The first line naming a GP code gives its name (found by aggregation and a join back: a
  -- DISTINCT ON would sort the whole import).
  execute format($sql$
    insert into qdp.gps as g (code, name, updated_import_id)
    select q.gp_code, q.gp_name, %1$s
    from (
      select gp_code, min(line_no) as line_no
      from qdp.quarantines_%1$s
      where gp_code is not null
      group by gp_code
    ) f
    join qdp.quarantines_%1$s q on q.gp_code = f.gp_code and q.line_no = f.line_no
    on conflict (code) do update set name = excluded.name, updated_import_id = excluded.updated_import_id
    where g.name is distinct from excluded.name
  $sql$, p_import_id);
  perform qdp.upsert_patients(p_import_id);
  insert into qdp.publications (import_id, action, by_user)
  values (p_import_id, 'publish', publish_import.by_user);
  update qdp.imports set status = 'published', published_at = now(),
    finished_at = coalesce(finished_at, now())
  where id = p_import_id;
end
$$;

revoke all on function qdp.publish_import(bigint,text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.publish_import(bigint,text) to public;
