#!/usr/bin/env bash
# `npm run bench`: the services, a fresh build, then bench/run.ts (writes bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
eval "$(bash scripts/dev-services.sh)"
export MEDIC_TEST_DATABASE_URL
npm run build --silent
npm run build:action --silent >/dev/null
node --import tsx bench/run.ts
