-- qdp.users keeps a password as its Argon2id parameters and salt (password_hash) and the SHA-256
-- of the hash's output (password_verifier), never the output itself (0052). Writers (the
-- administrator's user form, the password change, local mode, tools) write a whole Argon2id hash
-- into password_hash; this trigger splits it. A stored pair copied as it is (parameters with a
-- verifier) passes; anything else is refused with what was expected. New parameters with the
-- verifier already stored are not a pair: an upsert's `excluded.password_hash` is the split
-- parameters, and keeping the old verifier with them would lock the user out without a word.
create or replace function qdp.users_password_verifier() returns trigger
language plpgsql security definer
set search_path = pg_catalog, qdp, pg_temp
as $$
declare
  split record;
begin
  if new.password_hash is null then
    new.password_verifier := null;
    return new;
  end if;
  select * into split from qdp.argon2_split(new.password_hash);
  if split.params is not null then
    new.password_hash := split.params;
    new.password_verifier := split.verifier;
    return new;
  end if;
  if new.password_hash ~ '^\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+$'
     and new.password_verifier is not null
     and (tg_op = 'INSERT' or new.password_hash is not distinct from old.password_hash
          or new.password_verifier is distinct from old.password_verifier) then
    return new;
  end if;
  raise exception 'qdp.users.password_hash of user "%" must be a whole Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$output, a 32-byte output) as core/passwords.ts writes it',
    new.username using errcode = '22023';
end
$$;

revoke all on function qdp.users_password_verifier() from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.

create or replace trigger users_password_verifier before insert or update of password_hash on qdp.users
  for each row execute function qdp.users_password_verifier();
