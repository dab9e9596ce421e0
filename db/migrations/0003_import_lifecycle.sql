-- The import lifecycle (DESIGN §7): register -> load -> reconcile -> publish or hold, and the
-- administrator's publish, discard and rollback. Every state change checks the current state and
-- names the import and its status when the call does not fit.

-- A GP's row names the import that last changed it; when that import is purged the reference
-- becomes null (the GP itself stays, patients may still point at its code).
alter table qdp.gps alter column updated_import_id drop not null;

-- patients.first_import_id / last_import_id are kept by qdp.publish_import and re-pointed by
-- qdp.purge; a foreign key would add two row-by-row checks per upserted patient (measured: most
-- of the cost of publishing a million new patients), so the functions keep them consistent.
alter table qdp.patients drop constraint patients_first_import_id_fkey;
alter table qdp.patients drop constraint patients_last_import_id_fkey;

-- Advisory lock keys (two-integer form): 727002 + hash of a sha256 serialises registrations of the
-- same file; 727003 serialises everything that moves or reads "the latest" to build on it.

-- Raises unless the import exists; returns its status, locking its row.
create function qdp.lock_import(p_import_id bigint) returns text
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  found_status text;
begin
  select status into found_status from qdp.imports where id = p_import_id for update;
  if not found then
    raise exception 'import % does not exist', p_import_id using errcode = 'P0002';
  end if;
  return found_status;
end
$$;

create function qdp.register_import(source_name text, sha256 text, size_bytes bigint)
returns table (import_id bigint, status text, duplicate_of bigint)
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  earlier bigint;
  new_id bigint;
begin
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

-- Called in the transaction that COPYs the rows, so that "loaded" always means "all rows are in".
create function qdp.mark_loaded(p_import_id bigint) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
  total integer;
begin
  if current_status <> 'loading' then
    raise exception 'import % is %, only a loading import can be marked loaded',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  execute format('select count(*) from qdp.transit_%s', p_import_id) into total;
  update qdp.imports set status = 'loaded', loaded_at = now(), rows_total = total
  where id = p_import_id;
end
$$;

-- Ends an import that did not complete its load ('loading' or 'loaded') as `new_status`, with the
-- reason; the verb names the action in the error for any other state.
create function qdp.end_unfinished_import(p_import_id bigint, new_status text, reason text, verb text)
returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status not in ('loading', 'loaded') then
    raise exception 'import % is %, only a loading or loaded import can be %',
      p_import_id, current_status, verb using errcode = 'P0001';
  end if;
  update qdp.imports set status = new_status, error = end_unfinished_import.reason,
    finished_at = now()
  where id = p_import_id;
end
$$;

-- File-level rejection by the reader (unreadable, missing columns, too large...).
create function qdp.reject_import(p_import_id bigint, reason text) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
begin
  perform qdp.end_unfinished_import(p_import_id, 'rejected', reject_import.reason, 'rejected');
  insert into qdp.rejects (import_id, line_no, field, reason)
  values (p_import_id, 0, null, reject_import.reason);
end
$$;

-- Unexpected errors: the import did not complete, so the same file may be imported again.
create function qdp.fail_import(p_import_id bigint, reason text) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
begin
  perform qdp.end_unfinished_import(p_import_id, 'failed', fail_import.reason, 'failed');
end
$$;

-- Latest personal data wins: the import's people are written into qdp.patients, skipping those
-- whose data did not change (an unchanged re-import writes nothing; ON CONFLICT still guards the
-- insert, the source being unique on fiscal_code). Each person is looked up through the primary
-- key (no hash or merge join): the cost follows the size of the import, not the number of
-- patients the history has accumulated (measured: a 100,000-row day took 3.3 times as long over
-- 200 days of history with a hash anti-join over every patient).
create function qdp.upsert_patients(p_import_id bigint) returns void
language plpgsql
set search_path = pg_catalog, qdp
set enable_hashjoin = off
set enable_mergejoin = off
as $$
begin
  execute format($sql$
    insert into qdp.patients as p (fiscal_code, surname, name, sex, birth_date, residence_istat,
      residence_name, address, phone, gp_code, first_import_id, last_import_id)
    select q.fiscal_code, q.surname, q.name, q.sex, q.birth_date, q.residence_istat,
      q.residence_name, q.address, q.phone, q.gp_code, %1$s, %1$s
    from qdp.quarantines_%1$s q
    left join qdp.patients o on o.fiscal_code = q.fiscal_code
    where o.fiscal_code is null
       or (o.surname, o.name, o.sex, o.birth_date, o.residence_istat, o.residence_name, o.address,
           o.phone, o.gp_code)
          is distinct from
          (q.surname, q.name, q.sex, q.birth_date, q.residence_istat, q.residence_name, q.address,
           q.phone, q.gp_code)
    -- In key order, the primary key's B-tree is filled page by page (measured: a third faster
    -- for a million new patients than in file order).
    order by q.fiscal_code
    on conflict (fiscal_code) do update set
      surname = excluded.surname, name = excluded.name, sex = excluded.sex,
      birth_date = excluded.birth_date, residence_istat = excluded.residence_istat,
      residence_name = excluded.residence_name, address = excluded.address,
      phone = excluded.phone, gp_code = excluded.gp_code, last_import_id = excluded.last_import_id
  $sql$, p_import_id);
