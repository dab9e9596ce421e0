-- The Argon2id parameters and salt of a username's password, from which the portal computes the
-- proof it hands to qdp.portal_password_sign_in (the expensive hash stays in Node). An unknown,
-- disabled or password-less user gets a stand-in: the newest user's parameters with a salt derived
-- from the name and qdp.sign_in_secret, the same at every call, so the answer (and the hash's
-- cost) tells nobody whether the name exists.
create or replace function qdp.portal_password_params(p_username text) returns text
language sql stable security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
  select coalesce(
    (select u.password_hash from qdp.users u
     where u.username = p_username and not u.disabled and u.password_verifier is not null),
    qdp.argon2_stand_in((select u.password_hash from qdp.users u
                         where u.password_verifier is not null order by u.id desc limit 1),
                        p_username))
$$;

revoke all on function qdp.portal_password_params(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_password_params(text) to qdp_portal;
