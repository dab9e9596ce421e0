create or replace function qdp.register_import(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  earlier bigint;
  new_id bigint;
begin
  perform qdp.fail_stale_imports();
  perform pg_advisory_xact_lock(727002, hashtext(register_import.sha256));
  select i.id into earlier from qdp.imports i
  where i.sha256 = register_import.sha256
    and i.status in ('published', 'held', 'rejected', 'discarded')
  order by i.id
  limit 1;
  if earlier is not null then
    insert into qdp.imports as i (source_name, sha256, size_bytes, status, duplicate_of, finished_at)
    values (register_import.source_name, register_import.sha256, register_import.size_bytes,
            'duplicate', earlier, now())
    returning i.id into new_id;
    return query select new_id, 'duplicate'::text, earlier;
    return;
  end if;
  insert into qdp.imports as i (source_name, sha256, size_bytes, status)
  values (register_import.source_name, register_import.sha256, register_import.size_bytes, 'loading')
  returning i.id into new_id;
  execute format('create table qdp.transit_%s partition of qdp.transit for values in (%s)',
                 new_id, new_id);
  return query select new_id, 'loading'::text, null::bigint;
end
$$;

revoke all on function qdp.register_import(text,text,bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.register_import(text,text,bigint) to public;
