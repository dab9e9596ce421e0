#!/usr/bin/env bash
# Runs the database suites (test/db) on PostgreSQL 15 and 16 as well (scripts/postgres-versions.ts).
# Usage: scripts/postgres-versions.sh [15 16] [-- vitest arguments, default test/db]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh
exec npx tsx scripts/postgres-versions.ts "$@"
