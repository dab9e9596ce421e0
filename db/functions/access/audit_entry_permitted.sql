-- Whether the session may write this audit entry (the policy audit_log_checked, 0070): the action
-- is one its role performs, and every person it names is one the session can read. Runs as the
-- caller (SECURITY INVOKER: it must see qdp.quarantines through the caller's own row
-- policies, which are the one rule of who sees whom), so a person outside the role's scope, in
-- another import or an aggregates-only role is not found. A refused entry raises, naming the
-- action and why (never the person), and nothing is written.
--
-- The actions a portal role writes itself (the others are written by SECURITY DEFINER functions
-- as the owner, after their own checks):
--   patient.view                         any role's reader, in qdp.read_quarantines (0072);
--                                        fiscal_code: a person of import_id it reads
--   list.view, list.search, list.export  any role's reader, in qdp.read_quarantines;
--                                        detail->'shown': the fiscal codes shown, each a person
--                                        of import_id it reads, once, and detail->'rows' their
--                                        number; no fiscal_code
--   (A role switched to directly reads no quarantine, so it can record no view: the entry of a
--   view is written by the call that read.)
--   password.change                      any role; nobody named
--   rejects.export, user.create, user.disable, user.enable, user.unlock, user.password,
--   user.second-factor, user.identity-register, user.identity-remove
--                                        administrators; nobody named
-- PL/pgSQL: the look-ups take import_id as a parameter, always planned for its value, so only
-- that import's partition is locked: a cached generic plan (PL/pgSQL's choice after five calls,
-- or the session's plan_cache_mode) would lock every import's partition and its indexes on each
-- check, and fifty pages at once ran out of lock table ("out of shared memory", bench/README.md).
create or replace function qdp.audit_entry_permitted(action text, fiscal_code text,
  import_id bigint, detail jsonb) returns boolean
language plpgsql stable
set search_path = pg_catalog, qdp, pg_temp
set plan_cache_mode = force_custom_plan
as $$
declare
  shown text[];
  readable integer;
begin
  if action in ('patient.view', 'list.view', 'list.search', 'list.export') then
    if current_user::text !~ '^qdp_[a-z]+_reader$' then
      raise exception 'qdp.audit: % is recorded by the read itself (qdp.read_quarantines_as_%), not by hand',
        action, regexp_replace(current_user, '^qdp_', '') using errcode = '42501';
    end if;
    if coalesce(detail ? 'shown', false) <> (action <> 'patient.view')
       or (fiscal_code is null) <> (action <> 'patient.view') then
      raise exception 'qdp.audit: % names its person in %', action,
        case when action = 'patient.view' then 'fiscal_code (and no detail.shown)'
             else 'detail.shown (and no fiscal_code)' end
        using errcode = '42501';
    end if;
    if import_id is null then
      raise exception 'qdp.audit: % needs the import its person was read in', action
        using errcode = '42501';
    end if;
    if action = 'patient.view' then
      perform 1 from qdp.quarantines q
      where q.fiscal_code = audit_entry_permitted.fiscal_code
        and q.import_id = audit_entry_permitted.import_id;
      if not found then
        raise exception 'qdp.audit: % of a person this session cannot read in import % is refused',
          action, import_id using errcode = '42501';
      end if;
      return true;
    end if;
    if jsonb_typeof(detail -> 'shown') is distinct from 'array'
       or exists (select from jsonb_array_elements(detail -> 'shown') e
                  where jsonb_typeof(e) <> 'string') then
      raise exception 'qdp.audit: % needs detail.shown, an array of fiscal codes', action
        using errcode = '42501';
    end if;
    shown := array(select jsonb_array_elements_text(detail -> 'shown'));
    if cardinality(shown) = 0 or (detail ->> 'rows') is distinct from cardinality(shown)::text then
      raise exception 'qdp.audit: % needs detail.shown with at least one person and detail.rows their number',
        action using errcode = '42501';
    end if;
    select count(*) into readable from qdp.quarantines q
    where q.import_id = audit_entry_permitted.import_id and q.fiscal_code = any (shown);
    if readable <> cardinality(shown)
       or cardinality(shown) <> (select count(distinct s) from unnest(shown) s) then
      raise exception 'qdp.audit: % listing people this session cannot read in import % (or one twice) is refused',
        action, import_id using errcode = '42501';
    end if;
    return true;
  end if;
  if fiscal_code is not null or coalesce(detail ? 'shown', false) then
    raise exception 'qdp.audit: % names no person', action using errcode = '42501';
  end if;
  if action = 'password.change' then
    return true;
  end if;
  if action in ('rejects.export', 'user.create', 'user.disable', 'user.enable', 'user.unlock',
                'user.password', 'user.second-factor', 'user.identity-register',
                'user.identity-remove') then
    if current_user <> 'qdp_admin' then
      raise exception 'qdp.audit: % is recorded only by an administrator''s session, not a % session',
        action, regexp_replace(current_user, '^qdp_', '') using errcode = '42501';
    end if;
    return true;
  end if;
  raise exception 'qdp.audit: % is not an action a portal session records', coalesce(action, 'null')
    using errcode = '42501';
end
$$;

revoke all on function qdp.audit_entry_permitted(text, text, bigint, jsonb) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- The policy runs it as the inserting role, which needs EXECUTE; calling it directly only answers
-- what inserting would.
grant execute on function qdp.audit_entry_permitted(text, text, bigint, jsonb) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;

drop policy if exists audit_log_checked on qdp.audit_log;
create policy audit_log_checked on qdp.audit_log for insert
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp
  with check (user_id is not null
              and qdp.audit_entry_permitted(action, fiscal_code, import_id, detail));
