#!/usr/bin/env bash
# Sets up and runs every check and test suite, then prints one line summed from Jest's JSON results:
#   N passed, N failed[, N skipped]
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-prerequisites.sh || exit 1

results=test-results
rm -rf "$results" && mkdir -p "$results"
status=0
failed_steps=()
step() { local name=$1; echo; echo "==> $name"; shift; "$@" || { status=1; failed_steps+=("$name"); }; }

export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=true
npx nx show projects >/dev/null 2>&1 # builds the project graph the module-boundary rule reads
step "typecheck" npx tsc -p tsconfig.json --noEmit
step "lint (type-checked, module boundaries)" npx eslint . --max-warnings=0
step "format" npx prettier --check . --log-level=warn
step "JSON Schemas are current" node -r @swc-node/register tools/generate-schemas.ts --check
step "docker-compose.yml" bash scripts/check-compose.sh
# JavaScript per process into dist/ (fails on a dev-only run-time import). Built here, every time,
# so the suites below run the processes from this build (scripts/built.js runs only a fresh one).
step "build" node scripts/build.js
step "policy fixtures (deploy/policies)" npx countersign policy test deploy/policies
# Two spec files at a time where each starts its own servers on free ports in its own folders
# (integration, e2e, security): much of their time is waiting on processes, not on the CPU. The
# chaos suite kills processes on a schedule and runs alone.
workers() { case $1 in integration | e2e | security) echo 2 ;; *) echo 1 ;; esac; }
for suite in unit integration e2e security chaos; do
  step "jest: $suite" npx jest --selectProjects "$suite" --maxWorkers="$(workers "$suite")" --json --outputFile="$results/$suite.json" --passWithNoTests
done

[ ${#failed_steps[@]} -eq 0 ] || echo "failed steps: ${failed_steps[*]}"
node scripts/sum-results.js "$results" || status=1
exit $status
