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

reports=()
export MEDIC_TALLY_FILE=$(mktemp)
status=0
# runs a vitest command with a JSON report beside the default one (its totals are summed below)
run_vitest() {
  local report
  report=$(mktemp)
  reports+=("$report")
  "$@" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
}
if [ "${1:-}" = --reliability ]; then
  run_vitest npx vitest run --project services test/reliability
else
  # The unit files need no engine: two at a time (npm run test:unit says how). Then the files
  # on the services, one at a time.
  run_vitest npm run --silent test:unit --
  run_vitest npx vitest run --project services
fi
# The reliability suite's figures (test/reliability/tally.ts).
awk '{n[$1]+=$2} END {printf "reliability: %d faults injected (%d with every setting at its default, the rest with a setting shortened to save time), %d bad inputs tried, %d runs lost data\n", n["fault"], n["faultAtDefaults"], n["badInput"], n["dataLoss"]}' "$MEDIC_TALLY_FILE"
rm -f "$MEDIC_TALLY_FILE"
node -e '
  const fs = require("fs");
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const file of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    t.passed += r.numPassedTests; t.failed += r.numFailedTests; t.skipped += r.numPendingTests;
  }
  console.log(`tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
' "${reports[@]}" 2>/dev/null || true
rm -f "${reports[@]}"
exit "$status"
