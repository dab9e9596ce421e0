-- What the notification says about an import (DESIGN §8).
create or replace function qdp.import_summary(p_import_id bigint) returns jsonb
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  imp qdp.imports;
  previous bigint;
  in_quarantine integer;
  previous_in_quarantine integer;
  changes jsonb;
  ended integer;
  top_reasons jsonb;
begin
  select * into imp from qdp.imports where id = p_import_id;
  if not found then
    raise exception 'import % does not exist', p_import_id using errcode = 'P0002';
  end if;
  -- What the file was compared with (set by qdp.reconcile_import). An import never reconciled
  -- (failed, duplicate, still loading) names the newest published import registered before it.
  previous := imp.compared_with;
  if previous is null and imp.rows_accepted is null then
    select id into previous from qdp.imports
    where status = 'published' and id < p_import_id
    order by id desc limit 1;
  end if;

  -- Reasons are grouped without their quoted value ('not a valid date: "..."').
  select coalesce(jsonb_agg(jsonb_build_object('field', field, 'reason', reason, 'count', n)
                            order by n desc, field nulls first, reason), '[]')
  into top_reasons
  from (
    select r.field, split_part(r.reason, ':', 1) as reason, count(*)::integer as n
    from qdp.rejects r
    where r.import_id = p_import_id
    group by 1, 2
    order by n desc, r.field nulls first, 2
    limit 5
  ) top;

  if to_regclass(format('qdp.quarantines_%s', p_import_id)) is not null then
    execute format($sql$
      select count(*)::integer, jsonb_build_object(
        'new', count(*) filter (where change = 'new'),
        'extended', count(*) filter (where change = 'extended'),
        'shortened', count(*) filter (where change = 'shortened'),
        'unchanged', count(*) filter (where change = 'unchanged'))
      from qdp.quarantines_%s
    $sql$, p_import_id) into in_quarantine, changes;
  end if;
  if previous is not null and to_regclass(format('qdp.quarantines_%s', previous)) is not null then
    execute format('select count(*)::integer from qdp.quarantines_%s', previous)
      into previous_in_quarantine;
    if changes is not null then
      execute format($sql$
        select count(*)::integer from qdp.quarantines_%s p
        where not exists (select 1 from qdp.quarantines_%s c where c.fiscal_code = p.fiscal_code)
      $sql$, previous, p_import_id) into ended;
    end if;
  end if;
  if changes is not null then
    changes := changes || jsonb_build_object('ended', coalesce(ended, 0));
  end if;

  return jsonb_build_object(
    'importId', imp.id,
    'sourceName', imp.source_name,
    'status', imp.status,
    'rowsTotal', imp.rows_total,
    'rowsAccepted', imp.rows_accepted,
    'rowsRejected', imp.rows_rejected,
    'topRejectReasons', top_reasons,
    'inQuarantine', in_quarantine,
    'previousImportId', previous,
    'previousInQuarantine', previous_in_quarantine,
    'changes', changes,
    'error', imp.error,
    'duplicateOf', imp.duplicate_of,
    'receivedAt', imp.received_at,
    'finishedAt', imp.finished_at,
    'durationSeconds', round(extract(epoch from imp.finished_at - imp.received_at), 3)
  );
end
$$;

revoke all on function qdp.import_summary(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.import_summary(bigint) to public;
