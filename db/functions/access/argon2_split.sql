-- A whole Argon2id hash (the PHC string core/passwords.ts writes) split into what the database
-- keeps: its parameters and salt (`$argon2id$v=19$m=…,t=…,p=…$salt`), from which the portal
-- computes a sign-in's proof, and the SHA-256 of its 32-byte output, which the proof is compared
-- with. Both NULL for anything else. The output itself is never stored: whoever reads the table
-- still needs the password to make the proof.
create or replace function qdp.argon2_split(phc text, out params text, out verifier bytea)
language sql immutable
set search_path = pg_catalog, qdp, pg_temp
as $$
  select m[1], sha256(decode(m[2] || '=', 'base64'))
  from (select regexp_match(phc,
          '^(\$argon2id\$v=19\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$([A-Za-z0-9+/]{43})$') as m) x
$$;

revoke all on function qdp.argon2_split(text) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
