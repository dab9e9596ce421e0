create or replace function qdp.portal_set_own_password(p_password_hash text, p_keep_token_hash bytea)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  me bigint := qdp.current_user_id();
begin
  if me is null then
    raise exception 'no valid session user' using errcode = '42501';
  end if;
  if p_password_hash is null or p_password_hash !~ '^\$argon2id\$' then
    raise exception 'the password hash must be an Argon2id hash' using errcode = '22023';
  end if;
  update qdp.users set password_hash = p_password_hash where id = me;
  delete from qdp.portal_sessions where user_id = me and token_hash <> p_keep_token_hash;
end
$$;

revoke all on function qdp.portal_set_own_password(text,bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_set_own_password(text,bytea) to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
