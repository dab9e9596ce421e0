-- 0052 (sign-in verified by the database) replaced the credential columns that 0061 catalogued:
-- the TOTP secret is now sealed (user_second_factors.secret_sealed), a recovery code is kept as its
-- Argon2id parameters and the SHA-256 of the output (user_recovery_codes.code_params,
-- code_verifier), and a password's output moved to users.password_verifier. The record of
-- processing lists only catalogued columns that exist, so without this it silently dropped them.
delete from qdp.personal_data_fields
where (table_schema, table_name, column_name) in
  (('qdp', 'user_second_factors', 'secret'), ('qdp', 'user_recovery_codes', 'code_hash'));

insert into qdp.personal_data_fields (table_schema, table_name, column_name, data_subjects, category)
values
  ('qdp', 'users', 'password_verifier', 'user', 'credentials'),
  ('qdp', 'user_second_factors', 'secret_sealed', 'user', 'credentials'),
  ('qdp', 'user_recovery_codes', 'code_params', 'user', 'credentials'),
  ('qdp', 'user_recovery_codes', 'code_verifier', 'user', 'credentials')
on conflict do nothing;
