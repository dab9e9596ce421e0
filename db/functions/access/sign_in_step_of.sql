-- The live step of a token (begun by a right password less than sign_in_step_minutes ago and not
-- yet done) when it asks for p_next ('code' or 'enrol'; either when NULL): its user and what it
-- asks for; NULL otherwise. A step lives its time whatever happens to its user meanwhile: a
-- lock-out (by wrong codes too) or a disabled account makes every code of the step fail as a
-- wrong one does (qdp.user_may_sign_in), with the same answer, rather than end the step, whose end
-- would tell (issue 13 §3). The one look-up of the step functions: portal_sign_in_step, the code,
-- recovery-code and enrolment functions.
create or replace function qdp.sign_in_step_of(p_token_hash bytea, p_next text,
  out user_id bigint, out next text)
language sql stable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select s.user_id, s.next
  from qdp.portal_sign_in_steps s
  where s.token_hash = p_token_hash
    and s.next = coalesce(p_next, s.next)
    and s.created_at >= now() - make_interval(mins => qdp.setting('sign_in_step_minutes')::integer)
$$;

revoke all on function qdp.sign_in_step_of(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
