-- Retention (qdp purge) and the summary of one import for the notification message.

-- Deletes what was received before now() - retention_days: imports with their transit and
-- quarantine partitions, rejects and publications, old audit entries, and patients that no
-- remaining quarantine mentions. The current latest import is never purged.
create function qdp.purge(retention_days integer default null) returns jsonb
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  days integer := coalesce(purge.retention_days, qdp.setting('retention_days')::integer);
  cutoff timestamptz;
  latest bigint;
  purged bigint[];
  purged_id bigint;
  audit_count integer;
  patient_count integer;
begin
  if days is null or days < 0 then
    raise exception 'retention_days must be zero or more, got %', days using errcode = '22023';
  end if;
  cutoff := now() - make_interval(days => days);
  -- No import may be published, rolled back to or reconciled while its history is being cut.
  perform pg_advisory_xact_lock(727003, 0);
  latest := qdp.latest_import_id();
  select coalesce(array_agg(id order by id), '{}') into purged
  from qdp.imports
  where received_at < cutoff and id is distinct from latest;

  foreach purged_id in array purged loop
    execute format('drop table if exists qdp.transit_%s', purged_id);
    execute format('drop table if exists qdp.quarantines_%s', purged_id);
  end loop;

  -- References that outlive the imports they name.
  update qdp.imports set duplicate_of = null
  where duplicate_of = any (purged) and not (id = any (purged));
  update qdp.gps set updated_import_id = null where updated_import_id = any (purged);

  delete from qdp.patients p
  where not exists (select 1 from qdp.quarantines q where q.fiscal_code = p.fiscal_code);
  get diagnostics patient_count = row_count;
  -- A kept patient whose first or last import is gone points at the earliest kept import that
  -- lists them (their data did not change since the purged import, or it would name a newer one).
  update qdp.patients p set
    first_import_id = case when p.first_import_id = any (purged) then k.first_kept
                           else p.first_import_id end,
    last_import_id = case when p.last_import_id = any (purged) then k.first_kept
                          else p.last_import_id end
  from (
    select q.fiscal_code, min(q.import_id) as first_kept
    from qdp.quarantines q
    where q.fiscal_code in (
      select fiscal_code from qdp.patients
      where first_import_id = any (purged) or last_import_id = any (purged))
    group by q.fiscal_code
  ) k
  where k.fiscal_code = p.fiscal_code;

  delete from qdp.rejects where import_id = any (purged);
  delete from qdp.publications where import_id = any (purged);
  delete from qdp.imports where id = any (purged);
  -- The audit log's append-only trigger (0010) lets only the retention purge delete.
  perform set_config('qdp.purging', 'on', true);
  delete from qdp.audit_log where at < cutoff;
  get diagnostics audit_count = row_count;
  perform set_config('qdp.purging', 'off', true);

  return jsonb_build_object('imports', cardinality(purged), 'auditEntries', audit_count,
                            'patients', patient_count);
end
$$;

-- What the notification says about an import (DESIGN §8).
create function qdp.import_summary(p_import_id bigint) returns jsonb
language plpgsql stable
set search_path = pg_catalog, qdp
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
  select id into previous from qdp.imports
  where status = 'published' and id < p_import_id
  order by id desc limit 1;

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
