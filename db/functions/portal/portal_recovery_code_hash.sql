-- The Argon2id hash of the step's user's unused recovery code with this selector (none: NULL).
create or replace function qdp.portal_recovery_code_hash(p_token_hash bytea, p_selector text) returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp
as $$
begin
  return (select r.code_hash from qdp.user_recovery_codes r
          join qdp.portal_sign_in_step(p_token_hash) s on s.user_id = r.user_id
          where r.selector = p_selector and r.used_at is null and s.next = 'code');
end
$$;

revoke all on function qdp.portal_recovery_code_hash(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_recovery_code_hash(bytea, text) to qdp_portal;