end
$$;

-- Makes an import the latest: upserts GPs and patients from its quarantines (only rows whose data
-- differ are written) and records the publication. Allowed for a held import, and for a loaded
-- one only from inside qdp.reconcile_import (its quarantines exist only in that transaction).
create function qdp.publish_import(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp
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

create function qdp.discard_import(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  current_status text := qdp.lock_import(p_import_id);
begin
  if current_status <> 'held' then
    raise exception 'import % is %, only a held import can be discarded',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  update qdp.imports set status = 'discarded',
    error = error || coalesce(' (discarded by ' || discard_import.by_user || ')', ' (discarded)')
  where id = p_import_id;
end
$$;

-- Makes an earlier published import the latest again. Nothing is rewritten: the quarantines of
-- that import show what its file said, while qdp.patients keeps the newest personal data.
create function qdp.rollback_to(p_import_id bigint, by_user text default null) returns void
language plpgsql
set search_path = pg_catalog, qdp
as $$
declare
  current_status text;
begin
  perform pg_advisory_xact_lock(727003, 0);
  current_status := qdp.lock_import(p_import_id);
  if current_status <> 'published' then
    raise exception 'import % is %, only a published import can be rolled back to',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  if qdp.latest_import_id() = p_import_id then
    raise exception 'import % is already the latest', p_import_id using errcode = 'P0001';
  end if;
  insert into qdp.publications (import_id, action, by_user)
  values (p_import_id, 'rollback', rollback_to.by_user);
end
$$;

-- Validates the loaded rows, builds the import's quarantines and publishes it or holds it.
-- Everything happens in the caller's transaction: an error or a kill leaves nothing behind.
create function qdp.reconcile_import(p_import_id bigint) returns text
language plpgsql
set search_path = pg_catalog, qdp
-- Hashes of a million fiscal codes and the index builds stay in memory.
set work_mem = '256MB'
set maintenance_work_mem = '256MB'
as $$
declare
  current_status text;
  total integer;
  accepted integer;
  rejected integer;
  latest bigint;
  latest_accepted integer;
  max_reject numeric := qdp.setting('hold_max_reject_ratio')::numeric;
  min_accepted numeric := qdp.setting('hold_min_accepted_ratio')::numeric;
  reasons text[] := '{}';
  previous_join text;
  change_expr text;
begin
  -- Publishing lock first, then the import's row: the same order as publish_import.
  perform pg_advisory_xact_lock(727003, 0);
  current_status := qdp.lock_import(p_import_id);
  if current_status <> 'loaded' then
    raise exception 'import % is %, only a loaded import can be reconciled',
      p_import_id, current_status using errcode = 'P0001';
  end if;
  select rows_total into total from qdp.imports where id = p_import_id;
  if coalesce(total, 0) = 0 then
    update qdp.imports set status = 'rejected', error = 'the file has no data rows',
      rows_accepted = 0, rows_rejected = 0, finished_at = now()
    where id = p_import_id;
    insert into qdp.rejects (import_id, line_no, field, reason)
    values (p_import_id, 0, null, 'the file has no data rows');
    return 'rejected';
  end if;

  latest := qdp.latest_import_id();
  if latest is null then
    previous_join := '';
    change_expr := '''new''';
  else
    previous_join := format(
      'left join qdp.quarantines_%s prev on prev.fiscal_code = r.cf', latest);
    change_expr := $e$case
        when prev.fiscal_code is null then 'new'
        when r.end_date > prev.end_date then 'extended'
        when r.end_date < prev.end_date then 'shortened'
        else 'unchanged'
      end$e$;
  end if;

  -- A standalone table, filled first and indexed after, then attached (no re-scan thanks to the
  -- CHECK constraint, and the matching indexes are adopted instead of rebuilt).
  execute format('create table qdp.quarantines_%s (like qdp.quarantines including defaults including constraints)',
                 p_import_id);

  -- One scan of the transit partition into a temporary table. Problems are 'FIELD<TAB>reason'
  -- strings; a line is accepted when it has none and it is the first valid line of its fiscal
  -- code. Temporary tables rather than CTEs: the planner then knows their sizes and picks hash
  -- joins for the million-row steps that follow (a CTE's guess of 5,000 rows chose a million
  -- index lookups into the previous import).
  execute format($sql$
    create temporary table reconcile_checked on commit drop as
      select n.*, array_remove(array[
        case
          when coalesce(n.cf, '') = '' then E'CODICE_FISCALE\trequired'
          when length(n.cf) <> 16 then
            E'CODICE_FISCALE\tmust be 16 characters long: ' || length(n.cf)
          when not qdp.fiscal_code_bytes_have_valid_pattern(n.cf_bytes) then
            E'CODICE_FISCALE\tdoes not match the fiscal code pattern'
          when get_byte(n.cf_bytes, 15) - 65 <> qdp.fiscal_code_check_value(n.cf_bytes) then
            E'CODICE_FISCALE\tcheck character is wrong'
        end,
        case when coalesce(n.surname, '') = '' then E'COGNOME\trequired' end,
        case when coalesce(n.name, '') = '' then E'NOME\trequired' end,
        case
          when coalesce(n.sex, '') = '' then E'SESSO\trequired'
          when n.sex not in ('M', 'F') then E'SESSO\tmust be M or F'
        end,
        case
          when coalesce(n.birth_text, '') = '' then E'DATA_NASCITA\trequired'
          when n.birth_date is null then
            E'DATA_NASCITA\t' || qdp.quoted_if_safe('not a valid date', n.birth_text)
          when n.birth_date > current_date then
            E'DATA_NASCITA\t' || qdp.quoted_if_safe('is in the future', n.birth_text)
        end,
        case
          when coalesce(n.istat, '') = '' then E'COD_ISTAT_RESIDENZA\trequired'
          when n.istat !~ '^[0-9]{6}$' then
            E'COD_ISTAT_RESIDENZA\t' || qdp.quoted_if_safe('must be 6 digits', n.istat)
          when not n.istat_known then
            E'COD_ISTAT_RESIDENZA\tunknown municipality: "' || n.istat || '"'
        end,
        case
          when coalesce(n.reason, '') = '' then E'MOTIVO\trequired'
          when n.reason not in ('POSITIVO', 'CONTATTO') then E'MOTIVO\tmust be POSITIVO or CONTATTO'
        end,
        case
          when coalesce(n.start_text, '') = '' then E'DATA_INIZIO\trequired'
          when n.start_date is null then
            E'DATA_INIZIO\t' || qdp.quoted_if_safe('not a valid date', n.start_text)
        end,
        case
          when coalesce(n.end_text, '') = '' then E'DATA_FINE\trequired'
          when n.end_date is null then
            E'DATA_FINE\t' || qdp.quoted_if_safe('not a valid date', n.end_text)
          when n.end_date < n.start_date then E'DATA_FINE\tbefore DATA_INIZIO'
        end
      ], null) as problems
      from (
        select t.line_no,
          t.cf,
          textsend(t.cf) as cf_bytes,
          upper(t.cognome) as surname,
          upper(t.nome) as name,
          upper(t.sesso) as sex,
          t.data_nascita as birth_text,
          b.day as birth_date,
          t.istat,
          m.istat_code is not null as istat_known,
          nullif(t.comune_residenza, '') as residence_name,
          nullif(t.indirizzo_residenza, '') as address,
          nullif(t.telefono, '') as phone,
          upper(nullif(t.cod_medico, '')) as gp_code,
          nullif(t.medico, '') as gp_name,
          upper(t.motivo) as reason,
          t.data_inizio as start_text,
          s.day as start_date,
          t.data_fine as end_text,
          e.day as end_date
        from (
          -- OFFSET 0 keeps this level apart: each field is trimmed once per row.
          select t.line_no, upper(btrim(t.codice_fiscale)) as cf, btrim(t.cognome) as cognome,
            btrim(t.nome) as nome, btrim(t.sesso) as sesso, btrim(t.data_nascita) as data_nascita,
            btrim(t.cod_istat_residenza) as istat, btrim(t.comune_residenza) as comune_residenza,
            btrim(t.indirizzo_residenza) as indirizzo_residenza, btrim(t.telefono) as telefono,
            btrim(t.cod_medico) as cod_medico, btrim(t.medico) as medico, btrim(t.motivo) as motivo,
            btrim(t.data_inizio) as data_inizio, btrim(t.data_fine) as data_fine
          from qdp.transit_%1$s t
          offset 0
        ) t
        left join qdp.municipalities m on m.istat_code = t.istat
        -- Dates by lookup in the table of every accepted form (see qdp.date_forms).
        left join qdp.date_forms b on b.form = t.data_nascita
        left join qdp.date_forms s on s.form = t.data_inizio
        left join qdp.date_forms e on e.form = t.data_fine
        offset 0
      ) n
  $sql$, p_import_id);
  analyze reconcile_checked;
  -- Fiscal codes on more than one line (few): the first valid line of each.
  create temporary table reconcile_repeated on commit drop as
      select c.cf, min(c.line_no) filter (where c.problems = '{}') as first_line
      from reconcile_checked c
      where c.cf <> ''
      group by c.cf
      having count(*) > 1;
  analyze reconcile_repeated;

  -- A fiscal code on more than one line: the lines after its first valid one are refused too.
  update reconcile_checked c
  set problems = c.problems
    || (E'CODICE_FISCALE\tsame fiscal code as an earlier line: ' || r.first_line)
  from reconcile_repeated r
  where r.cf = c.cf and r.first_line < c.line_no;

  execute format($sql$
      insert into qdp.rejects (import_id, line_no, field, reason)
      select %1$s, c.line_no, split_part(p.problem, E'\t', 1), split_part(p.problem, E'\t', 2)
      from reconcile_checked c
      cross join lateral unnest(c.problems) with ordinality as p(problem, position)
      where c.problems <> '{}'
      order by c.line_no, p.position
  $sql$, p_import_id);

  execute format($sql$
      insert into qdp.quarantines_%1$s (import_id, line_no, fiscal_code, surname, name, sex,
        birth_date, residence_istat, residence_name, address, phone, gp_code, gp_name, reason,
        start_date, end_date, change)
      select %1$s, r.line_no, r.cf, r.surname, r.name, r.sex, r.birth_date, r.istat,
        r.residence_name, r.address, r.phone, r.gp_code,
        case when r.gp_code is not null then r.gp_name end, r.reason, r.start_date, r.end_date,
        %2$s
      from reconcile_checked r
      %3$s
      where r.problems = '{}'
  $sql$, p_import_id, change_expr, previous_join);
  get diagnostics accepted = row_count;
  select count(*) into total from reconcile_checked;
  drop table reconcile_checked, reconcile_repeated;
  rejected := total - accepted;

  execute format($sql$
    alter table qdp.quarantines_%1$s add primary key (fiscal_code, import_id);
    create index on qdp.quarantines_%1$s (import_id, gp_code);
    create index on qdp.quarantines_%1$s (import_id, residence_istat);
    alter table qdp.quarantines_%1$s add constraint quarantines_%1$s_import_id_check
      check (import_id = %1$s);
    alter table qdp.quarantines attach partition qdp.quarantines_%1$s for values in (%1$s);
  $sql$, p_import_id);

  update qdp.imports set rows_total = total, rows_accepted = accepted, rows_rejected = rejected
  where id = p_import_id;

  if rejected::numeric > max_reject * total then
    reasons := reasons || format('held: %s%% of rows rejected (limit %s%%)',
      round(rejected * 100.0 / total, 1), round(max_reject * 100, 1));
  end if;
  if latest is not null then
    select rows_accepted into latest_accepted from qdp.imports where id = latest;
    if accepted::numeric < min_accepted * latest_accepted then
      reasons := reasons || format('held: %s rows accepted, fewer than %s%% of the %s of import %s',
        accepted, trim_scale(min_accepted * 100), latest_accepted, latest);
    end if;
  end if;

  if cardinality(reasons) > 0 then
    update qdp.imports set status = 'held', error = array_to_string(reasons, '; '),
      finished_at = now()
    where id = p_import_id;
    return 'held';
  end if;
  perform qdp.publish_import(p_import_id, null);
  return 'published';
end
$$;
