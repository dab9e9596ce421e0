-- The administrator's side of sign-in (tables of 0050): identities registered on users, whether a
-- user has an authenticator, and resetting it (the user enrols again at the next password
-- sign-in). Like every administrator's policy (0010), only a valid administrator's session passes
-- (qdp.current_user_id()); the portal audits each change in that transaction. Every other role
-- reaches these tables only through the sign-in functions (db/functions/portal/portal_sign_in_*,
-- portal_second_factor_*, portal_recovery_code_*, portal_provider_*, portal_sign_out).
grant select, insert, delete on qdp.user_identities to qdp_admin;
create policy user_identities_admin on qdp.user_identities for all to qdp_admin
  using (qdp.current_user_id() is not null) with check (qdp.current_user_id() is not null);
grant select (user_id, confirmed_at), delete on qdp.user_second_factors to qdp_admin;
create policy user_second_factors_admin on qdp.user_second_factors for all to qdp_admin
  using (qdp.current_user_id() is not null);
grant select (user_id), delete on qdp.user_recovery_codes to qdp_admin;
create policy user_recovery_codes_admin on qdp.user_recovery_codes for all to qdp_admin
  using (qdp.current_user_id() is not null);
