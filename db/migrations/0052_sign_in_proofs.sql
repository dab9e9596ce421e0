-- The database verifies sign-in itself (issue 12 §2): the portal's login role can no longer open a
-- session by naming a user; it must hand over a proof the database checks.
--
-- Passwords: the Argon2id hash is kept as its parameters and salt (`password_hash`, now without
-- its last field) and the SHA-256 of its output (`password_verifier`). The portal computes the
-- Argon2id output of the typed password with those parameters (the expensive part stays in Node)
-- and the database compares its SHA-256: the proof cannot be made without the password, and a
-- copy of the table does not sign anyone in. Writers keep writing a whole Argon2id hash; the
-- trigger of functions/access/users_password_verifier.sql splits it.
--
-- Second factor: the TOTP secret is stored encrypted (pgcrypto, OpenPGP symmetric, AES-256) with
-- a key the portal derives from its settings and passes with each call; the database decrypts it
-- and checks the code itself (RFC 6238 with pgcrypto's HMAC-SHA-1). Authenticators enrolled
-- before this migration held the secret in clear and cannot be encrypted here (the key is the
-- portal's): they are removed with their recovery codes, and their users enrol again at the
-- next password sign-in, as after an administrator's reset.

create schema if not exists qdp_crypto;
create extension if not exists pgcrypto with schema qdp_crypto;
revoke all on schema qdp_crypto from public;

alter table qdp.users add column password_verifier bytea check (length(password_verifier) = 32);
update qdp.users u
set password_hash = x.m[1],
    password_verifier = sha256(decode(rpad(x.m[2], ((length(x.m[2]) + 3) / 4) * 4, '='), 'base64'))
from (select id, regexp_match(password_hash,
        '^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$([A-Za-z0-9+/]{43})$') as m
      from qdp.users) x
where x.id = u.id and x.m is not null;

delete from qdp.user_recovery_codes;
delete from qdp.user_second_factors;
alter table qdp.user_second_factors drop column secret;
alter table qdp.user_second_factors add column secret_sealed bytea not null;

alter table qdp.user_recovery_codes drop constraint user_recovery_codes_code_hash_check;
alter table qdp.user_recovery_codes rename column code_hash to code_params;
alter table qdp.user_recovery_codes
  add constraint user_recovery_codes_code_params_check
    check (code_params ~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+$'),
  add column code_verifier bytea not null check (length(code_verifier) = 32);

-- A random key, readable by the owner only, from which the stand-in salt of an unknown username
-- is derived: the same name always gets the same salt, so asking twice tells nothing.
create table qdp.sign_in_secret (
  one boolean primary key default true check (one),
  secret bytea not null
);
insert into qdp.sign_in_secret (secret) values (qdp_crypto.gen_random_bytes(32));
alter table qdp.sign_in_secret enable row level security;
alter table qdp.sign_in_secret force row level security;
do $$ begin
  execute format('create policy owner_all on qdp.sign_in_secret to %I using (true) with check (true)',
                 current_user);
end $$;

-- Signatures that change (the new files create them; on a new database the files have not run yet,
-- hence "if exists"); the functions that let the login role open a session, read a password hash
-- or a TOTP secret lose their grant in their files.
drop function if exists qdp.portal_sign_in_step(bytea);
drop function if exists qdp.portal_second_factor_enrol(bytea, text);
drop function if exists qdp.portal_second_factor_accept(bytea, bigint, text[], text[]);
drop function if exists qdp.portal_recovery_code_hash(bytea, text);
drop function if exists qdp.portal_recovery_code_use(bytea, text);
drop function if exists qdp.portal_sign_in_lookup(text);
drop function if exists qdp.portal_login_lookup(text);
drop function if exists qdp.portal_own_password_hash();
drop function if exists qdp.portal_set_own_password(text, bytea);
