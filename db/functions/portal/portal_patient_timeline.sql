-- A person's quarantine across the published imports (started, extended, shortened, ended), for
-- the patient page. Roles other than admin read only the latest import's rows, so the history comes
-- from this SECURITY DEFINER function, which answers only when the caller may see the person in
-- the latest import: the same predicates as the row policies (scope columns compared with
-- qdp.current_*()), evaluated on that row. test/portal/timeline.test.ts checks, for every role,
-- that the timeline is given exactly when the policy shows the person. It answers only after the
-- same transaction recorded the view of that person (the transaction's last audit entry, written
-- by qdp.read_quarantines: its xact is this transaction's full id, 0073, also across savepoints),
-- so the history is never read without its entry (0072).
-- Only the imports from the person's first one on are read (qdp.patients.first_import_id, kept by
-- qdp.upsert_patients), and every look-up is planned for its values (plan_cache_mode =
-- force_custom_plan): the partitions before it are pruned while planning, neither planned nor
-- locked. Read across every import, a year of history cost the page ~730 locks (every
-- partition and its key's index) and the planning of every partition; a cached generic plan of
-- the latest row's look-up locked them all as well.
create or replace function qdp.portal_patient_timeline(p_fiscal_code text)
returns table (import_id bigint, reference_day date, published_at timestamptz, start_date date,
  end_date date, change text)
language plpgsql stable security definer
set search_path = pg_catalog, qdp, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  caller text := current_setting('role');
  latest bigint := qdp.latest_import_id();
  row_seen boolean;
  first_import bigint;
begin
  select case caller
      when 'qdp_admin' then qdp.current_row_access()
      when 'qdp_staff' then qdp.current_row_access()
      when 'qdp_prefecture' then qdp.current_row_access()
      when 'qdp_municipality' then q.residence_istat = qdp.current_istat_code()
      when 'qdp_gp' then q.gp_code = qdp.current_gp_code()
      else false
    end
  into row_seen
  from qdp.quarantines q
  where q.fiscal_code = p_fiscal_code and q.import_id = latest;
  if not coalesce(row_seen, false) then
    return;
  end if;
  if not exists (
    select from qdp.audit_log a
    where a.id = (select case when v ~ '^[0-9]{1,18}$' then v::bigint end
                  from (select current_setting('qdp.audit_last_id', true) as v) last)
      and a.xact = pg_current_xact_id()
      and a.action = 'patient.view' and a.fiscal_code = p_fiscal_code
      and a.user_id = qdp.current_user_id()) then
    raise exception 'qdp.portal_patient_timeline: read with the view it belongs to (qdp.read_quarantines_as_<role>, patient.view of this person, first in the same transaction)'
      using errcode = '42501';
  end if;
  -- A person in the latest import has a patients row (written at its publication); without one
  -- (data loaded by hand) every import is read.
  select coalesce(min(p.first_import_id), 0) into first_import
  from qdp.patients p where p.fiscal_code = p_fiscal_code;
  return query
    select q.import_id, a.reference_day, i.published_at, q.start_date, q.end_date, q.change
    from qdp.quarantines q
    join qdp.imports i on i.id = q.import_id and i.status = 'published'
    left join qdp_analytics.imports a on a.import_id = q.import_id
    where q.fiscal_code = p_fiscal_code and q.import_id >= first_import
    order by q.import_id;
end
$$;

revoke all on function qdp.portal_patient_timeline(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_patient_timeline(text) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
