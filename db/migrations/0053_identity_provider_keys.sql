-- Single sign-on verified by the database (issue 12 §2): the portal hands over the provider's ID
-- token itself, and the database checks its RS256 signature against the provider's keys, its
-- issuer, audience and expiry, and uses it once, before the identity it names opens a session.
-- The keys are written only by the owner (the migrating role, local mode, tests) or an
-- administrator's live session (the portal's "refresh the provider's keys" in /utenti): never by
-- the portal's login role, so its password alone cannot make a token the database accepts.

create table qdp.identity_providers (
  issuer text primary key check (issuer ~ '^https?://' and issuer !~ '/$'),
  client_id text not null check (length(client_id) between 1 and 256),
  claim text not null check (claim ~ '^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$'),
  -- The provider's JSON Web Key Set ({"keys": [...]}); its RSA signing keys are used.
  keys jsonb not null check (jsonb_typeof(keys -> 'keys') = 'array'),
  keys_updated_at timestamptz not null default now(),
  updated_by text not null
);

-- ID tokens already used (their SHA-256), kept until they expire: a token opens one session.
create table qdp.provider_tokens_used (
  token_hash bytea primary key check (length(token_hash) = 32),
  expires_at timestamptz not null
);
create index provider_tokens_used_expiry_idx on qdp.provider_tokens_used (expires_at);

do $$
declare
  t text;
begin
  foreach t in array array['identity_providers', 'provider_tokens_used'] loop
    execute format('alter table qdp.%I enable row level security', t);
    execute format('alter table qdp.%I force row level security', t);
    execute format('create policy owner_all on qdp.%I to %I using (true) with check (true)',
                   t, current_user);
  end loop;
end
$$;

-- Administrators see which provider and keys are registered (the refresh is a function).
grant select on qdp.identity_providers to qdp_admin;
create policy identity_providers_admin on qdp.identity_providers for select to qdp_admin
  using (qdp.current_user_id() is not null);

-- The identity's issuer, claim and value now come from the verified token, not from the caller.
drop function if exists qdp.portal_provider_sign_in(text, text, text, bytea, text);
