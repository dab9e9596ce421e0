#!/usr/bin/env bash
# The test command (`npm test`): lint, format check, type-check and every test suite, on Node 22.
# It provisions what the suites need (Node 22, the embedded PostgreSQL comes with npm ci) and fails,
# never skips, when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh
echo "node $(node -v)"
[ -d node_modules ] || { echo "error: node_modules is missing: run npm ci first" >&2; exit 1; }
echo "== lint (eslint) and format (prettier)"
npx eslint .
npx prettier --check .
echo "== type-check (tsc)"
npx tsc --noEmit -p tsconfig.json
echo "== Glue test environment (Python venv with PySpark 3.5.4, Java, PostgreSQL JDBC driver)"
bash scripts/glue-venv.sh >/dev/null
echo "== AWS emulator for test/emulator (MiniStack from PyPI, OpenSSH client)"
bash scripts/ministack.sh install
echo "== portal test tools (Debian chromium and sqlmap)"
bash scripts/portal-tools.sh
echo "== pg_dump for the db/schema.sql test (Debian postgresql-client)"
source scripts/debian-packages.sh
command -v pg_dump >/dev/null || install_debian_packages "the db/schema.sql test" postgresql-client
echo "== tests (vitest, real PostgreSQL; test/glue runs pytest on PySpark)"
npx vitest run "$@"
echo "== database suites on PostgreSQL 15 and 16"
bash scripts/postgres-versions.sh
