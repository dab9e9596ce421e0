-- What the portal needs before and around a user's session: the login lookup and its lock-out,
-- server-side sessions, changing one's own password, and the administrator's import actions
-- through the lifecycle functions of 0003. The portal's login role (qdp_portal) reads no table:
-- it calls these SECURITY DEFINER functions, each doing one narrow thing.

insert into qdp.settings (key, value, description) values
  ('login_max_failures', '5',
   'A portal user is locked out after this many wrong passwords in a row.'),
  ('login_lockout_minutes', '15',
   'How long a locked-out portal user must wait before trying again.'),
  ('session_idle_minutes', '30',
   'A portal session ends after this many minutes without a request.'),
  ('session_max_hours', '12',
   'A portal session ends this many hours after the log-in, active or not.'),
  ('dashboard_min_count', '5',
   'Dashboard counts below this are shown as "< N" to roles narrowed to aggregates (small-count suppression).')
on conflict (key) do nothing;

-- Sessions: only the SHA-256 of the cookie's random token is stored, so a copy of this table
-- opens no session.
create table qdp.portal_sessions (
  token_hash bytea primary key check (length(token_hash) = 32),
  user_id bigint not null references qdp.users (id),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  client_address text
);
create index portal_sessions_user_idx on qdp.portal_sessions (user_id);

alter table qdp.portal_sessions enable row level security;
alter table qdp.portal_sessions force row level security;
do $$
begin
  execute format('create policy owner_all on qdp.portal_sessions to %I using (true) with check (true)',
                 current_user);
end
$$;

-- The account behind a username, for the portal to check the password (Argon2id, in the portal).
-- Disabled and unknown users give no row; `locked` says a lock-out is running.
create function qdp.portal_login_lookup(p_username text)
returns table (user_id bigint, password_hash text, locked boolean)
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select u.id, u.password_hash, coalesce(u.locked_until > now(), false)
  from qdp.users u
  where u.username = p_username and not u.disabled
$$;

-- A wrong password: counts it, and locks the account at login_max_failures. Returns true when the
-- account is now locked.
create function qdp.portal_login_failed(p_user_id bigint) returns boolean
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  failures integer;
  max_failures integer := qdp.setting('login_max_failures')::integer;
begin
  update qdp.users set failed_logins = failed_logins + 1
  where id = p_user_id
  returning failed_logins into failures;
  if failures >= max_failures then
    update qdp.users set failed_logins = 0,
      locked_until = now() + make_interval(mins => qdp.setting('login_lockout_minutes')::integer)
    where id = p_user_id;
    return true;
  end if;
  return false;
end
$$;

