-- Sign-in (DESIGN §14): identities registered on platform users for single sign-on through the
-- authority's OpenID Connect provider, a TOTP second factor with one-time recovery codes for
-- local (password) accounts, and the step between a right password and its second factor. Like
-- the sessions of 0013, every table is reachable only through SECURITY DEFINER functions; the
-- portal's login role reads none of them.

insert into qdp.settings (key, value, description) values
  ('second_factor_roles', 'admin,staff,prefecture,municipality,gp',
   'Roles whose password sign-in needs a second factor (TOTP), comma-separated; empty: none. A user of such a role without one enrols right after the password. Single sign-on users are not asked: their identity provider decides.'),
  ('sign_in_step_minutes', '5',
   'How long the step between a right password and its second factor (or enrolment) may last.')
on conflict (key) do nothing;

-- Identity is not authority: the provider says who the person is (the value of the identifying
-- claim, e.g. fiscalNumber, email, preferred_username), and an administrator says which platform
-- user that is. An identity registered on no user, or on a disabled one, signs in to nothing.
create table qdp.user_identities (
  issuer text not null check (issuer ~ '^https?://'),
  claim text not null check (claim ~ '^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$'),
  value text not null check (length(value) between 1 and 256),
  user_id bigint not null references qdp.users (id) on delete cascade,
  registered_at timestamptz not null default now(),
  registered_by text not null,
  primary key (issuer, claim, value)
);
create index user_identities_user_idx on qdp.user_identities (user_id);

-- A user's TOTP authenticator. The secret must be readable to check a code (RFC 6238 is a shared
-- secret), so it is kept like the password hashes: only definer functions read it. confirmed_at is
-- null while enrolling (a first right code confirms it); last_step is the newest accepted time
-- step: a code of that step or an earlier one is refused (each code is accepted once).
create table qdp.user_second_factors (
  user_id bigint primary key references qdp.users (id) on delete cascade,
  secret text not null check (secret ~ '^[A-Z2-7]{32}$'),
  created_at timestamptz not null default now(),
  confirmed_at timestamptz,
  last_step bigint
);

-- One-time recovery codes, stored as Argon2id hashes; the selector (the code's first group) finds
-- the row so that one attempt costs one hash.
create table qdp.user_recovery_codes (
  user_id bigint not null references qdp.users (id) on delete cascade,
  selector text not null check (selector ~ '^[a-z2-9]{4}$'),
  code_hash text not null check (code_hash ~ '^\$argon2id\$'),
  used_at timestamptz,
  primary key (user_id, selector)
);

-- Between a right password and a session: the step's token (only its SHA-256, like sessions) and
-- what is asked next: a code, or enrolment for a user whose role needs a second factor and has
-- none. Nothing else is reachable with it.
create table qdp.portal_sign_in_steps (
  token_hash bytea primary key check (length(token_hash) = 32),
  user_id bigint not null references qdp.users (id) on delete cascade,
  next text not null check (next in ('code', 'enrol')),
  created_at timestamptz not null default now()
);
create index portal_sign_in_steps_user_idx on qdp.portal_sign_in_steps (user_id);

-- How each session began: RP-initiated logout is for sessions the provider opened.
alter table qdp.portal_sessions
  add column method text not null default 'password' check (method in ('password', 'provider'));

do $$
declare
  t text;
begin
  foreach t in array array['user_identities', 'user_second_factors', 'user_recovery_codes',
                           'portal_sign_in_steps'] loop
    execute format('alter table qdp.%I enable row level security', t);
    execute format('alter table qdp.%I force row level security', t);
    execute format('create policy owner_all on qdp.%I to %I using (true) with check (true)',
                   t, current_user);
  end loop;
end
$$;
