#!/usr/bin/env bash
# test-integration.sh - the integration suite against real components: brings up the single-machine cloud with
# hack/up.sh (installs and builds what is missing), builds the upstream k8s-keystone-auth for the compatibility
# tests, runs test/integration, then tears everything down again (set STACKUBE_KEEP=1 to leave it running).
# Expects `npm run build` to have run (npm test does that first).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f dist/src/cmd/stackube-webhook.js ] || { echo "dist/ is missing: run npm run build" >&2; exit 1; }
T0=$SECONDS
bash hack/up.sh
bash hack/webhook-up.sh --restart   # the webhook must run the code just built
bash hack/build-keystone-auth.sh
echo "[integration] cloud ready after $((SECONDS - T0))s"
status=0
node --test --test-concurrency=1 --test-reporter=spec dist/test/integration/ || status=$?
if [ -z "${STACKUBE_KEEP:-}" ]; then bash hack/down.sh; fi
echo "[integration] finished in $((SECONDS - T0))s (exit $status)"
exit $status
