-- Validates the loaded rows, builds the import's quarantines and publishes it or holds it.
-- Everything happens in the caller's transaction: an error or a kill leaves nothing behind.
create or replace function qdp.reconcile_import(p_import_id bigint) returns text
language plpgsql
set search_path = pg_catalog, qdp, pg_temp
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
  update qdp.imports set compared_with = latest where id = p_import_id;
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

  perform qdp.attach_quarantines_partition(p_import_id);

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

revoke all on function qdp.reconcile_import(bigint) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.reconcile_import(bigint) to public;
