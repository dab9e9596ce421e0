-- The account behind a username for the password check (portal_login_lookup: disabled and
-- unknown users give no row), and what comes after a right password: 'code' (a confirmed
-- authenticator), 'enrol' (its role needs one, setting second_factor_roles, and it has none) or
-- 'session'.
create or replace function qdp.portal_sign_in_lookup(p_username text)
returns table (user_id bigint, password_hash text, locked boolean, next text)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select l.user_id, l.password_hash, l.locked,
    case
      when f.confirmed_at is not null then 'code'
      when u.role = any (string_to_array(replace(qdp.setting('second_factor_roles'), ' ', ''), ','))
        then 'enrol'
      else 'session'
    end
  from qdp.portal_login_lookup(p_username) l
  join qdp.users u on u.id = l.user_id
  left join qdp.user_second_factors f on f.user_id = l.user_id
$$;

revoke all on function qdp.portal_sign_in_lookup(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_sign_in_lookup(text) to qdp_portal;
