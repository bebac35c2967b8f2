#!/usr/bin/env bash
# The project's one gate, as `npm test` (and CI's .ci/run) run it: starts what the tests need
# (Docker engine, Postgres; installed first on a fresh machine), builds, typechecks, lints,
# checks the committed action bundle against the source, then runs every test.
#   --reliability   run only the reliability suite (test/reliability)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# medic runs on Node 22 (engines, the image): an older node here (Debian 12's is 20, past its
# end of life) is passed over for Node 22 from the npm registry (scripts/node-line.sh).
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  node22="$(bash scripts/node-line.sh 22)"
  echo "== Node $(node --version) is older than 22: testing on $("$node22/node" --version) ($node22)"
  export PATH="$node22:$PATH"
fi
eval "$(bash scripts/dev-services.sh)"
export MEDIC_TEST_DATABASE_URL MEDIC_TEST_DOCKER_B

echo "== build"; npm run build --silent
echo "== typecheck"; npx tsc -p tsconfig.test.json
echo "== lint"; npx biome check .
if [ -f scripts/build-action.mjs ]; then echo "== action bundle"; node scripts/build-action.mjs --check; fi
echo "== example policy"; node lib/medic.js policy check examples/policy.yaml >/dev/null

suite=(test)
[ "${1:-}" = --reliability ] && suite=(test/reliability)
report=$(mktemp)
export MEDIC_TALLY_FILE=$(mktemp)
status=0
npx vitest run "${suite[@]}" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# The reliability suite's figures (test/reliability/tally.ts).
awk '{n[$1]+=$2} END {printf "reliability: %d faults injected (%d with every setting at its default, the rest with a setting shortened to save time), %d bad inputs tried, %d runs lost data\n", n["fault"], n["faultAtDefaults"], n["badInput"], n["dataLoss"]}' "$MEDIC_TALLY_FILE"
rm -f "$MEDIC_TALLY_FILE"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$report" 2>/dev/null || true
rm -f "$report"
exit "$status"
