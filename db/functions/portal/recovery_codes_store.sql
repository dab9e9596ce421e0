-- A user's one-time recovery codes (given at enrolment), replacing any earlier ones: each as its
-- Argon2id parameters and the SHA-256 of its output (qdp.argon2_split), found by its selector.
create or replace function qdp.recovery_codes_store(p_user_id bigint, p_selectors text[],
  p_code_hashes text[])
returns void
language plpgsql volatile
set search_path = pg_catalog, qdp, pg_temp
as $$
begin
  if p_selectors is null or p_code_hashes is null
     or cardinality(p_selectors) <> cardinality(p_code_hashes) or cardinality(p_selectors) = 0 then
    raise exception 'recovery codes: as many selectors as Argon2id hashes, at least one' using errcode = '22023';
  end if;
  delete from qdp.user_recovery_codes where user_id = p_user_id;
  insert into qdp.user_recovery_codes (user_id, selector, code_params, code_verifier)
  select p_user_id, c.s, split.params, split.verifier
  from unnest(p_selectors, p_code_hashes) as c (s, h)
  cross join lateral qdp.argon2_split(c.h) split;
end
$$;

revoke all on function qdp.recovery_codes_store(bigint, text[], text[]) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
