#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing its figures as ratios against a baseline
# measured in the same run. Sizes can be lowered for a quick look (BENCH_ROWS, BENCH_DAY_ROWS,
# BENCH_HISTORY_DAYS, BENCH_HISTORY_ROWS, BENCH_PORTAL_*,
# BENCH_GLUE_ROWS); bench/README.md records full-size runs.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh
status=0
for bench in bench/load-transit.ts bench/import.ts bench/history.ts bench/portal.ts bench/glue-import.ts; do
  echo "== $bench"
  npx tsx "$bench" || status=1
done
exit $status
