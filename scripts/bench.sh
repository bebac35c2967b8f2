#!/usr/bin/env bash
# `npm run bench`: the services, a fresh build, then bench/run.ts (writes bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# Measured on the Node line medic runs on (engines: 22 or later), as the tests are.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  node22="$(bash scripts/node-line.sh 22)"
  echo "== Node $(node --version) is older than 22: measuring on $("$node22/node" --version)"
  export PATH="$node22:$PATH"
fi
eval "$(bash scripts/dev-services.sh)"
export MEDIC_TEST_DATABASE_URL
npm run build --silent
npm run build:action --silent >/dev/null
node --import tsx bench/run.ts
