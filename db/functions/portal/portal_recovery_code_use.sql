-- Uses a recovery code: true only for the first use (two racing uses: one wins).
create or replace function qdp.portal_recovery_code_use(p_token_hash bytea, p_selector text) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
begin
  update qdp.user_recovery_codes r set used_at = now()
  from qdp.portal_sign_in_step(p_token_hash) s
  where s.user_id = r.user_id and s.next = 'code' and r.selector = p_selector and r.used_at is null;
  return found;
end
$$;

revoke all on function qdp.portal_recovery_code_use(bytea, text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_recovery_code_use(bytea, text) to qdp_portal;
