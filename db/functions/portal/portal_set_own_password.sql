-- Inside a user's session: a new password (a whole Argon2id hash, split by the users trigger),
-- only with the proof of the current one (as qdp.portal_password_sign_in checks it); false when
-- that proof is wrong. The change ends the user's other sessions.
create or replace function qdp.portal_set_own_password(p_current_proof bytea, p_password_hash text,
  p_keep_token_hash bytea)
returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  me bigint := qdp.current_user_id();
begin
  if me is null then
    raise exception 'no valid session user' using errcode = '42501';
  end if;
  if (select split.params from qdp.argon2_split(p_password_hash) split) is null then
    raise exception 'the password hash must be a whole Argon2id hash' using errcode = '22023';
  end if;
  if not exists (select 1 from qdp.users
                 where id = me and qdp.argon2_proof_valid(p_current_proof, password_verifier)) then
    return false;
  end if;
  update qdp.users set password_hash = p_password_hash where id = me;
  delete from qdp.portal_sessions where user_id = me and token_hash <> p_keep_token_hash;
  return true;
end
$$;

revoke all on function qdp.portal_set_own_password(bytea, text, bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_set_own_password(bytea, text, bytea) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