-- A right password: opens a session under a new token (never one the browser brought: no session
-- fixation) and clears the failure count. Refused for a disabled or locked account.
create function qdp.portal_login_succeeded(p_user_id bigint, p_token_hash bytea, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
begin
  update qdp.users set failed_logins = 0, locked_until = null
  where id = p_user_id and not disabled and coalesce(locked_until <= now(), true);
  if not found then
    raise exception 'user % is disabled or locked out', p_user_id using errcode = '42501';
  end if;
  insert into qdp.portal_sessions (token_hash, user_id, client_address)
  values (p_token_hash, p_user_id, p_client);
end
$$;

-- The user of a session token, NULL when it is unknown, idle too long, too old, or its user is
-- disabled. Marks the session seen (at most once a minute: one write per minute, not per request).
create function qdp.portal_session_user(p_token_hash bytea) returns bigint
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  s qdp.portal_sessions;
begin
  select * into s from qdp.portal_sessions where token_hash = p_token_hash;
  if not found then
    return null;
  end if;
  if s.last_seen_at < now() - make_interval(mins => qdp.setting('session_idle_minutes')::integer)
     or s.created_at < now() - make_interval(hours => qdp.setting('session_max_hours')::integer)
     or not exists (select 1 from qdp.users u where u.id = s.user_id and not u.disabled) then
    delete from qdp.portal_sessions where token_hash = p_token_hash;
    return null;
  end if;
  if s.last_seen_at < now() - interval '1 minute' then
    update qdp.portal_sessions set last_seen_at = now() where token_hash = p_token_hash;
  end if;
  return s.user_id;
end
$$;

create function qdp.portal_session_end(p_token_hash bytea) returns void
language sql volatile security definer
set search_path = pg_catalog, qdp
as $$ delete from qdp.portal_sessions where token_hash = p_token_hash $$;

-- Inside a user's session: the user's own password hash (to check the current password before a
-- change), and the change itself, which ends the user's other sessions.
create function qdp.portal_own_password_hash() returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$ select password_hash from qdp.users where id = qdp.current_user_id() $$;

create function qdp.portal_set_own_password(p_password_hash text, p_keep_token_hash bytea)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  me bigint := qdp.current_user_id();
begin
  if me is null then
    raise exception 'no valid session user' using errcode = '42501';
  end if;
  if p_password_hash is null or p_password_hash !~ '^\$argon2id\$' then
    raise exception 'the password hash must be an Argon2id hash' using errcode = '22023';
  end if;
  update qdp.users set password_hash = p_password_hash where id = me;
  delete from qdp.portal_sessions where user_id = me and token_hash <> p_keep_token_hash;
end
$$;

-- The administrator's import actions: the lifecycle functions of 0003 run as the owner, named
-- after the administrator, and each action is audited.
create function qdp.portal_admin_username() returns text
language plpgsql stable security definer
set search_path = pg_catalog, qdp
as $$
declare
  who record;
begin
  select * into who from qdp.session_binding();
  if current_setting('role') <> 'qdp_admin' or who.user_id is null then
    raise exception 'only an administrator''s session may change imports' using errcode = '42501';
  end if;
  return who.username;
end
$$;

create function qdp.portal_import_action(p_action text, p_import_id bigint, p_client text)
returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
declare
  admin_name text := qdp.portal_admin_username();
begin
  if p_action = 'publish' then
    perform qdp.publish_import(p_import_id, admin_name);
  elsif p_action = 'discard' then
    perform qdp.discard_import(p_import_id, admin_name);
  elsif p_action = 'rollback' then
    perform qdp.rollback_to(p_import_id, admin_name);
  else
    raise exception 'unknown import action "%": expected publish, discard or rollback', p_action
      using errcode = '22023';
  end if;
  perform qdp.audit('import.' || p_action, null, p_import_id, null, p_client);
end
$$;

-- Ends every session of a user (an administrator disabled the user or reset the password).
create function qdp.portal_end_user_sessions(p_user_id bigint) returns void
language plpgsql volatile security definer
set search_path = pg_catalog, qdp
as $$
begin
  perform qdp.portal_admin_username();
  delete from qdp.portal_sessions where user_id = p_user_id;
end
$$;

revoke all on function qdp.portal_login_lookup(text), qdp.portal_login_failed(bigint),
  qdp.portal_login_succeeded(bigint, bytea, text), qdp.portal_session_user(bytea),
  qdp.portal_session_end(bytea), qdp.portal_own_password_hash(),
  qdp.portal_set_own_password(text, bytea), qdp.portal_admin_username(),
  qdp.portal_import_action(text, bigint, text), qdp.portal_end_user_sessions(bigint) from public;
grant execute on function qdp.portal_login_lookup(text), qdp.portal_login_failed(bigint),
  qdp.portal_login_succeeded(bigint, bytea, text), qdp.portal_session_user(bytea),
  qdp.portal_session_end(bytea)
  to qdp_portal;
grant execute on function qdp.portal_own_password_hash(), qdp.portal_set_own_password(text, bytea)
  to qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
grant execute on function qdp.portal_import_action(text, bigint, text),
  qdp.portal_end_user_sessions(bigint)
  to qdp_admin;
-- Settings the portal reads inside a session (the dashboards' threshold) are readable by every
-- role through this function; the settings table stays the administrators'.
create function qdp.portal_setting(setting_key text) returns text
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select value from qdp.settings
  where key = setting_key
    and key in ('dashboard_min_count', 'session_idle_minutes', 'session_max_hours',
                'login_max_failures', 'login_lockout_minutes')
$$;
revoke all on function qdp.portal_setting(text) from public;
grant execute on function qdp.portal_setting(text)
  to qdp_portal, qdp_admin, qdp_staff, qdp_prefecture, qdp_municipality, qdp_gp;
