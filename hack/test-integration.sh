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
# The upstream peer builds while apt and the Kubernetes build run (the Go build cache is shared and safe).
bash hack/build-keystone-auth.sh > /tmp/stackube-build-keystone-auth.log 2>&1 & kka_pid=$!
# Whatever happens (a failed start included), leave nothing running unless asked to keep the cloud.
cleanup() { [ -n "${STACKUBE_KEEP:-}" ] || bash hack/down.sh; }
trap cleanup EXIT
bash hack/up.sh
bash hack/webhook-up.sh --restart   # the webhook and controller must run the code just built
bash hack/controller-up.sh --restart
wait "$kka_pid" || { cat /tmp/stackube-build-keystone-auth.log; echo "building k8s-keystone-auth failed" >&2; exit 1; }
echo "[integration] cloud ready after $((SECONDS - T0))s"
status=0
node --test --test-concurrency=1 --test-reporter=spec dist/test/integration/ || status=$?
echo "[integration] finished in $((SECONDS - T0))s (exit $status)"
exit $status
