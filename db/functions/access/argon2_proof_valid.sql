-- Whether a sign-in's proof (the Argon2id output the portal computed from what the person typed,
-- with the stored parameters and salt) is the one whose SHA-256 was stored.
create or replace function qdp.argon2_proof_valid(p_proof bytea, p_verifier bytea) returns boolean
language sql immutable
set search_path = pg_catalog, qdp, pg_temp
as $$ select coalesce(length(p_proof) = 32 and sha256(p_proof) = p_verifier, false) $$;

revoke all on function qdp.argon2_proof_valid(bytea, bytea) from public, qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
-- No grant: only the owner (the migrating role) and its SECURITY DEFINER callers run it.
